import type { RespondFn, types, webApi } from '@slack/bolt';
import type { Reply } from '../../app.ts';
import type { ChatReply, ChatService, RequestUpdate } from '../../core/chat.ts';
import { describeActor } from '../../core/policy/actor.ts';
import { decisionOf, recordOf } from '../../core/reply.ts';
import type { RequestRecord } from '../../core/requests/model.ts';
import type { Logger } from '../../server/logger.ts';
import { renderBlockKit } from './render.ts';
import { escapeMrkdwn } from './text.ts';

/** Where a request's approval card was posted; kept with the request (`setConversation`). */
export interface SlackConversation {
  platform: 'slack';
  channel: string;
  ts: string;
}

/** Where a command or click came from, and so where its answer goes. */
export interface Place {
  channel: string;
  /** The Slack user id of the person who typed or clicked. */
  user: string;
  /** The thread the command was typed in, if any. */
  threadTs?: string;
  /** The `response_url` helper of a slash command or click (works where the bot is not a member). */
  respond?: RespondFn;
}

/**
 * Where a command was typed, stored with its request (`MessageInput.origin`): the channel (or DM)
 * and the thread it was typed in, if any. A request with no card is shown here when recovery at
 * start settles it.
 */
export type SlackOrigin = {
  platform: 'slack';
  channel: string;
  threadTs?: string;
};

/** The origin of a command typed in `place`, as stored with its request. */
export function originOf(place: Place): SlackOrigin {
  return {
    platform: 'slack',
    channel: place.channel,
    ...(place.threadTs === undefined ? {} : { threadTs: place.threadTs }),
  };
}

/** A stored origin read back, if it is a Slack one. */
export function slackOrigin(value: unknown): SlackOrigin | undefined {
  const o = value as Partial<SlackOrigin> | null | undefined;
  if (o?.platform !== 'slack' || typeof o.channel !== 'string' || o.channel === '') return undefined;
  return typeof o.threadTs === 'string'
    ? { platform: 'slack', channel: o.channel, threadTs: o.threadTs }
    : { platform: 'slack', channel: o.channel };
}

/** Slack's section text limit: a longer message is cut rather than refused. */
const TEXT_MAX = 3000;

/** The Slack card location stored with a request, if a Slack card was posted for it. */
export function slackConversation(record: RequestRecord | undefined): SlackConversation | undefined {
  const c = record?.conversation as Partial<SlackConversation> | undefined;
  if (c?.platform !== 'slack' || typeof c.channel !== 'string' || typeof c.ts !== 'string') return undefined;
  return { platform: 'slack', channel: c.channel, ts: c.ts };
}

/**
 * Whether a reply is only for the person who asked: a refused approve/deny/cancel, a usage error,
 * or a policy rejection. These go out as ephemeral messages and change no card.
 */
export function isPersonal(reply: Reply): boolean {
  if (reply.kind === 'refusal') return true;
  if (reply.exitCode === 2) return true;
  return (reply.exitCode === 3 || reply.exitCode === 6) && slackConversation(recordOf(reply)) === undefined;
}

/** The notification text of a card message: its header, escaped (Slack shows it where blocks cannot be). */
export function notificationText(result: ChatReply): string {
  return clip(result.render(renderBlockKit).text);
}

function clip(text: string): string {
  return text.length <= TEXT_MAX ? text : `${text.slice(0, TEXT_MAX - 1)}…`;
}

function blocksOf(result: ChatReply): (types.KnownBlock | types.Block)[] {
  return result.render(renderBlockKit).blocks as unknown as (types.KnownBlock | types.Block)[];
}

