import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestUpdate } from './chat.ts';

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
  /**
   * A request changed state elsewhere: approved, denied or cancelled on another platform (or by
   * a typed command the platform did not answer itself), or expired in the sweep. If this
   * platform posted the request's card (`update.result.reply.record?.conversation` is its own),
   * it shows the change there; otherwise it does nothing. Never called for a change made on this
   * platform: its own answer shows that. A rejection is logged by the caller.
   */
  notify?(update: RequestUpdate): Promise<void>;
  /**
   * A request typed on this platform changed, and no card of it was posted anywhere (the
   * command needed no approval and the process stopped before answering, then recovery at start
   * settled it): posts the new state where the command was typed. `origin` is what this platform
   * passed as `MessageInput.origin`. Called instead of `notify` on that platform.
   */
  postToOrigin?(origin: unknown, update: RequestUpdate): Promise<void>;
}
