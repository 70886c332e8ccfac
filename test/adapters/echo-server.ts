import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the server received it (header names lower case). */
export interface EchoRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** What to answer: a status, headers, and a JSON value (`json`) or raw text (`text`). */
export interface EchoReply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
}

export type EchoRoute = (request: EchoRequest) => EchoReply;

/**
 * A local vendor stand-in on 127.0.0.1 whose answers a test scripts request by request: the
 * route sees what was sent (the Authorization header, the token request body) and may echo it.
 */
export interface EchoServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  requests: EchoRequest[];
  /** The current route; tests replace it. */
  route: EchoRoute;
  close(): Promise<void>;
}

function read(req: IncomingMessage): Promise<EchoRequest> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      resolve({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
    });
  });
}

export async function startEchoServer(): Promise<EchoServer> {
  const echo: EchoServer = {
    url: '',
    requests: [],
    route: () => ({ status: 500, text: 'no route scripted' }),
    close: async () => {},
  };
  const server = createServer((req, res) => {
    read(req).then(
      (request) => {
        echo.requests.push(request);
        const reply = echo.route(request);
        const headers: Record<string, string> = { ...reply.headers };
        let body = '';
        if (reply.json !== undefined) {
          body = JSON.stringify(reply.json);
          headers['content-type'] ??= 'application/json';
        } else if (reply.text !== undefined) {
          body = reply.text;
          headers['content-type'] ??= 'text/plain';
        }
        res.writeHead(reply.status, headers);
        res.end(body);
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  echo.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  echo.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return echo;
}

/** The credential after `scheme ` in the request's Authorization header. */
export function sentCredential(request: EchoRequest, scheme: string): string {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith(`${scheme} `)) throw new Error(`no ${scheme} credential was sent`);
  return header.slice(scheme.length + 1);
}

/** A string as JSON `\u` escapes only: readable only once parsed. */
export function unicodeEscaped(text: string): string {
  return [...text].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
}
