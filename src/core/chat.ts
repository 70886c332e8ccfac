/**
 * The chat service: what every platform calls. Commands and button clicks go in, replies come
 * out with their card as a model (./cards/model.ts); each platform renders the card in its own
 * wire format, and only the formats it sends.
 */
import type { Logger } from 'pino';
import { cardForReply } from './cards/build.ts';
import type { Card } from './cards/model.ts';
import { ExitCode } from './errors.ts';
import type { App, HandleOptions } from './pipeline.ts';
import type { CardCopy, Delivered, Destination, Platform, PlatformName } from './platform.ts';
import { type Actor, describeActor } from './policy/actor.ts';
import { describeTarget, notifyTargets, targetKey } from './policy/notify.ts';
import { isRedelivery, type Reply, recordOf } from './reply.ts';
import { FINAL_STATUSES, noticeKey, type RequestRecord } from './requests/model.ts';
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
  /**
   * Set when the reply created a request whose rule names notify destinations: resolves, never
   * rejects, when copies of its card were posted there (each platform at once, while the one the
   * request was typed on posts its answer). The platform tells the requester, under its answer,
   * which destinations could not be reached (`routingNote`).
   */
  readonly routing?: Promise<Routing>;
}

/** What became of a request's notify destinations. */
export interface Routing {
  /** The card posted: to whom or where (as the rule names it), on which platform. */
  posted: { destination: string; platform: PlatformName }[];
  /** Destinations that could not be reached: the platform's error code and what to do. */
  failed: { destination: string; platform?: PlatformName; code: string; hint?: string }[];
}

/**
 * What the requester is told about destinations that could not be reached, as plain text (the
 * platform escapes it for its markup); undefined when every one was reached.
 */
export function routingNote(routing: Routing | undefined, reply: Reply): string | undefined {
  if (routing === undefined || routing.failed.length === 0) return undefined;
  const card = reply.status === 'pending' ? 'approval card' : 'result';
  const lines = routing.failed.map((f) => {
    const on =
      f.platform === undefined || f.destination.startsWith(`${f.platform}:`) ? '' : ` on ${f.platform}`;
    return `Could not post the ${card} to ${f.destination}${on}: ${f.code}${f.hint === undefined ? '' : ` (${f.hint})`}.`;
  });
  if (reply.status === 'pending') lines.push('The request waits for its approvals all the same.');
  return lines.join('\n');
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
  /**
   * The change is a running request's progress (a batch item finished, a long call's interim
   * result; the request is still `executing`), not a state change. It comes at most once a
   * second per request; a platform that should show it less often (a new message each time)
   * shows at most one per its own interval, and the final state comes as a plain update.
   */
  progress?: true;
  /**
   * Only these copies of the card (`record.copies` entries), posted a moment ago with a state the
   * request has left since: the platform updates them and posts no note.
   */
  only?: readonly unknown[];
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
  /**
   * Run at once, outside the bound on commands in flight: a command the platform answers in the
   * HTTP response it owes (`help`, `whoami`, `targets` answered in an acknowledgement), which touches neither
   * the store nor a vendor and must not wait behind vendor commands.
   */
  immediate?: true;
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
  /** Commands running now, and waiting for one of them to finish (COMMANDS_IN_FLIGHT). */
  commands(): { running: number; waiting: number };
  /**
   * Runs `work`, a platform's whole handling of one delivery (who the person is, the command, its
   * answer), in its turn among the commands in flight, holding one slot until it settles; the
   * command it runs with this `deliveryKey` takes none of its own. A platform that acks a delivery
   * before running it queues the delivery as it came, before its SDK builds anything for it.
   * False, and `work` never runs, when COMMANDS_WAITING commands wait already: the platform tells
   * the person (`overloadedReply`). Counted in `track`; `work` should not reject (it is logged).
   */
  inTurn(deliveryKey: string, work: () => Promise<void>): boolean;
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
  /** Commands run at once (default COMMANDS_IN_FLIGHT) and waiting beyond them (default COMMANDS_WAITING). */
  commands?: { inFlight?: number; waiting?: number };
}

/**
 * Commands (typed commands and approval clicks) one process runs at once. The platforms ack a
 * delivery at once and run its command afterwards, so without a bound a burst keeps every command
 * acked so far in flight, each holding its store rows, its vendor request and its lease. Beyond
 * this many, commands wait in a queue and start in the order they came, as running ones finish.
 */
