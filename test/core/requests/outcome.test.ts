import { describe, expect, it } from 'vitest';
import { exitCode, type Outcome } from '../../../src/core/requests/outcome.ts';

describe('exitCode', () => {
  it.each<[Outcome, number]>([
    [{ status: 'succeeded' }, 0],
    [{ status: 'pending' }, 0],
    [{ status: 'denied' }, 0],
    [{ status: 'cancelled' }, 0],
    [{ status: 'rejected' }, 3],
    [{ status: 'pending', refusal: { kind: 'not_allowed', reason: 'approve_own_request' } }, 3],
    [{ status: 'failed' }, 4],
    [{ status: 'unknown' }, 5],
    [{ status: 'expired' }, 6],
    [{ status: 'denied', refusal: { kind: 'not_open' } }, 6],
    [{ refusal: { kind: 'not_open' } }, 6],
  ])('%o → %i', (outcome, code) => {
    expect(exitCode(outcome)).toBe(code);
  });
});
