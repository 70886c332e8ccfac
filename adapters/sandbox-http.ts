/**
 * A tiny base for local vendor fakes: a real node:http server on 127.0.0.1 that records every
 * request and can be told to misbehave. No dependencies and no test framework, so the local
 * playground's sandbox can serve the same fakes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningVendorSandbox, TargetConfigs } from '../src/core/ports.ts';

/** A request as the fake received it. Header names are lower case. */
export interface RecordedRequest {
  method: string;
  /** Path and query as sent (still percent-encoded). */
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** What a route answers: JSON (`json`), raw text (`text`) or nothing (204). */
export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
}

/**
 * Scripted misbehaviour, applied to the next matching request(s):
 * - `status`: answer this status (vendor-shaped error body unless `body` is given) without acting;
 * - `slow`: wait `ms`, then act and answer normally;
 * - `hold`: wait until the promise `until()` returns settles (tests: a gate they open), then act
 *   and answer normally;
 * - `reset`: destroy the socket without answering and without acting;
 * - `cut`: act, send the status line, headers and half the body, then destroy the socket;
 * - `malformed-json`: act, then answer 200 with a broken JSON body;
 * - `wrong-content-type`: act, then answer 200 with an HTML page;
 * - `rewrite`: act, then answer what `edit` makes of the normal answer (e.g. an answer about
 *   another domain than the one asked about).
 */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string; contentType?: string }
  | { kind: 'slow'; ms: number }
  | { kind: 'hold'; until: () => Promise<unknown> }
  | { kind: 'reset' }
  | { kind: 'cut' }
  | { kind: 'malformed-json' }
  | { kind: 'wrong-content-type' }
  | { kind: 'rewrite'; edit: (reply: FakeReply) => FakeReply };

export interface FaultMatch {
  /** Exact path (without query) or a pattern tested against it. Default: any request. */
  path?: string | RegExp;
  method?: string;
  /** How many matching requests it applies to (default 1). */
  times?: number;
}

export type Route = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Queues a fault; faults are consumed in the order they were added. */
  fault(fault: Fault, match?: FaultMatch): void;
  clearFaults(): void;
  /** Answers 429 to a share of requests from now on (undefined: stop). See RateLimit. */
  rateLimit(limit: RateLimit | undefined): void;
  close(): Promise<void>;
}

/**
 * Throttling for the playground: 429 with `Retry-After` to `share` (0–1] of requests, spread
 * evenly and deterministically (the first request after switching on is throttled; with a
 * share of 1/2 or less a retry after a 429 always gets through).
 */
export interface RateLimit {
  share: number;
  /** Retry-After in seconds, as sent (default "1"). */
  retryAfter?: string;
}

interface QueuedFault {
  fault: Fault;
  match: FaultMatch;
  left: number;
}

export interface FakeOptions {
  route: Route;
  /** The vendor's error body for a `status` fault. */
  errorBody(status: number, message: string): { contentType: string; body: string };
  /** Headers added to every answer (e.g. a request id). */
  headers?: () => Record<string, string>;
  port?: number;
}