export const COMMANDS_IN_FLIGHT = 64;
/**
 * Commands that may wait for one of the COMMANDS_IN_FLIGHT: one more is not run, and its person
 * is told that domainops is overloaded (an `overloaded` error), instead of the queue growing
 * without limit.
 */
export const COMMANDS_WAITING = 1000;

/** The answer to a command turned away because COMMANDS_WAITING commands are waiting already. */
export function overloadedReply(waiting: number): Reply {
  const count = `${waiting.toLocaleString('en-US')} ${waiting === 1 ? 'command is' : 'commands are'}`;
  const message = `domainops is overloaded: ${count} waiting to run, and this one was not run.`;
  const hint = 'Try it again in a few minutes.';
  return {
    kind: 'error',
    status: 'failed',
    error: { code: 'overloaded', message, hint },
    text: `${message}\n${hint}`,
    exitCode: ExitCode.failure,
  };
}

/** Whether a stored request has copies of its card posted by the platform `name`. */
function hasCopies(record: RequestRecord | undefined, name: string): boolean {
  return (record?.copies ?? []).some((c) => (c as { platform?: unknown } | null)?.platform === name);
}

/** Whether a stored request's card was posted anywhere (where it was typed, or copies). */
function hasCards(record: RequestRecord): boolean {
  return record.conversation !== undefined || (record.copies?.length ?? 0) > 0;
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
  const commandLimit = options.commands?.inFlight ?? COMMANDS_IN_FLIGHT;
  const waitingLimit = options.commands?.waiting ?? COMMANDS_WAITING;
  /** Commands running now; those waiting for one of them to finish (FIFO: `waiting[first]` is next). */
  let running = 0;
  let waiting: (() => void)[] = [];
  let first = 0;
  /** Commands turned away since the queue last filled up (undefined: it has room). */
  let turnedAway: number | undefined;
  /** Deliveries whose handling holds a slot (`inTurn`): their command takes none of its own. */
  const holding = new Set<string>();

  /**
   * Takes a slot: true when one was free; false when the queue is full (the command is turned
   * away); undefined when the command must wait: the caller queues it in `waiting` at once, as a
   * function that the slot is handed to (`release`).
   */
  const slot = (): boolean | undefined => {
    if (running < commandLimit) {
      running++;
      return true;
    }
    if (waiting.length - first >= waitingLimit) {
      // Logged once, and once more when the queue has emptied: not a line per command turned away.
      if (turnedAway === undefined)
        options.logger?.warn(
          { running, waiting: waiting.length - first },
          'overloaded: commands are turned away until the queue empties',
        );
      turnedAway = (turnedAway ?? 0) + 1;
      return false;
    }
    return undefined;
  };
  /** A command finished: its slot goes to the one that has waited longest. */
  const release = (): void => {
    if (first === waiting.length) {
      running--;
      return;
    }
    const next = waiting[first]!;
    waiting[first++] = undefined as never;
    if (first === waiting.length) {
      waiting = [];
      first = 0;
      if (turnedAway !== undefined)
        options.logger?.info({ turnedAway }, 'no longer overloaded: the queue of commands has emptied');
      turnedAway = undefined;
    } else if (first >= 1024 && first * 2 >= waiting.length) {
      waiting = waiting.slice(first);
      first = 0;
    }
    next();
  };

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

  /** The end of work counted in flight (`track`). */
  const done = (): void => {
    inFlight--;
    if (inFlight === 0) {
      for (const resolve of idle) resolve();
      idle = [];
    }
  };
  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await work();
    } finally {
      done();
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
      const told: { p: Platform; fn: () => Promise<void> }[] = [];
      // Progress is shown on a card that is there already: where no card was posted (a request
      // that needed no approval), a message per progress change would flood the conversation.
      if (p.name === origin && p.postToOrigin && update.progress === undefined)
        told.push({ p, fn: () => p.postToOrigin!(record!.origin, update) });
      // Its copies, if it posted any (the card where the request was typed is not its own here).
      if (p.notify && (told.length === 0 || hasCopies(record, p.name)))
        told.push({ p, fn: () => p.notify!(update) });
      return told;
    });
  };

  /** The rule a stored request was decided by, in the config this process runs. */
  const ruleOf = (record: RequestRecord) =>
    record.rule === undefined ? undefined : app.config.policy.rules.find((r) => r.name === record.rule);

  /**
   * Whether a request's card still has to go to its rule's notify destinations: they were never
   * tried, and it shows the state they get: waiting for its first approval, or the outcome of a
   * request that needed none. Other states reach the copies already posted (`notify`).
   */
  const needsRouting = (record: RequestRecord | undefined): record is RequestRecord => {
    if (record === undefined || record.copies !== undefined || !ruleOf(record)?.notify?.length) return false;
    if (record.status === 'pending') return record.approvals.length === 0;
    return (
      record.approval === undefined && record.status !== 'rejected' && FINAL_STATUSES.includes(record.status)
    );
  };

  /**
   * Posts the request's card to its rule's notify destinations (each platform at once; an email
   * on every platform that can post to it), keeps where the copies are, and says what could not
   * be reached: logged here, and returned for the requester. A copy posted while the request
   * changed is brought up to date at once. Never rejects.
   */
  const route = async (record: RequestRecord, result: ChatReply): Promise<Routing> => {
    const rule = ruleOf(record);
    const routing: Routing = { posted: [], failed: [] };
    if (rule === undefined) return routing;
    const targets = notifyTargets(app.config.policy, rule, record.requester);
    const asked = new Map<Platform, Destination[]>();
    const ask = (p: Platform, d: Destination): void => {
      asked.set(p, [...(asked.get(p) ?? []), d]);
    };
    for (const target of targets) {
      if (target.kind === 'id') {
        // A platform that does not run here was warned about at start; its destinations wait for it.
        const p = platforms.find((q) => q.name === target.platform && q.deliver);
        if (p) ask(p, target);
      } else for (const p of platforms) if (p.deliver) ask(p, target);
    }
    const delivered = (
      await Promise.all(
        [...asked].map(async ([p, destinations]): Promise<[Platform, Delivered][]> => {
          try {
            const got = await p.deliver!({
              result,
              destinations,
              ...(record.origin === undefined ? {} : { origin: record.origin }),
              ...(record.conversation === undefined ? {} : { conversation: record.conversation }),
            });
            return got.map((d) => [p, d]);
          } catch (error) {
            const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
            log?.warn(
              { error: message, platform: p.name, requestId: record.id },
              'could not post to notify destinations',
            );
            return destinations.map((destination) => [
              p,
              { destination, failed: { code: 'internal_error' } },
            ]);
          }
        }),
      )
    ).flat();
    const copies: CardCopy[] = [];
    for (const target of targets) {
      const key = targetKey(target);
      const mine = delivered.filter(([, d]) => targetKey(d.destination) === key);
      const label = describeTarget(target);
      const posted = mine.filter(([, d]) => 'posted' in d);
      const failed = mine.flatMap(([p, d]) => ('failed' in d ? [{ platform: p.name, ...d.failed }] : []));
      const missing = mine.filter(([, d]) => 'missing' in d).map(([p]) => p.name);
      for (const [p, d] of posted) {
        copies.push((d as { posted: CardCopy }).posted);
        routing.posted.push({ destination: label, platform: p.name });
      }
      if (posted.length > 0) continue;
      for (const f of failed) routing.failed.push({ destination: label, ...f });
      if (failed.length === 0 && missing.length > 0 && missing.length === mine.length) {
        routing.failed.push({
          destination: label,
          code: 'not_found',
          hint: `nobody with this email on ${missing.join(' or ')}`,
        });
      }
    }
    for (const f of routing.failed) {
      log?.warn(
        { requestId: record.id, destination: f.destination, platform: f.platform, code: f.code },
        'could not post the request card to a notify destination',
      );
    }
    let stored: RequestRecord | undefined;
    try {
      stored = await app.workflow().addCopies(record.id, copies);
    } catch (error) {
      log?.warn({ err: error, requestId: record.id }, 'could not keep where the copies of the card are');
    }
    if (stored !== undefined && copies.length > 0 && noticeKey(stored) !== noticeKey(record)) {
      // Decided (or expired) while the copies were being posted: they show the state it has now.
      const now = render(app.replyFor(stored));
      await Promise.all(
        platforms.map(async (p) => {
          const only = copies.filter((c) => c.platform === p.name);
          if (only.length === 0 || !p.notify) return;
          try {
            await p.notify({ result: now, only });
          } catch (error) {
            const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
            log?.warn(
              { error: message, platform: p.name, requestId: record.id },
              'could not update a copy of the card',
            );
          }
        }),
      );
    }
    return routing;
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
  const notify = (update: RequestUpdate, own = false): Promise<void> =>
    track(async () => {
      const others = audience(update);
      const record = recordOf(update.result.reply);
      const routing = needsRouting(record);
      // A change made here is claimed even when no other platform is told: its own platform showed
      // it on every card it posted, so no other process tells it again.
      const tell = others.length > 0 || routing || (own && record !== undefined && hasCards(record));
      if (!tell || record === undefined || !(await claim(record))) return;
      // A request typed elsewhere (the command line, another process) reaches its destinations here.
      if (routing) await route(record, update.result);
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
    if (result !== undefined && isRequestChange(result.reply)) void notify({ result, by }, true);
    return result;
  };

  /**
   * After a command that created a request whose rule names notify destinations: its card goes
   * there too, while the platform posts its answer, once (a claim, so that no other process
   * following the store posts it again).
   */
  const submitted = (result: ChatReply): ChatReply => {
    const record = recordOf(result.reply);
    if (result.reply.kind !== 'request' || result.reply.decision !== undefined || !needsRouting(record))
      return result;
    const routing = track(async (): Promise<Routing> => {
      try {
        if (!(await claim(record))) return { posted: [], failed: [] };
        return await route(record, result);
      } catch (error) {
        log?.error({ err: error, requestId: record.id }, 'could not post to the notify destinations');
        return { posted: [], failed: [] };
      }
    });
    return { ...result, routing };
  };

  /**
   * Runs one command, counting it in the metrics (a redelivery is not a new command) and logging
   * one line for it: who, what, where, the outcome, how long it took and the request id.
   */
  const command = (
    action: string,
    actor: Actor,
    work: () => Promise<Reply>,
    immediate = false,
  ): Promise<ChatReply> =>
    track(async () => {
      // Immediate commands take no slot; the others wait for one, or are turned away.
      const got = immediate || slot();
      if (got === false) work = async () => overloadedReply(waiting.length - first);
      else if (got === undefined) await new Promise<void>((resolve) => waiting.push(resolve));
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
      } finally {
        if (got !== false && !immediate) release();
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
      const result = await command(
        'message',
        input.actor,
        () => app.handle(input.text, input.actor, handle),
        input.immediate === true || (input.deliveryKey !== undefined && holding.has(input.deliveryKey)),
      );
      if (isRedelivery(result.reply)) {
        // Answered when it was first delivered (before a restart, or by another process).
        options.logger?.info(
          { requestId: result.reply.requestId, deliveryKey: input.deliveryKey },
          'redelivered command ignored: its request was stored and answered before',
        );
        return undefined;
      }
      return announce(submitted(result), input.actor);
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
      // Destinations on a platform this process does not run are skipped: say so once.
      const running = new Set(platforms.filter((p) => p.deliver).map((p) => p.name));
      for (const rule of app.config.policy.rules) {
        for (const entry of rule.notify ?? []) {
          const name = /^([a-z][a-z0-9-]*):/.exec(entry)?.[1];
          if (name !== undefined && !running.has(name)) {
            options.logger?.warn(
              { rule: rule.name, destination: entry },
              `notify destination skipped: ${name} does not run in this process`,
            );
          }
        }
      }
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
        await notify({
          result: render(shown),
          ...(change.by === undefined ? {} : { by: change.by }),
          ...(change.progress ? { progress: true as const } : {}),
        });
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
    commands: () => ({ running, waiting: waiting.length - first }),
    inTurn(deliveryKey, work) {
      // A waiting delivery is this closure and what `work` holds: no suspended function of ours.
      const start = (): void => {
        holding.add(deliveryKey);
        void (async () => {
          try {
            await work();
          } catch (error) {
            options.logger?.error({ err: error, deliveryKey }, 'a delivery failed unexpectedly');
          } finally {
            holding.delete(deliveryKey);
            release();
            done();
          }
        })();
      };
      const got = slot();
      if (got === false) {
        // Counted; logged with the others turned away (slot, release).
        options.metrics?.command('message', 'failed');
        return false;
      }
      inFlight++;
      if (got) start();
      else waiting.push(start);
      return true;
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
