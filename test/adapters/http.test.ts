import { createServer } from 'node:net';
import { MockAgent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../adapters/http.ts';
import { type FakeServer, startFake } from '../../adapters/sandbox-http.ts';
import type { PreparedRequest } from '../../adapters/types.ts';
import { createGate, type Gate } from '../helpers/gate.ts';
import { fastHttp, rejection } from './helpers.ts';

let fake: FakeServer;
const { http, sleeps } = fastHttp({ timeout: 300 });

beforeAll(async () => {
  fake = await startFake({
    route: (r) => ({ status: 200, json: { ok: true, path: r.path } }),
    errorBody: (_s, message) => ({ contentType: 'application/json', body: JSON.stringify({ message }) }),
  });
});
afterAll(async () => {
  await http.close();
  await fake.close();
});
/** Holds the fake's answer past the client's timeout; opened after each test. */
let held: Gate = createGate();
const hold = () => ({ kind: 'hold' as const, until: held.wait });

afterEach(() => {
  held.open();
  held = createGate();
  fake.requests.length = 0;
  fake.clearFaults();
  sleeps.length = 0;
});

const post = (): PreparedRequest => ({
  method: 'POST',
  url: `${fake.url}/act`,
  headers: { 'Content-Type': 'application/json', Authorization: 'Bearer TOPSECRET' },
  body: '{"domain":"abc.com"}',
  idempotent: false,
});
const get = (): PreparedRequest => ({
  method: 'GET',
  url: `${fake.url}/read?x=1`,
  headers: {},
  idempotent: true,
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('shared HTTP layer', () => {
  it('sends method, path, query, headers and body as given', async () => {
    const res = await http.send(get(), { vendor: 'yandex' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true, path: '/read?x=1' });
    expect(res.request.url).toBe(`${fake.url}/read?x=1`);
    await http.send(post(), { vendor: 'webex' });
    expect(fake.requests[1]).toMatchObject({ method: 'POST', path: '/act', body: '{"domain":"abc.com"}' });
    expect(fake.requests[1]!.headers.authorization).toBe('Bearer TOPSECRET');
  });

  it('waits for Retry-After on 429 and then succeeds, even for a POST', async () => {
    fake.fault({ kind: 'status', status: 429, retryAfter: '2' });
    const res = await http.send(post(), { vendor: 'webex' });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(2);
    expect(sleeps).toEqual([2000]);
    expect(fake.requests).toHaveLength(2);
  });

  it('backs off on 503 and 423 without Retry-After', async () => {
    fake.fault({ kind: 'status', status: 503 });
    fake.fault({ kind: 'status', status: 423 });
    const res = await http.send(post(), { vendor: 'webex' });
    expect(res.status).toBe(200);
    expect(sleeps).toEqual([375, 750]);
  });

  it('returns the last 429 once the retries are used up', async () => {
    fake.fault({ kind: 'status', status: 429, retryAfter: '1' }, { times: 10 });
    const res = await http.send(post(), { vendor: 'webex' });
    expect(res.status).toBe(429);
    expect(res.attempts).toBe(4);
    expect(fake.requests).toHaveLength(4);
  });

  it('returns the 429 at once when Retry-After asks for longer than maxRetryAfter', async () => {
    fake.fault({ kind: 'status', status: 429, retryAfter: '86400' });
    const res = await http.send(get(), { vendor: 'webex' });
    expect(res).toMatchObject({ status: 429, attempts: 1 });
    expect(sleeps).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('does not retry other errors', async () => {
    fake.fault({ kind: 'status', status: 500 });
    const res = await http.send(get(), { vendor: 'webex' });
    expect(res.status).toBe(500);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a refused connection (nothing was sent) and then reports vendor_unreachable', async () => {
    const port = await freePort();
    const error = await rejection(
      http.send({ ...post(), url: `http://127.0.0.1:${port}/act` }, { vendor: 'f5xc' }),
    );
    expect(error).toMatchObject({ code: 'vendor_unreachable', outcome: 'failed' });
    expect(sleeps).toHaveLength(3);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('never retries a POST reset after it was sent: outcome unknown, one request seen', async () => {
    fake.fault({ kind: 'reset' });
    const error = await rejection(http.send(post(), { vendor: 'webex' }));
    expect(error).toMatchObject({ code: 'vendor_outcome_unknown', outcome: 'unknown', vendor: 'webex' });
    expect(fake.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(JSON.stringify(error.request)).not.toContain('TOPSECRET');
    expect(error.message).not.toContain('TOPSECRET');
  });

  it('never retries a POST whose body was cut mid-response', async () => {
    fake.fault({ kind: 'cut' });
    const error = await rejection(http.send(post(), { vendor: 'webex' }));
    expect(error).toMatchObject({ code: 'vendor_outcome_unknown', outcome: 'unknown' });
    expect(fake.requests).toHaveLength(1);
  });

  // The client's own timeout is real time (undici's timers): these wait for it, about a second,
  // since undici checks its timeouts about once a second. The fake holds its answer until then.
  it('never retries a POST that timed out waiting for the response', async () => {
    fake.fault(hold());
    const error = await rejection(http.send(post(), { vendor: 'f5xc' }));
    expect(error).toMatchObject({ code: 'vendor_outcome_unknown', outcome: 'unknown' });
    expect(error.message).toContain('300 ms');
    expect(fake.requests).toHaveLength(1);
  });

  it('retries an idempotent GET after a reset or a timeout', async () => {
    fake.fault({ kind: 'reset' });
    fake.fault(hold());
    const res = await http.send(get(), { vendor: 'yandex' });
    expect(res.status).toBe(200);
    expect(fake.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('reports a GET that keeps timing out as vendor_timeout', async () => {
    fake.fault(hold());
    const once = fastHttp({ timeout: 300, retries: 0 });
    const error = await rejection(once.http.send(get(), { vendor: 'yandex' }));
    await once.http.close();
    expect(error).toMatchObject({ code: 'vendor_timeout', outcome: 'failed' });
  });
});

describe('an injected dispatcher', () => {
  it('is used instead of a new agent, with the same retry policy', async () => {
    const mock = new MockAgent();
    mock.disableNetConnect();
    const pool = mock.get('https://vendor.test');
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    pool.intercept({ path: '/x', method: 'POST' }).replyWithError(refused);
    pool
      .intercept({ path: '/x', method: 'POST' })
      .reply(200, { done: true }, { headers: { 'content-type': 'application/json' } });
    const waits: number[] = [];
    const client = createHttpClient(
      { connectTimeout: 100, timeout: 100, retries: 2, maxRetryAfter: 1000 },
      { dispatcher: mock, sleep: async (ms) => void waits.push(ms), random: () => 0 },
    );
    const res = await client.send(
      { method: 'POST', url: 'https://vendor.test/x', headers: {}, body: '{}', idempotent: false },
      { vendor: 'f5xc' },
    );
    expect(res).toMatchObject({ status: 200, attempts: 2 });
    expect(waits).toEqual([250]);
    await client.close();
    await mock.close();
  });
});
