import type { VendorResult } from './ports.ts';

/**
 * Errors that reach a person carry a stable `code` (for scripts and tests), a
 * one-line `message` and, where we know one, a `hint` that says what to do next.
 */
export class DomainopsError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainopsError';
    this.code = code;
    this.hint = options.hint;
  }

  /** The `error` member of the JSON document of design.md. */
  toJSON(): { code: string; message: string; hint?: string } {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }
}

/**
 * A vendor call that failed, as the core reads it: which vendor, the HTTP status and the
 * vendor's own id of the call when there are some, and whether the vendor may have acted
 * (`unknown`) or certainly did not (`failed`). Vendor modules throw subclasses of it.
 */
export class VendorFailure extends DomainopsError {
  readonly vendor: string;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly outcome: 'failed' | 'unknown';
  /**
   * What the module found before it refused (the DNS table of a precheck that found the record
   * not served): stored as the failed request's `result` and shown with the error.
   */
  readonly result: VendorResult | undefined;

  constructor(
    code: string,
    message: string,
    init: {
      vendor: string;
      outcome: 'failed' | 'unknown';
      status?: number | undefined;
      requestId?: string | undefined;
      hint?: string;
      cause?: unknown;
      result?: VendorResult | undefined;
    },
  ) {
    super(code, message, {
      ...(init.hint === undefined ? {} : { hint: init.hint }),
      ...(init.cause === undefined ? {} : { cause: init.cause }),
    });
    this.name = 'VendorFailure';
    this.vendor = init.vendor;
    this.status = init.status;
    this.requestId = init.requestId;
    this.outcome = init.outcome;
    this.result = init.result;
  }
}

/** A configuration problem: `path` names the field (`targets.prod.orgId`). */
export class ConfigError extends DomainopsError {
  readonly issues: readonly { path: string; message: string }[];

  constructor(issues: readonly { path: string; message: string }[], hint?: string) {
    const text = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    super('config_invalid', `invalid configuration: ${text}`, hint === undefined ? {} : { hint });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Exit codes of the CLI (design.md, "Command line"). */
export const ExitCode = {
  ok: 0,
  usage: 2,
  rejected: 3,
  vendor: 4,
  unknown: 5,
  notOpen: 6,
  /** `audit verify` found the audit trail altered. */
  altered: 7,
  /** Anything not covered by the contract: configuration or internal errors. */
  failure: 1,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
