/**
 * `POST /webex/events` on the shared server, without the framework: the body limit (answered 413
 * before the signature is looked at, and not read further) and what a verified body must be.
 * Real connections on 127.0.0.1.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBEX_MAX_BODY, webhookRoute } from '../../../src/platforms/webex/webhook-route.ts';
import { createHttpServer, type HttpServer } from '../../../src/server/http-server.ts';
import { createMetrics } from '../../../src/server/metrics.ts';
import { sparkSignature } from '../../fakes/webex-api.ts';
import { capturedLogger } from '../../server/helpers.ts';
import { post, serverSockets } from '../../server/raw-client.ts';

const SECRET = 'whsec-3a7c0f0e9b5d4e2f8a1c6b0d';
/** What the server may read past the limit before it stops: socket reads already under way. */
const SLACK = 256 * 1024;

let server: HttpServer;
let url: string;
let sockets: Map<number, Socket>;
let logLines: string[];
const delivered: unknown[] = [];

beforeAll(async () => {
  const captured = capturedLogger();
  logLines = captured.lines;
  server = createHttpServer({
    routes: [
      webhookRoute({
        secret: SECRET,
        accepting: () => true,
        deliver: (body) => delivered.push(body),
        logger: captured.logger,
      }),
    ],
    metrics: createMetrics(async () => 0),
    logger: captured.logger,
    ready: async () => ({ ok: true, checks: {} }),
  });
  url = await server.listen('127.0.0.1', 0);
  sockets = serverSockets(server.server);
});

afterAll(async () => {
  await server?.close();
});

async function deliver(raw: string, signature: string | null = sparkSignature(raw, SECRET)) {
  const res = await fetch(`${url}/webex/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { 'x-spark-signature': signature }),
    },
    body: raw,
  });
  return { status: res.status, text: await res.text() };
}

describe('Webex webhook body limit', () => {
  it('answers a never-ending chunked body 413 before any signature check, and stops reading', async () => {
    const before = logLines.length;
    const seen = await post(url, '/webex/events', { 'x-spark-signature': 'f'.repeat(40) }, 'endless');
    expect(seen.status).toBe(413);
    expect(seen.headers.connection).toBe('close');
    expect(seen.body).toContain(`request body too large: send at most ${WEBEX_MAX_BODY} bytes`);
    const consumed = sockets.get(seen.port)!.bytesRead;
    expect(consumed).toBeGreaterThan(WEBEX_MAX_BODY);
    expect(consumed).toBeLessThan(WEBEX_MAX_BODY + SLACK);
    // Not a signature failure: the body was never verified.
    expect(logLines.slice(before).join('\n')).not.toContain('X-Spark-Signature');
    expect(delivered).toHaveLength(0);
  });

  it('answers a Content-Length over 256 KB 413 at once, without reading the body', async () => {
    const seen = await post(url, '/webex/events', { 'content-length': String(WEBEX_MAX_BODY + 1) }, 'none');
    expect(seen.status).toBe(413);
    expect(seen.headers.connection).toBe('close');
    expect(seen.ended).toBe('close');
    expect(delivered).toHaveLength(0);
  });

  it('takes a signed body of exactly 256 KB', async () => {
    const pad = 'x'.repeat(WEBEX_MAX_BODY - '{"id":"w1","pad":""}'.length);
    const raw = `{"id":"w1","pad":"${pad}"}`;
    expect(Buffer.byteLength(raw)).toBe(WEBEX_MAX_BODY);
    expect((await deliver(raw)).status).toBe(200);
    expect(delivered.pop()).toMatchObject({ id: 'w1' });
  });
});

describe('Webex webhook bodies', () => {
  it('delivers a verified JSON object', async () => {
    const raw = JSON.stringify({ id: 'w2', resource: 'messages', event: 'created', data: { id: 'm1' } });
    expect(await deliver(raw)).toEqual({ status: 200, text: 'OK\n' });
    expect(delivered.pop()).toMatchObject({ id: 'w2' });
  });

  it.each(['null', '42', '"text"', '[]', '[{"id":"w3"}]', 'true'])(
    'answers a verified body of %s 400, and delivers nothing',
    async (raw) => {
      expect(await deliver(raw)).toEqual({ status: 400, text: 'body is not a JSON object\n' });
      expect(delivered).toHaveLength(0);
    },
  );

  it('answers a verified body that is not JSON 400', async () => {
    expect(await deliver('{"id":')).toEqual({ status: 400, text: 'body is not JSON\n' });
  });

  it('answers an unverified non-object 401 (the signature comes first)', async () => {
    expect((await deliver('null', sparkSignature('null', 'not-the-secret'))).status).toBe(401);
    expect((await deliver('null', null)).status).toBe(401);
    expect(delivered).toHaveLength(0);
  });
});
