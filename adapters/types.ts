import type { ExecuteOptions, RedactedRequest } from '../src/core/ports.ts';
import type { F5Call, F5Result } from './f5xc/commands.ts';
import type { F5Target } from './f5xc/target.ts';
import type { WebexCall } from './webex-identity/commands.ts';
import type { WebexTarget } from './webex-identity/target.ts';
import type { YandexCall, YandexResult } from './yandex-org/commands.ts';
import type { YandexTarget } from './yandex-org/target.ts';

export type { PreparedRequest, RedactedRequest } from '../src/core/ports.ts';

/** The `vendor:` name of a module built on this folder's HTTP layer. */
export type Vendor = string;

/** The calls of the vendor modules in this folder. */
export type VendorCall = WebexCall | F5Call | YandexCall;
export type VendorAction = VendorCall['action'];

/** The targets of the vendor modules in this folder. */
export type Target = WebexTarget | F5Target | YandexTarget;

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
  | F5Result
  | YandexResult;

/** A typed client for one configured target (the core sees it as its VendorClient port). */
export interface VendorClient {
  readonly vendor: Vendor;
  /** The configured target name. */
  readonly target: string;
  /**
   * The first request `execute` would send for this call, with secrets redacted. Built by the
   * same code as the real request; needs no token and makes no network call.
   */
  describe(call: VendorCall): RedactedRequest;
  /** Performs the call. Throws VendorError (adapters/vendor-error.ts) on any failure. */
  execute(call: VendorCall, options?: ExecuteOptions): Promise<VendorResult>;
}
