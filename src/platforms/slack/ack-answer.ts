/**
 * Slash commands answered in their ack's body (HTTP mode): `help`, `whoami` and `targets` need
 * neither the store nor a vendor, only who the person is, so their whole answer goes back in
 * the HTTP response Slack is waiting for, as an ephemeral message (no Web API call at all).
 * Every other command is acked with "Working on…" here, at once, and waits for its turn among the
 * commands in flight (ChatService.inTurn) as the delivery it came as; in its turn Bolt's listener
 * runs it and posts the answer (./handlers.ts). So do Events API deliveries (mentions, direct
 * messages), acked empty as Bolt acks them. When too many wait, a slash command is told in its ack
 * that domainops is overloaded.
 */
import { type ChatReply, type ChatService, overloadedReply } from '../../core/chat.ts';
import type { Clock } from '../../core/clock.ts';
import type { Actor } from '../../core/policy/actor.ts';
import type { Logger } from '../../server/logger.ts';
import { FAILED_TEXT } from './handlers.ts';
import type { AckAnswer, AckNow } from './http-receiver.ts';
import { type Identities, NO_EMAIL_TEXT } from './identity.ts';
import { notificationText, originOf } from './post.ts';
import { renderBlockKit } from './render.ts';
import { commandText, escapeMrkdwn } from './text.ts';

/** The commands answered in the ack: the command word first, as the grammar reads it. */
const ANSWERED_IN_ACK = /^[\t\p{Zs}]*(?:help|whoami|targets)(?=[\t\p{Zs}]|$)/iu;

/**
 * How long the ack waits for `users.info` (the person is looked up once, then cached): past it,
 * the command is acked with "Working on…" and answered the usual way, well within Slack's 3 s.
 */
const LOOKUP_DEADLINE_MS = 1500;

export interface AckAnswerDeps {
  chat: ChatService;
  identities: Identities;
  logger: Logger;
  /** The slash command, e.g. `/domainops`. */
  command: string;
  /** The process clock: the lookup deadline runs on it. */
  clock: Clock;
  lookupDeadlineMs?: number;
}

/** An ephemeral message as a slash command's ack body. */
function ephemeral(message: { text: string; blocks?: unknown }): string {
  return JSON.stringify({ response_type: 'ephemeral', ...message });
}

/**
 * The rendered answers that change only with the config, by what they show: the help card (of
 * every command, or of one) and the targets card. `help <unknown word>` is not kept (people type
 * anything there), nor anything that depends on the person (whoami, a policy refusal).
 */
function cacheKey(result: ChatReply): string | undefined {
  const { reply } = result;
  if (reply.kind !== 'meta' || reply.status !== 'succeeded') return undefined;
  const { answer } = reply;
  if (answer.topic === 'targets') return 'targets';
  if (answer.topic === 'help' && answer.unknown === undefined) return `help ${answer.command ?? ''}`;
  return undefined;
}

const TIMED_OUT: unique symbol = Symbol('timed out');
/** Settled already: loses a race only to a promise settled before the race began. */
const NOT_YET_VALUE: unique symbol = Symbol('not yet');
const NOT_YET = Promise.resolve(NOT_YET_VALUE);

/** The `answerInAck` hook of the HTTP receiver for the slash command `deps.command`. */
export function ackAnswers(deps: AckAnswerDeps): AckAnswer {
  const { chat, identities, clock } = deps;
  const log = deps.logger.child({ platform: 'slack' });
  const deadline = deps.lookupDeadlineMs ?? LOOKUP_DEADLINE_MS;
  const rendered = new Map<string, string>();

  const answer = (result: ChatReply): string => {
    const key = cacheKey(result);
    const cached = key === undefined ? undefined : rendered.get(key);
    if (cached !== undefined) return cached;
    const body = ephemeral({
      text: notificationText(result),
      blocks: result.render(renderBlockKit).blocks,
    });
    if (key !== undefined) rendered.set(key, body);
    return body;
  };

  /** The person, or TIMED_OUT when `users.info` is slower than the deadline. */
  const lookUp = async (user: string): Promise<Actor | undefined | typeof TIMED_OUT> => {
    const lookup = identities.actor(user);
    // A person already cached is there at once: no deadline to set (and to cancel) for them.
    const first = await Promise.race([lookup, NOT_YET]);
    if (first !== NOT_YET_VALUE) return first;
    const stop = new AbortController();
    const timer: Promise<typeof TIMED_OUT> = clock.sleep(deadline, stop.signal).then(
      () => TIMED_OUT,
      () => TIMED_OUT,
    );
    try {
      return await Promise.race([lookup, timer]);
    } finally {
      stop.abort(TIMED_OUT);
    }
  };

  /** The ack of a command turned away, rendered once per count of those waiting. */
  let overloaded: { waiting: number; ack: string } | undefined;
  const overloadedAck = (): string => {
    const { waiting } = chat.commands();
    if (overloaded?.waiting !== waiting)
      overloaded = { waiting, ack: answer(chat.render(overloadedReply(waiting))) };
    return overloaded.ack;
  };

  /**
   * A delivery acked now with `ack` and processed in its turn. When too many wait, a slash command
   * is acked with `turnedAway` instead and not processed; an event (whose ack is empty, and cannot
   * say so) is processed at once, and its command is turned away with an answer posted.
   */
  const inTurn = (key: string, ack: string, turnedAway?: () => string): AckNow => ({
    queue(process) {
      if (chat.inTurn(key, process)) return ack;
      if (turnedAway !== undefined) return turnedAway();
      void chat.track(process);
      return ack;
    },
  });

  return (body, key) => {
    if (body.type === 'event_callback') {
      // Bolt acks every event but `function_executed` (workflow steps: their listener acks) empty.
      const event = body.event as { type?: unknown } | undefined;
      return key === undefined || event?.type === 'function_executed' ? undefined : inTurn(key, '');
    }
    if (body.command !== deps.command) return undefined;
    const { user_id: user, channel_id: channel } = body;
    if (typeof user !== 'string' || typeof channel !== 'string') return undefined;
    const text = commandText(typeof body.text === 'string' ? body.text : '') || 'help';
    if (!ANSWERED_IN_ACK.test(text)) {
      if (key === undefined) return undefined;
      // The ack the listener (./handlers.ts) gives when Bolt acks: the same words.
      return inTurn(key, ephemeral({ text: `Working on \`${escapeMrkdwn(text)}\`…` }), overloadedAck);
    }
    return chat.track(async () => {
      const actor = await lookUp(user);
      // Slack is slow to say who this is: ack now, answer the usual way.
      if (actor === TIMED_OUT) return undefined;
      if (actor === undefined) return ephemeral({ text: NO_EMAIL_TEXT });
      let result: ChatReply | undefined;
      try {
        result = await chat.message({
          text,
          actor,
          origin: originOf({ channel, user }),
          // Answered in the ack: it waits behind no vendor command.
          immediate: true,
          ...(key === undefined ? {} : { deliveryKey: key }),
        });
      } catch (error) {
        log.error({ err: error, channel }, 'Slack command failed');
        return ephemeral({ text: FAILED_TEXT });
      }
      // A duplicate delivery: answered already.
      return result === undefined ? '' : answer(result);
    });
  };
}
