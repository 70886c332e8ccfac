/**
 * An error from the vendor call that is not a VendorError (a bug, a library, a socket) is stored
 * as an unknown outcome with its message: scrubbed of every known secret and credential shape
 * first, so it cannot carry a token into the store, the audit trail or a card.
 */
import { describe, expect, it } from 'vitest';
import { toRequestError } from '../../../src/core/requests/execution.ts';
import { registerSecret } from '../../../src/core/scrub.ts';
import { alice, harness, lookup } from './helpers.ts';

const SECRET = 'sk-live-4f7c1e9a2b3d5c6e-request-error';
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkb21haW5vcHMifQ.c2lnbmF0dXJl';

describe('toRequestError', () => {
  it('scrubs known secrets and credential shapes from a non-vendor error', () => {
    registerSecret(SECRET);
    const error = toRequestError(
      new Error(`socket hang up after sending Authorization: Bearer ${SECRET} and ${JWT}`),
    );
    expect(error.code).toBe('outcome_unknown');
    expect(error.message).toContain('socket hang up after sending Authorization: Bearer [REDACTED]');
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(JWT);
    // Not an Error at all: its text is scrubbed too.
    expect(toRequestError(`token ${SECRET}`).message).not.toContain(SECRET);
  });

  it('keeps a plain message as it is', () => {
    expect(toRequestError(new TypeError('x is not a function')).message).toContain('(x is not a function)');
  });

  it('stores the scrubbed message with the request and in its audit event', async () => {
    registerSecret(SECRET);
    const { workflow, store, vendor } = harness();
    vendor.behave(async () => {
      throw new Error(`fetch failed: https://api.example.com/?access_token=${SECRET}`);
    });
    const input = { target: 'yc', call: lookup(), subject: 'abc.com', actor: alice };
    const outcome = await workflow.submit(input);
    expect(outcome.status).toBe('unknown');
    const id = outcome.request!.id;
    const stored = await store.get(id);
    expect(stored?.error?.message).toMatch(/fetch failed: .*access_token=\[REDACTED\]/);
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    expect(JSON.stringify(await store.listAudit({ limit: 10, requestId: id }))).not.toContain(SECRET);
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
  });
});
