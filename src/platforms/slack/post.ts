import type { RespondFn, types, webApi } from '@slack/bolt';
import type { Reply } from '../../app.ts';
import {
  type ChatReply,
  type ChatService,
  isRequestChange,
  type RequestUpdate,
  routingNote,
} from '../../core/chat.ts';
import type { Delivered, Delivery, Destination } from '../../core/platform.ts';
import { describeActor } from '../../core/policy/actor.ts';
import { decisionOf, recordOf } from '../../core/reply.ts';
import type { RequestRecord } from '../../core/requests/model.ts';
import type { Logger } from '../../server/logger.ts';
import { slackHint, slackPlace } from './destinations.ts';
import { renderBlockKit } from './render.ts';
import { escapeMrkdwn } from './text.ts';

/**
 * Where a card of a request was posted: its approval card where the request was typed (kept with
 * the request by `setConversation`), or a copy for a notify destination (`addCopies`).
 */
export interface SlackConversation {
  platform: 'slack';
  channel: string;
  ts: string;
  /** The thread the card was posted in, when it is a reply there: notes go to that thread. */
  threadTs?: string;
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

/** A stored card location read back, if it is a Slack one. */
export function slackCard(value: unknown): SlackConversation | undefined {
  const c = value as Partial<SlackConversation> | null | undefined;
  if (c?.platform !== 'slack' || typeof c.channel !== 'string' || typeof c.ts !== 'string') return undefined;
  return typeof c.threadTs === 'string'
    ? { platform: 'slack', channel: c.channel, ts: c.ts, threadTs: c.threadTs }
    : { platform: 'slack', channel: c.channel, ts: c.ts };
}

/** The Slack card location stored with a request, if a Slack card was posted for it where it was typed. */
export function slackConversation(record: RequestRecord | undefined): SlackConversation | undefined {
  return slackCard(record?.conversation);
}

function sameCard(a: SlackConversation, b: SlackConversation): boolean {
  return a.channel === b.channel && a.ts === b.ts;
}

/**
 * Every Slack card of a request: the one where it was typed (`typed`: the requester is told
 * there) and the copies posted for its notify destinations.
 */
export function slackCards(record: RequestRecord | undefined): { card: SlackConversation; typed: boolean }[] {
  const out: { card: SlackConversation; typed: boolean }[] = [];
  const typed = slackConversation(record);
  if (typed !== undefined) out.push({ card: typed, typed: true });
  for (const value of record?.copies ?? []) {
    const copy = slackCard(value);
    if (copy !== undefined && !out.some((o) => sameCard(o.card, copy)))
      out.push({ card: copy, typed: false });
  }
  return out;
}

/** How many cards' update order is remembered at most (the oldest idle one is forgotten first). */
const CARDS_REMEMBERED = 1000;

/**
 * The `chat.update`s of one card (channel and ts) in this process: one at a time, in order, so
 * that an update started before a newer one (a batch's progress before its final state) can
 * never land after it. `queued` counts updates waiting or under way; `applied` is the request
 * version the card shows.
 */
interface CardLine {
  tail: Promise<void>;
  queued: number;
  /** The order number of the newest update asked for. */
  newest: number;
  /** The request version of the newest update asked for (undefined: unknown). */
  newestVersion: number | undefined;
  /** The request version of the last update applied. */
  applied: number;
}

/** How long a channel name looked up with `conversations.list` is trusted. */
const NAMES_TTL = 10 * 60_000;
/** `conversations.list` pages read at most while looking up a #name (200 channels each). */
const NAMES_MAX_PAGES = 20;

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
  const now = chat.app.clock.now;

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
      if (!posted.ts) return undefined;
      const channel = posted.channel ?? place.channel;
      return place.threadTs === undefined
        ? { platform: 'slack', channel, ts: posted.ts }
        : { platform: 'slack', channel, ts: posted.ts, threadTs: place.threadTs };
    } catch (error) {
      // A slash command works in channels the bot is not in; its response_url can still post there.
      if (!place.respond) throw error;
      log.info({ slackError: errorCode(error), channel: place.channel }, 'posting through response_url');
      await place.respond({ response_type: 'in_channel', ...content });
      return undefined;
    }
  };

  /** Replaces a card for everyone (`chat.update`); a click's response_url when the bot cannot. */
  const replace = async (where: SlackConversation, result: ChatReply, respond?: RespondFn): Promise<void> => {
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

  /** Each card's updates in this process, by channel and ts. */
  const lines = new Map<string, CardLine>();
  let order = 0;
  /**
   * Replaces a card (`replace`), after every update of the same card asked for before it: Slack
   * shows the last `chat.update` it got, so two under way at once could land in either order. An
   * update is skipped (resolves, sends nothing) when, by its turn, a newer version of the card is
   * queued behind it, or the card already shows a newer version of the request.
   */
  const update = (where: SlackConversation, result: ChatReply, respond?: RespondFn): Promise<void> => {
    const key = `${where.channel} ${where.ts}`;
    let line = lines.get(key);
    if (line === undefined) {
      line = { tail: Promise.resolve(), queued: 0, newest: 0, newestVersion: undefined, applied: -1 };
      lines.set(key, line);
      if (lines.size > CARDS_REMEMBERED) {
        for (const [k, l] of lines) {
          if (l.queued === 0) {
            lines.delete(k);
            break;
          }
        }
      }
    }
    const card = line;
    const mine = ++order;
    const version = recordOf(result.reply)?.version;
    card.queued++;
    card.newest = mine;
    card.newestVersion = version;
    const run = card.tail.then(async () => {
      // A newer version of the card waits behind this one: it alone is sent.
      const newer =
        card.newest !== mine &&
        (version === undefined || card.newestVersion === undefined || card.newestVersion >= version);
      if (newer || (version !== undefined && version < card.applied)) return;
      await replace(where, result, respond);
      if (version !== undefined) card.applied = Math.max(card.applied, version);
    });
    card.tail = run
      .catch(() => undefined)
      .finally(() => {
        card.queued--;
      });
    return run;
  };

  /** A plain note in the card's thread (a card update notifies nobody; this does). */
  const note = async (where: SlackConversation, text: string): Promise<void> => {
    try {
      await client.chat.postMessage({
        channel: where.channel,
        thread_ts: where.threadTs ?? where.ts,
        text: clip(text),
      });
    } catch (error) {
      log.warn({ slackError: errorCode(error), channel: where.channel }, 'could not post in the card thread');
    }
  };

  /**
   * Brings Slack cards of a request up to date (`chat.update`), with `text` as a note in the thread
   * of the card where the request was typed, if it is among them: the requester is told there.
   */
  const follow = async (
    cards: readonly { card: SlackConversation; typed: boolean }[],
    result: ChatReply,
    text: string | undefined,
  ): Promise<void> => {
    for (const { card, typed } of cards) {
      try {
        await update(card, result);
      } catch (error) {
        log.warn({ slackError: errorCode(error), channel: card.channel }, 'could not update the card');
      }
      if (typed && text !== undefined) await note(card, text);
    }
  };

  /** Tells the requester, under the answer to their command, which notify destinations failed. */
  const tellRouting = async (
    place: Place,
    where: SlackConversation | undefined,
    result: ChatReply,
  ): Promise<void> => {
    if (result.routing === undefined) return;
    const text = routingNote(await result.routing, result.reply);
    if (text === undefined) return;
    if (where !== undefined) await note(where, escapeMrkdwn(text));
    else await ephemeral(place, escapeMrkdwn(text));
  };

  /** Channel ids by name, from `conversations.list` (and from earlier posts by name). */
  const names = new Map<string, { id: string; at: number }>();
  let listedAt: number | undefined;
  const channelByName = async (name: string): Promise<string | undefined> => {
    const hit = names.get(name);
    if (hit !== undefined && now() - hit.at < NAMES_TTL) return hit.id;
    if (listedAt !== undefined && now() - listedAt < NAMES_TTL) return undefined;
    listedAt = now();
    try {
      let cursor: string | undefined;
      for (let page = 0; page < NAMES_MAX_PAGES; page++) {
        const listed = await client.conversations.list({
          types: 'public_channel,private_channel',
          exclude_archived: true,
          limit: 200,
          ...(cursor === undefined ? {} : { cursor }),
        });
        for (const c of listed.channels ?? []) if (c.name && c.id) names.set(c.name, { id: c.id, at: now() });
        cursor = listed.response_metadata?.next_cursor || undefined;
        if (cursor === undefined) break;
      }
    } catch (error) {
      // Without channels:read the card is posted by name: chat.postMessage takes a channel name.
      log.debug({ slackError: errorCode(error) }, 'could not list channels: posting by name');
    }
    return names.get(name)?.id;
  };

  /** A direct message channel with a user (`conversations.open`, scope `im:write`). */
  const directMessage = async (user: string): Promise<string> => {
    const opened = await client.conversations.open({ users: user });
    const id = opened.channel?.id;
    if (!id) throw Object.assign(new Error('no channel'), { data: { error: 'channel_not_found' } });
    return id;
  };

  /**
   * Where a destination's card goes: a channel id, a `#name` (posted by name when it is not
   * known), or the direct message channel of a user; undefined for an email Slack knows nobody by.
   */
  const channelOf = async (
    destination: Destination,
  ): Promise<{ channel: string; name?: string } | undefined> => {
    if (destination.kind === 'email') {
      let user: string | undefined;
      try {
        user = (await client.users.lookupByEmail({ email: destination.email })).user?.id;
      } catch (error) {
        if (errorCode(error) === 'users_not_found') return undefined;
        throw error;
      }
      return user === undefined ? undefined : { channel: await directMessage(user) };
    }
    const place = slackPlace(destination.id);
    if (place === undefined) {
      throw Object.assign(new Error('not a Slack destination'), { data: { error: 'channel_not_found' } });
    }
    if (place.kind === 'channel') return { channel: place.channel };
    if (place.kind === 'user') return { channel: await directMessage(place.user) };
    return { channel: (await channelByName(place.name)) ?? `#${place.name}`, name: place.name };
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
      const record = recordOf(reply);
      const card = slackConversation(record);
      const copies = slackCards(record).filter((c) => !c.typed);
      if (card !== undefined) {
        // The same delivery again (another process already posted its card): nothing to add.
        if (deliveryKey !== undefined && record?.deliveryKey === deliveryKey) return;
        // A typed approve/deny/cancel of a request whose card is in Slack: update that card, and
        // every copy of it posted for the rule's notify destinations.
        await update(card, result);
        await note(card, `<@${place.user}>: ${escapeMrkdwn(reply.text)}`);
        await follow(copies, result, undefined);
        return;
      }
      const where = await post(place, result);
      await remember(result, where);
      if (isRequestChange(reply)) await follow(copies, result, undefined);
      await tellRouting(place, where, result);
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
      const cards = slackCards(recordOf(reply));
      // The card clicked (the one where the request was typed, or a copy of it) changes in place.
      const card = clicked ?? cards[0]?.card;
      if (card === undefined) {
        await post(place, result);
        return;
      }
      await update(card, result, place.respond);
      const verb = decision === 'approve' ? 'approved' : 'denied';
      const text = `<@${place.user}> ${verb}: ${escapeMrkdwn(reply.text)}`;
      await note(card, text);
      // Every other Slack card of the request follows; where it was typed, the requester is told.
      await follow(
        cards.filter((c) => !sameCard(c.card, card)),
        result,
        text,
      );
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
    async notify({ result, by, only, progress }: RequestUpdate): Promise<void> {
      if (only !== undefined || progress) {
        // Copies just posted, or a running request's progress: the cards change, nobody is pinged.
        const cards =
          only === undefined
            ? slackCards(recordOf(result.reply))
            : only.flatMap((c) => slackCard(c) ?? []).map((card) => ({ card, typed: false }));
        await follow(cards, result, undefined);
        return;
      }
      const cards = slackCards(recordOf(result.reply));
      if (cards.length === 0) return;
      const text = escapeMrkdwn(result.reply.text);
      const decision = decisionOf(result.reply);
      const verb = decision === 'deny' ? 'denied' : decision === 'cancel' ? 'cancelled' : 'approved';
      await follow(
        cards,
        result,
        by === undefined ? text : `${escapeMrkdwn(describeActor(by))} ${verb}: ${text}`,
      );
    },

    /**
     * Posts the card to notify destinations in Slack: a channel (by id, or by #name), or a direct
     * message to a user (by id, or by email: `users.lookupByEmail`, then `conversations.open`).
     * Never into the channel the request was typed in, nor twice into one channel.
     */
    async deliver({ result, destinations, origin, conversation }: Delivery): Promise<Delivered[]> {
      const here = new Set<string>();
      const typedIn = slackOrigin(origin)?.channel ?? slackCard(conversation)?.channel;
      if (typedIn !== undefined) here.add(typedIn);
      const reached = new Set<string>();
      const out: Delivered[] = [];
      for (const destination of destinations) {
        try {
          const place = await channelOf(destination);
          if (place === undefined) {
            out.push({ destination, missing: true });
            continue;
          }
          if (here.has(place.channel)) {
            out.push({ destination, skipped: 'here' });
            continue;
          }
          if (reached.has(place.channel)) {
            out.push({ destination, skipped: 'duplicate' });
            continue;
          }
          const posted = await client.chat.postMessage({
            channel: place.channel,
            unfurl_links: false,
            unfurl_media: false,
            text: notificationText(result),
            blocks: blocksOf(result),
          });
          // chat.update needs the channel id, which Slack answers with (also for a #name).
          const channel = posted.channel ?? place.channel;
          if (place.name !== undefined && posted.channel) names.set(place.name, { id: channel, at: now() });
          reached.add(place.channel).add(channel);
          if (!posted.ts) throw Object.assign(new Error('no ts'), { data: { error: 'no_ts' } });
          const copy: SlackConversation = { platform: 'slack', channel, ts: posted.ts };
          out.push({ destination, posted: copy });
        } catch (error) {
          const code = errorCode(error);
          const hint = slackHint(code);
          out.push({ destination, failed: hint === undefined ? { code } : { code, hint } });
        }
      }
      return out;
    },
  };
}

export type Poster = ReturnType<typeof createPoster>;
