import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopbackHost } from './identities.ts';

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

/**
 * Refuses requests another site could make the browser send (CSRF) or that arrive under a
 * foreign host name (DNS rebinding: evil.example resolving to 127.0.0.1). The Host must be a
 * loopback name, and Origin, when sent, must be this same host. Browsers always send Origin
 * on a POST from script; a missing one means a non-browser client such as curl.
 */
export function checkSameOrigin(req: IncomingMessage): void {
  const host = req.headers.host ?? '';
  const hostname = host.replace(/:\d+$/, '');
  if (!isLoopbackHost(hostname)) {
    throw new ApiError(
      403,
      'bad_host',
      `the playground answers only as localhost or 127.0.0.1, not as "${host.slice(0, 100)}"`,
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    throw new ApiError(403, 'cross_origin', 'requests from other sites are refused');
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new ApiError(403, 'cross_origin', 'requests from other sites are refused');
  }
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
