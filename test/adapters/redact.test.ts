import { describe, expect, it } from 'vitest';
import { redactRequest } from '../../adapters/redact.ts';

describe('redactRequest', () => {
  it('keeps the scheme of credential headers only', () => {
    const out = redactRequest({
      method: 'POST',
      url: 'https://x.test/a',
      headers: { Authorization: 'Bearer s3cr3t-token', 'Content-Type': 'application/json' },
      body: '{"domain":"abc.com"}',
      idempotent: false,
    });
    expect(out).toEqual({
      method: 'POST',
      url: 'https://x.test/a',
      headers: { Authorization: 'Bearer [REDACTED]', 'Content-Type': 'application/json' },
      body: '{"domain":"abc.com"}',
    });
    expect(
      redactRequest({ method: 'GET', url: 'u', headers: { authorization: 'APIToken abc' }, idempotent: true })
        .headers,
    ).toEqual({ authorization: 'APIToken [REDACTED]' });
    expect(
      redactRequest({ method: 'GET', url: 'u', headers: { authorization: 'abc' }, idempotent: true }).headers,
    ).toEqual({ authorization: '[REDACTED]' });
  });

  it('redacts credential form fields and JSON members', () => {
    const form = redactRequest({
      method: 'POST',
      url: 'u',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&client_id=C1&client_secret=SEC&refresh_token=REF',
      idempotent: true,
    });
    expect(form.body).toBe(
      'grant_type=refresh_token&client_id=C1&client_secret=[REDACTED]&refresh_token=[REDACTED]',
    );
    const json = redactRequest({
      method: 'POST',
      url: 'u',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jwt: 'a.b.c', nested: { iamToken: 't1', keep: 1 } }),
      idempotent: true,
    });
    expect(JSON.parse(json.body!)).toEqual({
      jwt: '[REDACTED]',
      nested: { iamToken: '[REDACTED]', keep: 1 },
    });
  });

  it('drops the whole body of token requests and unreadable bodies', () => {
    const req = {
      method: 'POST' as const,
      url: 'u',
      headers: { 'Content-Type': 'application/json' },
      body: '{"x":1}',
      idempotent: true,
    };
    expect(redactRequest(req, { sensitiveBody: true }).body).toBe('[REDACTED]');
    expect(redactRequest({ ...req, headers: { 'Content-Type': 'text/plain' } }).body).toBe('[REDACTED]');
    expect('idempotent' in redactRequest(req)).toBe(false);
  });
});
