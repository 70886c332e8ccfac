/**
 * The platform port: what a chat platform module creates and the runtime runs. A platform only
 * translates transport (events in, messages out) and renders the card model (src/core/cards/)
 * in its own wire format; every command goes through the ChatService (./chat.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ChatReply, ChatService, RequestUpdate } from './chat.ts';
import type { ChatConfigs, Config } from './config/types.ts';
import type { NotifyTarget } from './policy/notify.ts';
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
   * a typed command the platform did not answer itself), or expired in the sweep. It shows the
   * change on every card of the request it posted: the one where the request was typed
   * (`record.conversation`, when it is its own; the requester is told there, in its thread) and
   * each of its copies (`record.copies` of its own); otherwise it does nothing. With
   * `update.only`, just those copies (posted a moment ago, they show an older state), with no
   * note. Never called for a change made on this platform: its own answer shows that on every
   * card of its own. A rejection is logged by the caller.
   */
  notify?(update: RequestUpdate): Promise<void>;
  /**
   * Posts a request's card (its approval card, or the outcome of a request that needed no
   * approval) to a rule's notify destinations on this platform: a place or person named by
   * `<name>:<id>`, or a person by email (a direct message, if this platform knows the address).
   * A destination that is where the request was typed (`origin`, `conversation`), or that another
   * of the list already reached, gets no second card. Returns what became of each destination,
   * never rejects for one that failed: a failure is reported, not thrown.
   */
  deliver?(delivery: Delivery): Promise<Delivered[]>;
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

/** A rule's notify destination handed to a platform: `<name>:<id>` of its own, or an email. */
export type Destination = NotifyTarget;

/** Where a copy of a request's card was posted: platform JSON (stored as is) with `platform` set. */
export interface CardCopy {
  readonly platform: PlatformName;
}

/** What `Platform.deliver` is asked to post. */
export interface Delivery {
  /** The card to post: the request as it is now. */
  result: ChatReply;
  destinations: readonly Destination[];
  /** Where the request was typed (`MessageInput.origin`), if anywhere: no second card there. */
  origin?: unknown;
  /** Where its card was posted when it was typed (`record.conversation`), if it is known yet. */
  conversation?: unknown;
}

/** What became of one destination of a delivery. */
export type Delivered =
  | { destination: Destination; posted: CardCopy }
  /** Not posted: it is where the request was typed, or another destination reached the same place. */
  | { destination: Destination; skipped: 'here' | 'duplicate' }
  /** An email this platform knows nobody by. */
  | { destination: Destination; missing: true }
  /** The platform refused or could not be reached: its own error code, and what to do. */
  | { destination: Destination; failed: { code: string; hint?: string } };

/** A problem or a fine destination, as `check-config` prints it. */
export interface DestinationReport {
  /** Lines to print, one per destination (and a line for a platform that could not be asked). */
  lines: string[];
  /** How many destinations the platform says cannot be posted to (not found, the bot not in it). */
  problems: number;
}

/** What a platform module says about notify destinations: their syntax and, for check-config, whether they exist. */
export interface PlatformRouting {
  /** What is wrong with `<name>:<id>` as a destination, or undefined when it is one. */
  destination(id: string): string | undefined;
  /**
   * Asks the platform's API whether each destination (`id`: the part after `<name>:`) can be
   * posted to, with the `chat.<name>` config. A platform that cannot be asked (no answer, a token
   * refused) is a line saying so, not a problem; never rejects.
   */
  check?(config: unknown, ids: readonly string[]): Promise<DestinationReport>;
}
