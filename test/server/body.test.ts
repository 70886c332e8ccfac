/**
 * The shared body reader and the shared server's handling of bodies it does not read, over real
 * connections on 127.0.0.1: a body over the limit is answered 413 and not read further.
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBody } from '../../src/server/body.ts';
import { createHttpServer, type HttpServer } from '../../src/server/http-server.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { capturedLogger } from './helpers.ts';
import { post, serverSockets } from './raw-client.ts';

const LIMIT = 64 * 1024;
/** What the server may read past the limit before it stops: the socket reads of 64 KiB in flight. */
const SLACK = 256 * 1024;

let server: HttpServer;
let url: string;
let sockets: Map<number, Socket>;
let logLines: string[];
/** What the reader resolved with, per request, in order. */
const results: (string | undefined)[] = [];
let handled: (() => void) | undefined;
/** Resolves when the next request has been handled. */
const nextHandled = (): Promise<void> =>
  new Promise((resolve) => {
    handled = resolve;
  });

beforeAll(async () => {
  const captured = capturedLogger();
  logLines = captured.lines;
  server = createHttpServer({
    routes: [
      {
        method: 'POST',
        path: '/echo',
        handler: async (req, res) => {
          const body = await readBody(req, res, LIMIT);
          results.push(body === undefined ? undefined : `${body.length}`);
          handled?.();
          if (body === undefined) return;
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`${body.length} ${createHash('sha256').update(body).digest('hex')}`);
        },
      },
      {
        // A handler that refuses before reading, and says nothing about the connection.
        method: 'POST',
        path: '/refuse',
        handler: (_req, res) => {
          res.writeHead(403, { 'content-type': 'text/plain' });
          res.end('refused\n');
        },
      },
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

/** POSTs `body` with node:http; resolves with status, connection header and text. */
function send(path: string, body: Buffer): Promise<{ status: number; connection?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', headers: { 'content-length': body.length } });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text,
          ...(res.headers.connection === undefined ? {} : { connection: res.headers.connection }),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('readBody', () => {
  it('reads a body of exactly the limit', async () => {
    const body = Buffer.alloc(LIMIT, 'x');
    const res = await send('/echo', body);
    expect(res.status).toBe(200);
    expect(res.text).toBe(`${LIMIT} ${createHash('sha256').update(body).digest('hex')}`);
    expect(res.connection).not.toBe('close');
  });

  it('answers a chunked body that never ends 413 and closes the connection, reading little past the limit', async () => {
    const before = results.length;
    const seen = await post(url, '/echo', {}, 'endless');
    expect(seen.status).toBe(413);
    expect(seen.headers.connection).toBe('close');
    expect(seen.body).toContain(`request body too large: send at most ${LIMIT} bytes`);
    // The server ended the connection (the client's upload ends with the close or a reset).
    expect(['close', 'ECONNRESET', 'EPIPE']).toContain(seen.ended);
    const consumed = sockets.get(seen.port)!.bytesRead;
    expect(consumed).toBeGreaterThan(LIMIT);
    expect(consumed).toBeLessThan(LIMIT + SLACK);
    expect(results.slice(before)).toEqual([undefined]);
  });

  it('answers a Content-Length over the limit 413 at once, reading no body', async () => {
    // No body byte is ever sent: a server that waited for the body would never answer.
    const headers = { 'content-length': String(LIMIT + 1) };
    const seen = await post(url, '/echo', headers, 'none');
    expect(seen.status).toBe(413);
    expect(seen.headers.connection).toBe('close');
    expect(seen.body).toContain('request body too large');
    expect(seen.ended).toBe('close');
    const head = `POST /echo HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${LIMIT + 1}\r\n\r\n`;
    expect(sockets.get(seen.port)!.bytesRead).toBe(Buffer.byteLength(head));
  });

  it('answers a body one byte over the limit 413, readable by node:http', async () => {
    const res = await send('/echo', Buffer.alloc(LIMIT + 1, 'x'));
    expect(res.status).toBe(413);
    expect(res.connection).toBe('close');
    expect(res.text).toBe(`request body too large: send at most ${LIMIT} bytes\n`);
  });

  it('gives up quietly when the client goes away in the middle of the body', async () => {
    const before = results.length;
    const done = nextHandled();
    const req = request(`${url}/echo`, { method: 'POST', headers: { 'content-length': 1000 } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(10, 'x'), () => req.destroy());
    await done;
    expect(results.slice(before)).toEqual([undefined]);
    expect(logLines.join('\n')).not.toContain('request handler failed');
  });
});

describe('the shared server and bodies nobody reads', () => {
  it('answers 404 to a never-ending body on an unknown path and closes the connection', async () => {
    const seen = await post(url, '/nowhere', {}, 'endless');
    expect(seen.status).toBe(404);
    expect(seen.headers.connection).toBe('close');
    expect(sockets.get(seen.port)!.bytesRead).toBeLessThan(SLACK);
  });

  it('answers 405 to a never-ending body on a GET-only path and closes the connection', async () => {
    const seen = await post(url, '/healthz', {}, 'endless');
    expect(seen.status).toBe(405);
    expect(sockets.get(seen.port)!.bytesRead).toBeLessThan(SLACK);
  });

  it('closes the connection after a handler answered without reading a never-ending body', async () => {
    const seen = await post(url, '/refuse', {}, 'endless');
    expect(seen.status).toBe(403);
    expect(seen.body).toContain('refused');
    expect(sockets.get(seen.port)!.bytesRead).toBeLessThan(SLACK);
  });

  it('keeps a connection alive after a request whose body was read', async () => {
    const res = await send('/echo', Buffer.from('{}'));
    expect(res.status).toBe(200);
    expect(res.connection).not.toBe('close');
  });
});
