/**
 * The chat service: what every platform calls. Commands and button clicks go in, replies come
 * out with their card as a model (./cards/model.ts); each platform renders the card in its own
 * wire format, and only the formats it sends.
 */
import type { Logger } from 'pino';
import { cardForReply } from './cards/build.ts';
import type { Card } from './cards/model.ts';
import type { App, HandleOptions } from './pipeline.ts';
import type { Platform, PlatformName } from './platform.ts';
import { type Actor, describeActor } from './policy/actor.ts';
import { isRedelivery, type Reply, recordOf } from './reply.ts';
import { noticeKey, type RequestRecord } from './requests/model.ts';
import type { Change } from './requests/replicas.ts';

/**
 * A reply and its card. A platform renders the card with `render(renderer)`: each renderer runs
 * at most once per reply, so a reply shown in several places on one platform (its answer and a
 * note, a card update and its thread) is rendered once, and a format no platform sends is never
 * rendered.
 */
export interface ChatReply {
  readonly reply: Reply;
  /** The reply's card, the same on every platform. */
  readonly card: Card;
  /** The card in one platform's format; `renderer` should be a module-level function (it is the memo key). */
  render<T>(renderer: (card: Card) => T): T;
}

/** A ChatReply for a reply and its card, with its own memo of renderings. */
export function chatReply(reply: Reply, card: Card): ChatReply {
  const rendered = new Map<(card: Card) => unknown, unknown>();
  return {
    reply,
    card,
    render<T>(renderer: (card: Card) => T): T {
      if (!rendered.has(renderer)) rendered.set(renderer, renderer(card));
      return rendered.get(renderer) as T;
    },
  };
}

/** What the chat service counts: one command by action and outcome (the JSON status, or `error`). */
export interface ChatMetrics {
  command(action: string, outcome: string): void;
}

/**
 * A request changed state somewhere other than in a platform's own answer: a decision made on
 * another platform, or the expiry sweep. What `Platform.notify` receives.
 */
export interface RequestUpdate {
  /** The request as it is now, rendered; `recordOf(result.reply).conversation` says where its card was posted. */
  result: ChatReply;
  /** Who changed it (approve, deny, cancel); undefined when domainops did (expiry, recovery at start). */
  by?: Actor;
}

export interface MessageInput {
  /** The command text, with the bot mention or slash command already removed by the platform. */
  text: string;
  actor: Actor;
  /** The platform's id of this delivery (an event id, a message id), so a redelivery is answered once. */
  deliveryKey?: string;
  /**
   * Where the command was typed, in the platform's own terms (JSON with `platform` set to its
   * name, e.g. `{ platform: 'chat', channel, thread }`). Stored with a vendor request: when it
   * changes and no card of it was posted anywhere (an outcome settled by recovery at start), the
   * platform's `postToOrigin` posts the new state there.
   */
  origin?: { platform: PlatformName } & Record<string, unknown>;
}

export interface DecisionInput {
  decision: 'approve' | 'deny';
  requestId: string;
  actor: Actor;
  reason?: string;
  /** The platform's id of this click, so a redelivered click is answered once. */
  deliveryKey?: string;
}

/**
 * What every platform calls: commands and button clicks in, replies with cards out. It also
 * suppresses duplicate deliveries: in one process by remembering delivery keys, and across
 * processes and restarts through the store (a command whose delivery key is already stored is a
 * redelivery: its request is not run again, and nothing is posted, since the first delivery was
 * answered). It counts in-flight work for graceful shutdown and feeds the command metric.
 */
export interface ChatService {
  readonly app: App;
  /**
   * Undefined when the delivery was already handled: a platform retry or duplicate in this
   * process, or a redelivery of a command already stored (by this process before a restart, or
   * by another process): the platform posts nothing.
   */
  message(input: MessageInput): Promise<ChatReply | undefined>;
  /** Undefined when the delivery was already handled. */
  decide(input: DecisionInput): Promise<ChatReply | undefined>;
  /** The card of a reply made elsewhere (e.g. a stored request's card after it changed). */
  render(reply: Reply): ChatReply;
  /**
   * Counts `work` as in flight until it settles, so shutdown waits for it too: platforms wrap the
   * whole handling of an event (identity lookup, command, posting the answer) in it.
   */
  track<T>(work: () => Promise<T>): Promise<T>;
  /** Resolves true when no command is in flight, false when `ms` passed first. */
  drain(ms: number): Promise<boolean>;
  /**
   * The platforms to tell when a request changes state (`Platform.notify`). After a `message` or
   * `decide` that changed a request, every attached platform but the one the change came from is
   * told (that one shows the change in its own answer); the runtime attaches them once created.
   */
  attach(platforms: readonly Platform[]): void;
  /**
   * Tells every attached platform that these stored requests changed without anyone on a platform
   * doing it (the expiry sweep, recovery at start). Resolves when all were told; never rejects.
   */
  changed(records: readonly RequestRecord[]): Promise<void>;
  /**
   * Follows the changes other processes make to the store (other replicas, the `domainops`
   * command line): each is told to the platforms like a change made here, so the cards this
   * process's platforms can update follow them. Polls every `interval` ms of real time (default
   * 500; at once on a store notification).
   */
  follow(options?: { interval?: number }): Following;
}