function readRequest(req: IncomingMessage): Promise<RecordedRequest> {
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

function matches(match: FaultMatch, request: RecordedRequest): boolean {
  const path = request.path.split('?')[0] ?? '';
  if (match.method !== undefined && match.method !== request.method) return false;
  if (match.path === undefined) return true;
  return typeof match.path === 'string' ? match.path === path : match.path.test(path);
}

function write(res: ServerResponse, reply: FakeReply, extra: Record<string, string>): void {
  const headers: Record<string, string> = { ...extra, ...reply.headers };
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
}

/** Starts a fake on 127.0.0.1 (port 0 = any free port). */
export async function startFake(options: FakeOptions): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const faults: QueuedFault[] = [];

  const takeFault = (request: RecordedRequest): Fault | undefined => {
    const index = faults.findIndex((f) => matches(f.match, request));
    if (index === -1) return undefined;
    const queued = faults[index]!;
    queued.left -= 1;
    if (queued.left <= 0) faults.splice(index, 1);
    return queued.fault;
  };

  let limit: RateLimit | undefined;
  let credit = 0;
  const throttled = (): Fault | undefined => {
    if (limit === undefined) return undefined;
    credit += limit.share;
    if (credit < 1) return undefined;
    credit -= 1;
    return { kind: 'status', status: 429, retryAfter: limit.retryAfter ?? '1' };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const request = await readRequest(req);
    requests.push(request);
    const extra = options.headers?.() ?? {};
    const fault = takeFault(request) ?? throttled();
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      const shaped = options.errorBody(fault.status, `scripted fault ${fault.status}`);
      res.writeHead(fault.status, {
        ...extra,
        'content-type': fault.contentType ?? shaped.contentType,
        ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }),
      });
      res.end(fault.body ?? shaped.body);
      return;
    }
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'hold') await fault.until().catch(() => undefined);
    const reply = await options.route(request);
    if (fault?.kind === 'cut') {
      const body = JSON.stringify(reply.json ?? { ok: true });
      res.writeHead(200, {
        ...extra,
        'content-type': 'application/json',
        'content-length': String(body.length),
      });
      res.write(body.slice(0, Math.floor(body.length / 2)));
      setTimeout(() => req.socket.destroy(), 10);
      return;
    }
    if (fault?.kind === 'malformed-json') {
      res.writeHead(200, { ...extra, 'content-type': 'application/json' });
      res.end('{"verifiedDomains": [');
      return;
    }
    if (fault?.kind === 'wrong-content-type') {
      res.writeHead(200, { ...extra, 'content-type': 'text/html' });
      res.end('<html><body>Sign in</body></html>');
      return;
    }
    write(res, fault?.kind === 'rewrite' ? fault.edit(reply) : reply, extra);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake error: ${String(error)}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fault(fault, match = {}) {
      faults.push({ fault, match, left: match.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    rateLimit(next) {
      if (next !== undefined && !(next.share > 0 && next.share <= 1)) {
        throw new RangeError(`rate limit share must be in (0, 1], got ${next.share}`);
      }
      limit = next;
      // Start with full credit minus one share, so the very next request is throttled.
      credit = next === undefined ? 0 : 1 - next.share;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads a JSON request body; undefined when it is not JSON. */
export function jsonBody(request: RecordedRequest): unknown {
  try {
    return JSON.parse(request.body) as unknown;
  } catch {
    return undefined;
  }
}

/** The bearer-style credential of a request (`Bearer x` → `x` for scheme `Bearer`). */
export function credential(request: RecordedRequest, scheme: string): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined || !header.startsWith(`${scheme} `)) return undefined;
  return header.slice(scheme.length + 1);
}

/**
 * What every fake built on this file offers besides its own state: its URL, the requests it
 * received, scripted faults and throttling. The vendor contract tests drive fakes through it.
 */
export type ScriptableFake = Pick<
  FakeServer,
  'url' | 'requests' | 'fault' | 'clearFaults' | 'rateLimit' | 'close'
>;

/** Whether a sandbox's `fake` is built on this file (records requests, takes scripted faults). */
export function isScriptableFake(value: unknown): value is ScriptableFake {
  if (typeof value !== 'object' || value === null) return false;
  const fake = value as Record<string, unknown>;
  return (
    typeof fake.url === 'string' &&
    Array.isArray(fake.requests) &&
    ['fault', 'clearFaults', 'rateLimit', 'close'].every((name) => typeof fake[name] === 'function')
  );
}

/**
 * A vendor module's running sandbox around one of these fakes: the target fields and issued
 * credentials its module worked out, throttling and closing delegated to the fake.
 */
export function runningSandbox<F extends ScriptableFake>(
  fake: F,
  parts: { targets: TargetConfigs; env: Readonly<Record<string, string>> },
): RunningVendorSandbox & { readonly fake: F } {
  return {
    url: fake.url,
    targets: parts.targets,
    env: parts.env,
    rateLimit: (limit) => fake.rateLimit(limit),
    fake,
    close: () => fake.close(),
  };
}

/** The same fields for every target given, by name (targets of one vendor all share one fake). */
export function forEachTarget(
  targets: TargetConfigs,
  fields: (target: Readonly<Record<string, unknown>>) => Record<string, unknown>,
): TargetConfigs {
  return Object.fromEntries(Object.entries(targets).map(([name, target]) => [name, fields(target)]));
}
