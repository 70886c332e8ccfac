import { VendorFailure } from '../src/core/errors.ts';
import type { VendorResult } from '../src/core/ports.ts';
import { scrub, scrubDeep } from '../src/core/scrub.ts';
import type { RedactedRequest, Vendor } from './types.ts';

/**
 * Stable codes of vendor failures. `vendor_outcome_unknown` means the request may have
 * reached the vendor and we cannot tell whether it took effect: it is never retried blindly.
 */
export type VendorErrorCode =
  | 'vendor_bad_request'
  | 'vendor_unauthorized'
  | 'vendor_forbidden'
  | 'vendor_not_found'
  | 'vendor_conflict'
  | 'vendor_locked'
  | 'vendor_rate_limited'
  | 'vendor_server_error'
  | 'vendor_unavailable'
  | 'vendor_timeout'
  | 'vendor_bad_response'
  | 'vendor_unreachable'
  | 'vendor_auth_failed'
  | 'vendor_operation_failed'
  | 'vendor_outcome_unknown'
  /** A long-running vendor operation (Yandex) did not finish in time; it may still succeed later. */
  | 'vendor_operation_pending'
  /**
   * Refused by domainops from the vendor's own state before anything that changes it was sent
   * (a Yandex userpool domain protected from deletion); the outcome is `failed`.
   */
  | 'deletion_protected'
  /**
   * Refused by domainops from DNS before anything was sent: the record the vendor checks is not
   * served by every authoritative nameserver (the precheck of validate/verify, or `dns-check`).
   * The error carries the DNS table as its `result`; the outcome is `failed`.
   */
  | 'dns_not_ready'
  /** The vendor gives no DNS record to check for the domain (a Yandex domain without a DNS challenge). */
  | 'dns_no_record'
  | 'vendor_error';

export interface VendorErrorInit {
  vendor: Vendor;
  code: VendorErrorCode;
  message: string;
  hint?: string;
  /** HTTP status, when the vendor answered. */
  status?: number;
  /** The vendor's own message (Webex JSON `message`, F5 plain text, Yandex `google.rpc.Status.message`). */
  vendorMessage?: string;
  /** Webex `trackingId`, Yandex `x-request-id`, F5 request id: what vendor support asks for. */
  requestId?: string;
  /** The request that failed, secrets redacted. */
  request?: RedactedRequest;
  /** `unknown` when the vendor may have acted; `failed` when it certainly did not (or said no). */
  outcome?: 'failed' | 'unknown';
  cause?: unknown;
  /** What was found before the refusal (a DNS check), stored as the failed request's `result`. */
  result?: VendorResult;
}

/**
 * Every failure of a vendor call, typed once at the adapter boundary. Its texts (message, hint,
 * vendor message, request id) and the request it carries are scrubbed of every secret value the
 * process knows and of credential shapes (src/core/scrub.ts) when it is made, whatever the
 * adapter put into them: a vendor that echoes a token cannot carry it into a card, the JSON
 * document, the store, the audit trail or a log.
 */
export class VendorError extends VendorFailure {
  override readonly code: VendorErrorCode;
  readonly vendorMessage: string | undefined;
  readonly request: RedactedRequest | undefined;

  constructor(init: VendorErrorInit) {
    super(init.code, scrub(init.message), {
      vendor: init.vendor,
      outcome: init.outcome ?? (init.code === 'vendor_outcome_unknown' ? 'unknown' : 'failed'),
      status: init.status,
      requestId: init.requestId === undefined ? undefined : scrub(init.requestId),
      ...(init.hint === undefined ? {} : { hint: scrub(init.hint) }),
      ...(init.cause === undefined ? {} : { cause: init.cause }),
      ...(init.result === undefined ? {} : { result: scrubDeep(init.result) }),
    });
    this.name = 'VendorError';
    this.code = init.code;
    this.vendorMessage = init.vendorMessage === undefined ? undefined : scrub(init.vendorMessage);
    this.request = init.request === undefined ? undefined : scrubDeep(init.request);
  }

  override toJSON(): {
    code: string;
    message: string;
    hint?: string;
    vendor: Vendor;
    status?: number;
    vendorMessage?: string;
    requestId?: string;
  } {
    return {
      ...super.toJSON(),
      vendor: this.vendor,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.vendorMessage === undefined ? {} : { vendorMessage: this.vendorMessage }),
      ...(this.requestId === undefined ? {} : { requestId: this.requestId }),
    };
  }
}
