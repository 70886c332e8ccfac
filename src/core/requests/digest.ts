import { createHash } from 'node:crypto';
import type { RedactedRequest } from '../ports.ts';

/**
 * The SHA-256 of a vendor request's canonical form: method, URL and body (secrets already
 * redacted), as JSON in that order. What an approval binds to.
 */
export function requestDigest(request: RedactedRequest): string {
  const canonical = JSON.stringify([request.method, request.url, request.body ?? null]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * What a batch's approval binds to: the SHA-256 of every item's request in its canonical form
 * (method, URL, body), in item order. Any item's request changing changes it.
 */
export function batchDigest(requests: readonly RedactedRequest[]): string {
  const canonical = JSON.stringify(requests.map((r) => [r.method, r.url, r.body ?? null]));
  return createHash('sha256').update(canonical).digest('hex');
}

/** The digest an approval binds to: one request's, or a batch's over all of its requests. */
export function approvalDigest(requests: readonly RedactedRequest[]): string {
  return requests.length === 1 ? requestDigest(requests[0]!) : batchDigest(requests);
}
