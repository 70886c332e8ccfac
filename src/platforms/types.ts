import type { IncomingMessage, ServerResponse } from 'node:http';

/** A handler on the shared HTTP server. The raw body has not been read: handlers that verify signatures read it themselves. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Route {
  method: 'GET' | 'POST';
  /** Exact path, or a prefix when `prefix` is true (`/` with prefix serves a whole page tree). */
  path: string;
  prefix?: boolean;
  handler: RouteHandler;
}

export type PlatformName = 'slack' | 'webex' | 'local';

/**
 * A chat platform: it only translates transport and payloads (event in, card out) and hands
 * every command to the ChatService. Slack, Webex and the local playground implement this.
 */
export interface Platform {
  readonly name: PlatformName;
  /** Routes it serves on the one HTTP server (`POST /slack/events`, `POST /webex/events`, `/`). */
  readonly routes: readonly Route[];
  /** Connects (Socket Mode, websocket) or checks its webhook; resolves when events can arrive. */
  start(): Promise<void>;
  /** Stops taking new events. In-flight work is awaited by the runtime, not here. */
  stop(): Promise<void>;
  /** True while it can take events (for /readyz). */
  ready(): boolean;
}