function errorCode(error: unknown): string {
  const data = (error as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string'
    ? data.error
    : String((error as { code?: unknown }).code ?? 'unknown');
}

/** Sends replies to Slack: cards to channels, answers only for one person, card updates and thread notes. */
export function createPoster(client: webApi.WebClient, chat: ChatService, logger: Logger) {
  const log = logger.child({ platform: 'slack' });

  /** A message only `place.user` sees. */
  const ephemeral = async (place: Place, text: string, result?: ChatReply): Promise<void> => {
    const content = result ? { text: notificationText(result), blocks: blocksOf(result) } : { text };
    try {
      await client.chat.postEphemeral({ channel: place.channel, user: place.user, ...content });
    } catch (error) {
      if (!place.respond) {
        log.warn(
          { slackError: errorCode(error), channel: place.channel },
          'could not send an ephemeral answer',
        );
        return;
      }
      await place.respond({ response_type: 'ephemeral', replace_original: false, ...content });
    }
  };

  /** Posts a card in the place (threaded if the command was); returns where it landed. */
  const post = async (
    place: Pick<Place, 'channel' | 'threadTs' | 'respond'>,
    result: ChatReply,
  ): Promise<SlackConversation | undefined> => {
    const content = { text: notificationText(result), blocks: blocksOf(result) };
    try {
      const posted = await client.chat.postMessage({
        channel: place.channel,
        ...(place.threadTs === undefined ? {} : { thread_ts: place.threadTs }),
        unfurl_links: false,
        unfurl_media: false,
        ...content,
      });
      return posted.ts
        ? { platform: 'slack', channel: posted.channel ?? place.channel, ts: posted.ts }
        : undefined;
    } catch (error) {
      // A slash command works in channels the bot is not in; its response_url can still post there.
      if (!place.respond) throw error;
      log.info({ slackError: errorCode(error), channel: place.channel }, 'posting through response_url');
      await place.respond({ response_type: 'in_channel', ...content });
      return undefined;
    }
  };

  /** Replaces a card for everyone (`chat.update`); a click's response_url when the bot cannot. */
  const update = async (where: SlackConversation, result: ChatReply, respond?: RespondFn): Promise<void> => {
    const content = { text: notificationText(result), blocks: blocksOf(result) };
    try {
      await client.chat.update({ channel: where.channel, ts: where.ts, ...content });
    } catch (error) {
      if (!respond) throw error;
      log.info(
        { slackError: errorCode(error), channel: where.channel },
        'updating the card through response_url',
      );
      await respond({ replace_original: true, ...content });
    }
  };

  /** A plain note in the card's thread (a card update notifies nobody; this does). */
  const note = async (where: SlackConversation, text: string): Promise<void> => {
    try {
      await client.chat.postMessage({ channel: where.channel, thread_ts: where.ts, text: clip(text) });
    } catch (error) {
      log.warn({ slackError: errorCode(error), channel: where.channel }, 'could not post in the card thread');
    }
  };

  /**
   * Remembers where a pending request's card is, so a decision can update it. Only the first card:
   * an approval typed here for a request whose card is elsewhere leaves that card where it is.
   */
  const remember = async (result: ChatReply, where: SlackConversation | undefined): Promise<void> => {
    const record = recordOf(result.reply);
    if (where === undefined || record === undefined || result.reply.status !== 'pending') return;
    if (record.conversation !== undefined) return;
    await chat.app.workflow().setConversation(record.id, where);
  };

  return {
    ephemeral,

    /** The answer to a typed command (slash command, mention, DM). */
    async answer(place: Place, result: ChatReply, deliveryKey: string | undefined): Promise<void> {
      const { reply } = result;
      if (isPersonal(reply)) return ephemeral(place, reply.text, result);
      const card = slackConversation(recordOf(reply));
      if (card !== undefined) {
        // The same delivery again (another process already posted its card): nothing to add.
        if (deliveryKey !== undefined && recordOf(reply)?.deliveryKey === deliveryKey) return;
        // A typed approve/deny/cancel of a request whose card is in Slack: update that card.
        await update(card, result);
        await note(card, `<@${place.user}>: ${escapeMrkdwn(reply.text)}`);
        return;
      }
      await remember(result, await post(place, result));
    },

    /** The answer to an Approve/Deny click on the card at `clicked`. */
    async decided(
      place: Place,
      result: ChatReply,
      clicked: SlackConversation | undefined,
      decision: 'approve' | 'deny',
    ): Promise<void> {
      const { reply } = result;
      if (isPersonal(reply)) return ephemeral(place, reply.text, result);
      const card = slackConversation(recordOf(reply)) ?? clicked;
      if (card === undefined) {
        await post(place, result);
        return;
      }
      await update(card, result, place.respond);
      const verb = decision === 'approve' ? 'approved' : 'denied';
      await note(card, `<@${place.user}> ${verb}: ${escapeMrkdwn(reply.text)}`);
    },

    /**
     * A request typed in Slack with no card anywhere (it needed no approval) that changed without
     * anyone answering there (recovery at start found it executing: outcome unknown): its card is
     * posted where the command was typed, in its thread if it was typed in one. A channel the bot
     * cannot post in (a slash command's response_url has long expired) is logged.
     */
    async toOrigin(origin: unknown, { result }: RequestUpdate): Promise<void> {
      const where = slackOrigin(origin);
      if (where === undefined) {
        log.warn({ requestId: result.reply.requestId }, 'stored Slack origin is not a channel: not posted');
        return;
      }
      try {
        await post(where, result);
      } catch (error) {
        log.warn(
          { slackError: errorCode(error), channel: where.channel, requestId: result.reply.requestId },
          'could not post the request where it was typed',
        );
      }
    },

    /**
     * A change made elsewhere (another platform, the expiry sweep) to a request whose card is in
     * Slack: the card is updated for everyone and a note in its thread says what happened.
     */
    async notify({ result, by }: RequestUpdate): Promise<void> {
      const card = slackConversation(recordOf(result.reply));
      if (card === undefined) return;
      try {
        await update(card, result);
      } catch (error) {
        log.warn({ slackError: errorCode(error), channel: card.channel }, 'could not update the card');
      }
      const text = escapeMrkdwn(result.reply.text);
      const decision = decisionOf(result.reply);
      const verb = decision === 'deny' ? 'denied' : decision === 'cancel' ? 'cancelled' : 'approved';
      await note(card, by === undefined ? text : `${escapeMrkdwn(describeActor(by))} ${verb}: ${text}`);
    },
  };
}

export type Poster = ReturnType<typeof createPoster>;
