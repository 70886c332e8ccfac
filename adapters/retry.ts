/**
 * The retry policy of the shared HTTP layer, kept apart from the transport so that it can be
 * read and tested on its own. It decides; it never sleeps or sends.
 */

/** 429 Too Many Requests, 423 Locked, 503 Service Unavailable: the vendor did not execute the request. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([423, 429, 503]);

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /**
   * Upper bound for one wait (ms). Backoff is capped at it; a `Retry-After` asking for longer
   * ends the retries instead, since the vendor said a request before then cannot succeed.
   */
  maxRetryAfter: number;
  /** First backoff step (ms); doubles per attempt. */
  baseDelay: number;
  /** Returns [0, 1); injectable so tests get exact delays. */
  random: () => number;
}

/**
 * Where a transport failure happened. `not-sent`: the connection was never established, the
 * vendor cannot have seen the request. `maybe-sent`: the request may have reached the vendor
 * (response timeout, reset mid-response, truncated body). `aborted`: the caller cancelled.
 */
export type FailurePhase = 'not-sent' | 'maybe-sent' | 'aborted';

/** Error codes that mean the TCP/TLS connection was never made (net, dns and undici codes). */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The error codes in an error, its `cause` and an AggregateError's members (happy eyeballs). */
export function errorCodes(error: unknown, depth = 0): string[] {
  if (typeof error !== 'object' || error === null || depth > 3) return [];
  const out: string[] = [];
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') out.push(code);
  out.push(...errorCodes((error as { cause?: unknown }).cause, depth + 1));
  const members = (error as { errors?: unknown }).errors;
  if (Array.isArray(members)) for (const m of members) out.push(...errorCodes(m, depth + 1));
  return out;
}

/** Classifies a transport error thrown by undici. */
export function classifyFailure(error: unknown, signal?: AbortSignal): FailurePhase {
  if (signal?.aborted) return 'aborted';
  const codes = errorCodes(error);
  if (codes.includes('UND_ERR_ABORTED') || (error as { name?: unknown })?.name === 'AbortError')
    return 'aborted';
  if (codes.length > 0 && codes.every((c) => NOT_SENT_CODES.has(c))) return 'not-sent';
  return 'maybe-sent';
}

/** `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date always names a weekday and a month; anything else (`-1`, `soon`) is unreadable.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Exponential backoff with equal jitter: half the step fixed, half random; capped by maxRetryAfter. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  const step = Math.min(policy.maxRetryAfter, policy.baseDelay * 2 ** attempt);
  return Math.round(step / 2 + (policy.random() * step) / 2);
}

/**
 * The wait before retry number `attempt + 1`, or undefined when the failure must not be retried.
 * A response counts as `{ status, retryAfter }`; a transport failure as its phase.
 */
export function retryDelay(
  failure: { status: number; retryAfter: string | undefined } | { phase: FailurePhase },
  attempt: number,
  idempotent: boolean,
  policy: RetryPolicy,
  now: number,
): number | undefined {
  if (attempt >= policy.retries) return undefined;
  if ('status' in failure) {
    if (!RETRYABLE_STATUSES.has(failure.status)) return undefined;
    const asked = parseRetryAfter(failure.retryAfter, now);
    if (asked === undefined) return backoffDelay(attempt, policy);
    // Webex 423/429: "specifies how many seconds you need to wait before a successful request
    // can be made" (seeds 000/001). Retrying sooner is futile and spends the rate limit.
    return asked <= policy.maxRetryAfter ? asked : undefined;
  }
  if (failure.phase === 'aborted') return undefined;
  // A request that may have reached the vendor is repeated only when repeating it is harmless.
  if (failure.phase === 'maybe-sent' && !idempotent) return undefined;
  return backoffDelay(attempt, policy);
}
