import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SlackWebClient } from '../../../src/platforms/slack/web-api.ts';

interface Seen {
  path: string;
  contentType: string;
  authorization: string | undefined;
  body: string;
}

/** A local Slack Web API that answers from a script (one answer per request, then `{ ok: true }`). */
let server: Server;
let apiUrl: string;
const seen: Seen[] = [];
let script: { status?: number; headers?: Record<string, string>; body?: unknown }[] = [];

const read = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => resolve(body));
  });

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await read(req);
    seen.push({
      path: req.url ?? '',
      contentType: req.headers['content-type'] ?? '',
      authorization: req.headers.authorization,
      body,
    });
    const next = script.shift() ?? {};
    res.writeHead(next.status ?? 200, { 'content-type': 'application/json', ...next.headers });
    res.end(JSON.stringify(next.body ?? { ok: true, channel: 'C1', ts: '1.000001' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  script = [];
});

const client = (options: ConstructorParameters<typeof SlackWebClient>[1] = {}) =>
  new SlackWebClient('xoxb-test-token', {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 2, factor: 2, minTimeout: 0, maxTimeout: 0 },
    ...options,
  });

describe('the Slack Web API client', () => {
  it('posts answers as one JSON body with the token in Authorization', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'a & b' } }];
    const result = await client().chat.postMessage({
      channel: 'C1',
      text: 'hi',
      blocks,
      team_id: undefined,
    } as never);
    expect(result).toMatchObject({ ok: true, channel: 'C1', ts: '1.000001' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).toBe('/api/chat.postMessage');
    expect(seen[0]!.contentType).toBe('application/json; charset=utf-8');
    expect(seen[0]!.authorization).toBe('Bearer xoxb-test-token');
    expect(JSON.parse(seen[0]!.body)).toEqual({ channel: 'C1', text: 'hi', blocks });
  });

  it('asks users.info with a form (it takes no JSON)', async () => {
    script = [{ body: { ok: true, user: { id: 'U1', profile: { email: 'a@corp.com' } } } }];
    const result = await client().users.info({ user: 'U1' });
    expect(result.user?.profile?.email).toBe('a@corp.com');
    expect(seen[0]!.contentType).toBe('application/x-www-form-urlencoded');
    expect(seen[0]!.body).toBe('user=U1');
  });

  it("throws Slack's error as the WebClient does (data.error), without retrying it", async () => {
    script = [{ body: { ok: false, error: 'not_in_channel' } }];
    const error = await client()
      .chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'slack_webapi_platform_error',
      data: { ok: false, error: 'not_in_channel' },
    });
    expect(seen).toHaveLength(1);
  });

  it('retries a failed HTTP answer with the configured backoff, then gives up with the HTTP error', async () => {
    script = [{ status: 500, body: {} }];
    await expect(client().chat.update({ channel: 'C1', ts: '1.1', text: 'x' })).resolves.toMatchObject({
      ok: true,
    });
    expect(seen).toHaveLength(2);
    seen.length = 0;
    script = [1, 2, 3].map(() => ({ status: 503, body: {} }));
    const error = await client()
      .chat.update({ channel: 'C1', ts: '1.1', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'slack_webapi_http_error', statusCode: 503 });
    expect(seen).toHaveLength(3);
  });

  it('waits out a 429 for its Retry-After and tries again, or rejects it when told to', async () => {
    script = [{ status: 429, headers: { 'retry-after': '0' }, body: { ok: false, error: 'ratelimited' } }];
    await expect(client().chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({
      ok: true,
    });
    expect(seen).toHaveLength(2);
    script = [{ status: 429, headers: { 'retry-after': '7' }, body: { ok: false, error: 'ratelimited' } }];
    const error = await client({ rejectRateLimitedCalls: true })
      .chat.postMessage({ channel: 'C1', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 7 });
  });

  it('sends every other method through the WebClient, on undici', async () => {
    script = [{ body: { ok: true, user_id: 'U0BOT', team: 'T' } }];
    const result = await client().auth.test();
    expect(result).toMatchObject({ ok: true, user_id: 'U0BOT' });
    expect(seen[0]!.path).toBe('/api/auth.test');
    expect(seen[0]!.authorization).toBe('Bearer xoxb-test-token');
  });
});