/** A chat service following the store's changes. */
export interface Following {
  /** Stops following; resolves when a poll under way has finished (and told what it found). */
  stop(): Promise<void>;
  /** Resolves once every change up to `seq` has been read and told (tests, shutdown). */
  reached(seq: number): Promise<void>;
}

/**
 * Whether a reply reports an approve, deny or cancel that changed its request (an approval
 * counted, a decision, a rejection on the policy re-check), rather than one that was refused.
 */
export function isRequestChange(reply: Reply): boolean {
  return reply.kind === 'request' && reply.decision !== undefined;
}

export interface ChatServiceOptions {
  sandbox?: boolean;
  logger?: Logger;
  metrics?: ChatMetrics;
  /** Card times and delivery keys (default: the app's clock). */
  now?: () => number;
  /** How many delivery keys to remember (default 5000). */
  rememberDeliveries?: number;
}

/** The platform named by a stored `origin`, if it names one. */
function originPlatform(origin: unknown): string | undefined {
  const name = (origin as { platform?: unknown } | null | undefined)?.platform;
  return typeof name === 'string' ? name : undefined;
}

/** Creates the chat service over the app pipeline. */
export function createChatService(app: App, options: ChatServiceOptions = {}): ChatService {
  const now = options.now ?? app.clock.now;
  const seen = new Map<string, number>();
  const capacity = options.rememberDeliveries ?? 5000;
  let inFlight = 0;
  let idle: (() => void)[] = [];

  /** True the first time a key is seen; remembers the last `capacity` keys. */
  const firstDelivery = (key: string | undefined): boolean => {
    if (key === undefined) return true;
    if (seen.has(key)) return false;
    seen.set(key, now());
    if (seen.size > capacity) seen.delete(seen.keys().next().value!);
    return true;
  };

  let platforms: readonly Platform[] = [];
  const log = options.logger?.child({ component: 'notify' });

  const render = (reply: Reply): ChatReply =>
    chatReply(
      reply,
      cardForReply(reply, {
        present: app.present,
        now: now(),
        ...(options.sandbox ? { sandbox: true } : {}),
      }),
    );

  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await work();
    } finally {
      inFlight--;
      if (inFlight === 0) {
        for (const resolve of idle) resolve();
        idle = [];
      }
    }
  };

  /**
   * The platforms to tell about a change: every one but `by`'s (it shows the change in its own
   * answer); each shows the change only on a card it posted. A request with no card anywhere goes
   * to where it was typed instead (`postToOrigin` of the platform it was typed on).
   */
  const audience = (update: RequestUpdate): { p: Platform; fn: () => Promise<void> }[] => {
    const record = recordOf(update.result.reply);
    const origin = record?.conversation === undefined ? originPlatform(record?.origin) : undefined;
    return platforms.flatMap((p) => {
      if (p.name === update.by?.platform) return [];
      if (p.name === origin && p.postToOrigin)
        return [{ p, fn: () => p.postToOrigin!(record!.origin, update) }];
      return p.notify ? [{ p, fn: () => p.notify!(update) }] : [];
    });
  };

  /**
   * Claims telling this state of the request (several processes may learn of the same change:
   * the first to claim it tells it, once). A store that cannot take the claim is logged and the
   * change told anyway: better twice than not at all.
   */
  const claim = async (record: RequestRecord): Promise<boolean> => {
    try {
      return (await app.workflow().claimNotice(record.id, noticeKey(record))) !== undefined;
    } catch (error) {
      log?.warn({ err: error, requestId: record.id }, 'could not claim the card update: updating it anyway');
      return true;
    }
  };

  /**
   * Tells the platforms (but `by`'s own) about a change, if no other process told it yet. A
   * request with no card anywhere goes to where it was typed instead (`postToOrigin` of the
   * platform it was typed on). A platform that fails is logged: the change is stored, and
   * whoever made it has their answer from their own platform.
   */
  const notify = (update: RequestUpdate): Promise<void> =>
    track(async () => {
      const others = audience(update);
      const record = recordOf(update.result.reply);
      if (others.length === 0 || record === undefined || !(await claim(record))) return;
      await Promise.all(
        others.map(async ({ p, fn }) => {
          try {
            await fn();
          } catch (error) {
            // The message only: a platform SDK's error object may carry its request and credentials.
            const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
            log?.warn(
              { error: message, platform: p.name, requestId: update.result.reply.requestId },
              'could not update the request card on another platform',
            );
          }
        }),
      );
    });

  /** After a command or click: the other platforms learn of a change, without delaying the answer. */
  const announce = (result: ChatReply | undefined, by: Actor): ChatReply | undefined => {
    if (result !== undefined && isRequestChange(result.reply)) void notify({ result, by });
    return result;
  };

  /**
   * Runs one command, counting it in the metrics (a redelivery is not a new command) and logging
   * one line for it: who, what, where, the outcome, how long it took and the request id.
   */
  const command = (action: string, actor: Actor, work: () => Promise<Reply>): Promise<ChatReply> =>
    track(async () => {
      const started = performance.now();
      try {
        const reply = await work();
        if (!isRedelivery(reply)) {
          options.metrics?.command(reply.action ?? action, reply.status);
          options.logger?.info(
            {
              who: describeActor(actor),
              command: reply.action ?? action,
              ...(action === 'approve' || action === 'deny' ? { decision: action } : {}),
              ...(reply.target === undefined ? {} : { target: reply.target }),
              outcome: reply.status,
              ...(reply.error === undefined ? {} : { code: reply.error.code }),
              ms: Math.round(performance.now() - started),
              ...(reply.requestId === undefined ? {} : { requestId: reply.requestId }),
            },
            `${reply.action ?? action}${reply.target === undefined ? '' : ` in ${reply.target}`}: ${reply.status}`,
          );
        }
        return render(reply);
      } catch (error) {
        options.metrics?.command(action, 'error');
        options.logger?.error({ err: error, action }, 'command failed unexpectedly');
        throw error;
      }
    });

  return {
    app,
    render,
    track,
    async message(input) {
      if (!firstDelivery(input.deliveryKey)) return undefined;
      const handle: HandleOptions = {
        ...(input.deliveryKey === undefined ? {} : { deliveryKey: input.deliveryKey }),
        ...(input.origin === undefined ? {} : { origin: input.origin }),
      };
      const result = await command('message', input.actor, () => app.handle(input.text, input.actor, handle));
      if (isRedelivery(result.reply)) {
        // Answered when it was first delivered (before a restart, or by another process).
        options.logger?.info(
          { requestId: result.reply.requestId, deliveryKey: input.deliveryKey },
          'redelivered command ignored: its request was stored and answered before',
        );
        return undefined;
      }
      return announce(result, input.actor);
    },
    async decide(input) {
      if (!firstDelivery(input.deliveryKey)) return undefined;
      const result = await command(input.decision, input.actor, () =>
        input.decision === 'approve'
          ? app.approve(input.requestId, input.actor)
          : app.deny(input.requestId, input.actor, input.reason),
      );
      return announce(result, input.actor);
    },
    attach(list) {
      platforms = [...list];
    },
    follow(followOptions = {}) {
      const interval = followOptions.interval ?? 500;
      const follower = app.workflow().follow();
      const flog = options.logger?.child({ component: 'follow' });
      let stopped = false;
      let failing = false;
      let wake: (() => void) | undefined;
      let timer: NodeJS.Timeout | undefined;
      const tell = async (change: Change): Promise<void> => {
        const reply = app.replyFor(change.record);
        const shown =
          change.decision !== undefined && reply.kind === 'request'
            ? { ...reply, decision: change.decision }
            : reply;
        await notify({ result: render(shown), ...(change.by === undefined ? {} : { by: change.by }) });
      };
      const unwatch = follower.watch?.(() => wake?.());
      const waiting: { seq: number; resolve: () => void }[] = [];
      const following = (async () => {
        let position = follower.position;
        while (!stopped) {
          try {
            const changes = await follower.poll();
            await Promise.all(changes.map(tell));
            if (failing) flog?.info('following the changes of other processes again');
            failing = false;
            if (follower.position !== position) {
              position = follower.position;
              flog?.debug({ seq: position, told: changes.length }, 'changes followed');
              for (const w of waiting.splice(0)) {
                if (position !== undefined && position >= w.seq) w.resolve();
                else waiting.push(w);
              }
            }
          } catch (error) {
            // Once per outage: a store that cannot be read says so at every poll otherwise.
            if (!failing)
              flog?.warn({ err: error }, 'could not read the changes of other processes: retrying');
            failing = true;
          }
          if (stopped) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, interval);
          });
          clearTimeout(timer);
        }
      })();
      return {
        async stop() {
          stopped = true;
          unwatch?.();
          clearTimeout(timer);
          wake?.();
          await following;
        },
        reached(seq) {
          const position = follower.position;
          if (position !== undefined && position >= seq) return Promise.resolve();
          return new Promise((resolve) => waiting.push({ seq, resolve }));
        },
      };
    },
    async changed(records) {
      await Promise.all(
        records.map(async (record) => {
          try {
            await notify({ result: render(app.replyFor(record)) });
          } catch (error) {
            log?.error({ err: error, requestId: record.id }, 'could not show a request change');
          }
        }),
      );
    },
    drain(ms) {
      if (inFlight === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        idle.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
  };
}
