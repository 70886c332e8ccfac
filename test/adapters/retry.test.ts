import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  classifyFailure,
  parseRetryAfter,
  type RetryPolicy,
  retryDelay,
} from '../../adapters/retry.ts';

const policy: RetryPolicy = { retries: 3, maxRetryAfter: 10_000, baseDelay: 500, random: () => 0.5 };
const NOW = Date.parse('2026-11-23T10:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('2', NOW)).toBe(2000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:05 GMT', NOW)).toBe(5000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', NOW)).toBe(0);
  });

  it('ignores absent and unreadable values', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-1', NOW)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  it('waits for Retry-After on 429/423/503', () => {
    for (const status of [429, 423, 503]) {
      expect(retryDelay({ status, retryAfter: '3' }, 0, false, policy, NOW)).toBe(3000);
    }
    expect(retryDelay({ status: 429, retryAfter: '10' }, 0, false, policy, NOW)).toBe(10_000);
  });

  it('never retries before the time Retry-After asks for: longer than maxRetryAfter ends the retries', () => {
    expect(retryDelay({ status: 429, retryAfter: '3600' }, 0, false, policy, NOW)).toBeUndefined();
    expect(retryDelay({ status: 423, retryAfter: '11' }, 0, true, policy, NOW)).toBeUndefined();
    expect(
      retryDelay({ status: 429, retryAfter: 'Mon, 23 Nov 2026 11:00:00 GMT' }, 0, true, policy, NOW),
    ).toBeUndefined();
  });

  it('backs off exponentially with jitter when there is no Retry-After', () => {
    expect(retryDelay({ status: 503, retryAfter: undefined }, 0, true, policy, NOW)).toBe(375);
    expect(retryDelay({ status: 503, retryAfter: undefined }, 2, true, policy, NOW)).toBe(1500);
  });

  it('does not retry other statuses or after the last retry', () => {
    for (const status of [200, 204, 400, 401, 404, 409, 500, 502, 504]) {
      expect(retryDelay({ status, retryAfter: '1' }, 0, true, policy, NOW)).toBeUndefined();
    }
    expect(retryDelay({ status: 429, retryAfter: '1' }, 3, true, policy, NOW)).toBeUndefined();
  });

  it('retries connection failures before sending, and maybe-sent ones only when idempotent', () => {
    expect(retryDelay({ phase: 'not-sent' }, 0, false, policy, NOW)).toBe(375);
    expect(retryDelay({ phase: 'maybe-sent' }, 0, false, policy, NOW)).toBeUndefined();
    expect(retryDelay({ phase: 'maybe-sent' }, 0, true, policy, NOW)).toBe(375);
    expect(retryDelay({ phase: 'aborted' }, 0, true, policy, NOW)).toBeUndefined();
  });

  it('keeps every backoff within [step/2, step] and under the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (attempt, r) => {
          const d = backoffDelay(attempt, { ...policy, random: () => r });
          const step = Math.min(policy.maxRetryAfter, policy.baseDelay * 2 ** attempt);
          return d >= Math.floor(step / 2) && d <= step && d <= policy.maxRetryAfter;
        },
      ),
    );
  });
});

describe('classifyFailure', () => {
  const err = (code: string, extra: object = {}) => Object.assign(new Error(code), { code }, extra);

  it('treats refused, unresolvable and connect timeouts as not sent', () => {
    expect(classifyFailure(err('ECONNREFUSED'))).toBe('not-sent');
    expect(classifyFailure(err('ENOTFOUND'))).toBe('not-sent');
    expect(classifyFailure(err('UND_ERR_CONNECT_TIMEOUT'))).toBe('not-sent');
    const aggregate = Object.assign(new AggregateError([err('ECONNREFUSED'), err('ECONNREFUSED')]), {
      code: 'ECONNREFUSED',
    });
    expect(classifyFailure(aggregate)).toBe('not-sent');
  });

  it('treats resets, header/body timeouts and unknown errors as maybe sent', () => {
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']) {
      expect(classifyFailure(err(code))).toBe('maybe-sent');
    }
    expect(classifyFailure(new Error('strange'))).toBe('maybe-sent');
    expect(classifyFailure(err('UND_ERR_SOCKET', { cause: err('ECONNRESET') }))).toBe('maybe-sent');
  });

  it('reports aborts', () => {
    const controller = new AbortController();
    controller.abort();
    expect(classifyFailure(err('ECONNRESET'), controller.signal)).toBe('aborted');
    expect(classifyFailure(err('UND_ERR_ABORTED'))).toBe('aborted');
  });
});
