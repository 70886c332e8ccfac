import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Route } from '../core/platform.ts';
import { closeIfUnread } from './body.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/** Why the store check of /readyz failed: a stable code, what is wrong and what to do (never the file's path). */
export interface StoreProblem {
  code: string;
  message: string;
  hint?: string;
}

/** What /readyz answers: one boolean per check, and why the store is not ready when it is not. */
export interface Readiness {
  ok: boolean;
  checks: Record<string, boolean>;
  storeError?: StoreProblem;
}

export interface HttpServerOptions {
  routes: readonly Route[];
  metrics: Metrics;
  logger: Logger;
  /** Readiness: the store answers and every platform is connected. */
  ready: () => Promise<Readiness>;
}

export interface HttpServer {
  server: Server;
  /** Listens; resolves with the URL it serves (`http://127.0.0.1:3000`). */
  listen(host: string, port: number): Promise<string>;
  /** Stops accepting connections and closes idle keep-alive ones. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * Answers a request whose body may not have been read: with `Connection: close` while it is
 * unread, so the connection ends with the answer (see the 'finish' guard in createHttpServer).
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, body: string): void {
  closeIfUnread(req, res);
  send(res, status, 'text/plain; charset=utf-8', body);
}

function findRoute(routes: readonly Route[], method: string, path: string): Route | 'method' | undefined {
  const onPath = routes.filter((r) => (r.prefix ? path.startsWith(r.path) : r.path === path));
  if (onPath.length === 0) return undefined;
  // The longest matching path wins, so `/` as a prefix does not shadow `/slack/events`.
  const best = onPath
    .filter((r) => r.method === method || (method === 'HEAD' && r.method === 'GET'))
    .sort((a, b) => b.path.length - a.path.length)[0];
  return best ?? 'method';
}

/** The one HTTP server: platform routes, `/healthz`, `/readyz`, `/metrics`. */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { logger, metrics } = options;
  const builtIn: Route[] = [
    {
      method: 'GET',
      path: '/healthz',
      handler: (_req, res) => send(res, 200, 'application/json', '{"status":"ok"}'),
    },
    {
      method: 'GET',
      path: '/readyz',
      handler: async (_req, res) => {
        const state = await options.ready();
        send(
          res,
          state.ok ? 200 : 503,
          'application/json',
          JSON.stringify({
            status: state.ok ? 'ready' : 'not ready',
            checks: state.checks,
            ...(state.storeError === undefined ? {} : { storeError: state.storeError }),
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      handler: async (_req, res) =>
        send(res, 200, metrics.registry.contentType, await metrics.registry.metrics()),
    },
  ];
  const routes = [...builtIn, ...options.routes];

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    // A response sent before the request's body ended (a 404, a refusal, a 413): Node would read
    // and discard the rest of the body to keep the connection alive, however long it is. The
    // connection is closed instead, so nothing more is read.
    res.once('finish', () => {
      if (!req.complete) req.socket.destroy();
    });
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = findRoute(routes, req.method ?? 'GET', path);
    if (route === undefined) return refuse(req, res, 404, 'not found\n');
    if (route === 'method') return refuse(req, res, 405, 'method not allowed\n');
    try {
      await route.handler(req, res);
    } catch (error) {
      logger.error({ err: error, path }, 'request handler failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.end();
    }
  });
  // A slow or stuck client must not hold the process open at shutdown.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;

  return {
    server,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
