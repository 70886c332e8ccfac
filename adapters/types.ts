import type { Vendor, VendorAction, VendorCall } from '../src/commands/model.ts';

/** A vendor request as it goes on the wire (after auth is applied, before redaction). */
export interface PreparedRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Full URL, query included. */
  url: string;
  headers: Record<string, string>;
  /** Serialised body exactly as sent (JSON text or form-encoded text). */
  body?: string;
  /** False for POSTs with side effects: such a request is never retried once it may have reached the vendor. */
  idempotent: boolean;
}

/** A request with secrets replaced by `[REDACTED]`: what dry-run prints and errors carry. */
export type RedactedRequest = Omit<PreparedRequest, 'idempotent'>;

/** One DNS challenge of a Yandex domain (seeds 003/004). */
export interface YandexChallenge {
  createdAt?: string;
  updatedAt?: string;
  type?: string;
  status?: string;
  dnsChallenge?: { name?: string; type?: string; value?: string };
}

/** Yandex Organization Manager `Domain` (seeds 003/004). */
export interface YandexDomain {
  domain: string;
  status?: string;
  statusCode?: string;
  createdAt?: string;
  validatedAt?: string;
  challenges: YandexChallenge[];
  deletionProtection?: boolean;
}

/** What a vendor call returns, normalised per action; `raw` is the vendor's body as received. */
export type VendorResult =
  | { action: 'unclaim'; domain: string; raw: unknown }
  | {
      action: 'unverify';
      domain: string;
      verifiedDomains: string[];
      claimedDomains: string[];
      url?: string;
      raw: unknown;
    }
  | { action: 'unassign-owner'; email: string; raw: unknown }
  | { action: 'validate'; domain: YandexDomain; operationId: string; raw: unknown }
  | { action: 'domain'; domain: YandexDomain; raw: unknown };

/** A typed client for one configured target. */
export interface VendorClient {
  readonly vendor: Vendor;
  /** The configured target name. */
  readonly target: string;
  /** The vendor-side id shown on cards: Webex org id, F5 tenant host, Yandex federation/userpool id. */
  readonly vendorRef: string;
  /** Actions this target can run. */
  readonly actions: readonly VendorAction[];
  /**
   * The first request `execute` would send for this call, with secrets redacted. Built by the
   * same code as the real request; needs no token and makes no network call.
   */
  describe(call: VendorCall): RedactedRequest;
  /** Performs the call. Throws VendorError (adapters/vendor-error.ts) on any failure. */
  execute(call: VendorCall, options?: { signal?: AbortSignal }): Promise<VendorResult>;
}
