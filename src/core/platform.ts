/**
 * The platform port: what a chat platform module creates and the runtime runs. A platform only
 * translates transport (events in, messages out) and renders the card model (src/core/cards/)
 * in its own wire format; every command goes through the ChatService (./chat.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ChatService, RequestUpdate } from './chat.ts';
import type { ChatConfigs, Config } from './config/types.ts';
import type { PlatformModule } from './ports.ts';

/** A handler on the shared HTTP server. The raw body has not been read: handlers that verify signatures read it themselves. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Route {
  method: 'GET' | 'POST';
  /** Exact path, or a prefix when `prefix` is true (`/` with prefix serves a whole page tree). */
  path: string;
  prefix?: boolean;
  handler: RouteHandler;
}

/**
 * A platform's name: its module's `name`, the `chat.<name>` key of its config, the `platform` of
 * the actors and origins it creates, and the prefix of its principals in the policy.
 */
export type PlatformName = string;

/** What creating a platform receives from the runtime. */
export interface PlatformDeps {
  config: Config;
  chat: ChatService;
  logger: Logger;
  /** True when the vendors are the built-in sandbox (cards say SANDBOX; the playground may pick identities). */
  sandbox: boolean;
}

/** Creates a platform (connects nothing: `start` does). */
export type PlatformFactory = (deps: PlatformDeps) => Promise<Platform>;

/**
 * A running chat platform: it only translates transport and payloads (event in, card out) and
 * hands every command to the ChatService.
 */
export interface Platform {
  readonly name: PlatformName;
  /** Routes it serves on the one HTTP server (a webhook path, or the pages of a web chat). */
  readonly routes: readonly Route[];
  /** Connects (a socket, a websocket) or checks its webhook; resolves when events can arrive. */
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

/**
 * The platforms a config runs: every module whose `chat.<name>` section is present, or, when
 * none is, the fallback ones.
 */
export function configuredPlatforms(
  platforms: readonly PlatformModule[],
  chat: ChatConfigs,
): PlatformModule[] {
  const sections = chat as Readonly<Record<string, unknown>>;
  const configured = platforms.filter((p) => p.config !== undefined && sections[p.name] !== undefined);
  return configured.length > 0 ? configured : platforms.filter((p) => p.fallback === true);
}
