import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Route } from '../../core/platform.ts';
import { closeIfUnread } from '../../server/body.ts';

/**
 * Largest API request body accepted: room for a command of the longest accepted length
 * (MAX_INPUT_BYTES, 4096) even when JSON escapes every character, so the command parser, not
 * this limit, tells someone that a command is too long.
 */
export const MAX_BODY_BYTES = 32 * 1024;

/**
 * Served with every playground answer. The page loads only its own files: no inline script
 * or style, no framing, no other origins; `connect-src 'self'` keeps fetches on this server.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** An API failure with its HTTP status and a message for the person at the page. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Sends a JSON answer with the security headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** Sends an ApiError as `{ error: { code, message } }`. */
export function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, { error: { code: error.code, message: error.message } });
}

/** A host as written in a `Host` header: an IPv6 address in brackets. */
function hostForm(host: string): string {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return isIP(bare) === 6 ? `[${bare}]` : bare;
}

/**
 * The `Host` values that name this server for one connection: the address it listens on, at the
 * port the connection arrived on. That is `127.0.0.1`, `localhost`, `[::1]`, the configured
 * `server.host`, and the address the connection arrived at (an IP address, which no other site's
 * name can stand for); without the port only on port 80, as browsers leave it out there.
 */
export function ownHosts(req: IncomingMessage, listenHost: string): Set<string> {
  const port = req.socket.localPort;
  const local = (req.socket.localAddress ?? '').replace(/^::ffff:(?=\d+\.)/i, '');
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', hostForm(listenHost)]);
  if (local !== '') names.add(hostForm(local));
  const out = new Set<string>();
  for (const name of names) {
    out.add(`${name}:${port}`);
    if (port === 80) out.add(name);
  }
  return out;
}

/**
 * Refuses a request under a foreign host name (DNS rebinding: evil.example resolving to
 * 127.0.0.1) or sent from another site (CSRF): the Host must be the address the playground
 * listens on (ownHosts), and Origin, when sent, this same host. Browsers always send Origin on a
 * POST from script; a missing one means a navigation, a plain resource load or a non-browser
 * client such as curl.
 */
export function checkOwnOrigin(req: IncomingMessage, listenHost: string): void {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!ownHosts(req, listenHost).has(host)) {
    const shown = (req.headers.host ?? '').slice(0, 100).replace(/[^\x20-\x7e]/g, '?');
    throw new ApiError(
      403,
      'bad_host',
      `the playground answers only at the address it listens on (such as 127.0.0.1:${req.socket.localPort}), not as "${shown}"`,
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) {
    throw new ApiError(403, 'cross_origin', 'requests from other sites are refused');
  }
}

/**
 * The API's further check: a fetch the browser says another site started (`Sec-Fetch-Site`) is
 * refused. Pages and assets do not check it: following a link to the playground from another
 * site is a cross-site navigation, and the page itself is harmless to load.
 */
export function checkFetchSite(req: IncomingMessage): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new ApiError(403, 'cross_origin', 'requests from other sites are refused');
  }
}

/**
 * Every playground route behind one check (checkOwnOrigin) before its handler: a refused request
 * gets 403 with a short text (the API: its JSON error), and its body is not read.
 */
export function ownOriginOnly(route: Route, listenHost: string): Route {
  const api = route.path.startsWith('/api/');
  return {
    ...route,
    handler: (req, res) => {
      try {
        checkOwnOrigin(req, listenHost);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        closeIfUnread(req, res);
        if (api) {
          sendError(res, error);
        } else {
          res.writeHead(error.status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
          res.end(`${error.message}\n`);
        }
        return;
      }
      return route.handler(req, res);
    },
  };
}

/** Reads a JSON object body of at most MAX_BODY_BYTES sent as `application/json`. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    throw new ApiError(415, 'unsupported_media_type', 'send the request as content-type: application/json');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    throw new ApiError(400, 'too_large', `the request body is over ${MAX_BODY_BYTES} bytes`);
  }
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      // Answer at once; whatever else arrives is discarded, not buffered.
      req.off('data', onData);
      req.resume();
      reject(new ApiError(400, 'too_large', `the request body is over ${MAX_BODY_BYTES} bytes`));
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => resolve(Buffer.concat(chunks)));
  });
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError(400, 'bad_json', 'the request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(400, 'bad_json', 'the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
