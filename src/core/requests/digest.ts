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
