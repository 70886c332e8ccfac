import { randomUUID } from 'node:crypto';
import { replyDocument } from '../../app.ts';
import type { ChatReply } from '../../core/chat.ts';
import { type PlaygroundCards, playgroundCards } from './render.ts';

/** One exchange shown in the playground: what someone typed or clicked, and the bot's card. */
export interface Entry {
  id: number;
  /** ISO time the reply was made. */
  at: string;
  /** Who typed or clicked (an email); for an update, who made the change, or `domainops`. */
  as: string;
  /** `update`: a request shown here changed elsewhere (another platform, or it expired). */
  kind: 'command' | 'decision' | 'update';
  /** The command typed, `approve r-…` / `deny r-…` for a button, or what happened for an update. */
  text: string;
  /** The JSON document of design.md (what `exec --json` prints, without `cards`). */
  reply: Record<string, unknown>;
  /** The card as the page shows it. */
  cards: PlaygroundCards;
  /**
   * The request whose card this is, when the entry shows a request's card (not a refusal or an
   * answer): the card then follows the request, as a Slack card is updated in place.
   */
  requestId?: string;
  /** Starts at 1 and grows each time the entry's card is replaced: the page redraws it. */
  rev: number;
  /** What the requester is told besides the card (notify destinations that could not be reached). */
  notes?: string[];
}

/** What adding an entry did: the new entry, and the earlier entries whose card it replaced. */
export interface Added {
  entry: Entry;
  updated: Entry[];
}

/**
 * Where a request's card is when the playground posted it (kept with the request): where it was
 * typed, or, with `to`, a copy sent to someone for a notify destination (a direct message).
 */
export interface LocalConversation {
  platform: 'local';
  to?: string;
}

export function isLocalConversation(value: unknown): value is LocalConversation {
  return (value as Partial<LocalConversation> | null | undefined)?.platform === 'local';
}

/**
 * The messages shown, in memory for this process (like one shared chat space: every browser
 * tab sees the same conversation). Requests themselves live in the store.
 */
export interface Conversation {
  /**
   * Adds an entry. When it shows a request's card, every earlier card of that request shows
   * the new state too (no card keeps live buttons of a decided request); the entry itself is
   * the history line below them.
   */
  add(
    input: Omit<Entry, 'id' | 'at' | 'reply' | 'cards' | 'rev' | 'requestId' | 'notes'>,
    chat: ChatReply,
  ): Added;
  /**
   * Shows a request's new state on its cards already here, adding no entry (a running request's
   * progress: its card changes in place). Returns the entries whose card changed.
   */
  refresh(chat: ChatReply): Entry[];
  entries(): readonly Entry[];
  /** Different for every conversation: a page that sees it change knows the server restarted. */
  readonly epoch: string;
}

/** A conversation that keeps the last `capacity` entries (default 200). */
export function createConversation(capacity = 200, now: () => number = Date.now): Conversation {
  const list: Entry[] = [];
  /** The request version each following entry shows: an older state never replaces a newer one. */
  const shownVersion = new Map<Entry, number>();
  let next = 1;
  /** Every card of the request here shows this state, unless it shows a newer one already. */
  const follow = (
    record: { id: string; version: number },
    shown: Pick<Entry, 'cards' | 'reply'>,
  ): Entry[] => {
    const updated: Entry[] = [];
    for (const earlier of list) {
      if (earlier.requestId !== record.id) continue;
      if ((shownVersion.get(earlier) ?? 0) > record.version) continue;
      earlier.cards = shown.cards;
      earlier.reply = shown.reply;
      earlier.rev += 1;
      shownVersion.set(earlier, record.version);
      updated.push(earlier);
    }
    return updated;
  };
  return {
    epoch: randomUUID(),
    add(input, chat) {
      const { reply } = chat;
      const record = reply.kind === 'request' ? reply.record : undefined;
      const entry: Entry = {
        ...input,
        id: next++,
        at: new Date(now()).toISOString(),
        reply: replyDocument(reply),
        cards: chat.render(playgroundCards),
        ...(record === undefined ? {} : { requestId: record.id }),
        rev: 1,
      };
      const updated = record === undefined ? [] : follow(record, entry);
      if (record !== undefined) shownVersion.set(entry, record.version);
      list.push(entry);
      if (list.length > capacity) {
        for (const gone of list.splice(0, list.length - capacity)) shownVersion.delete(gone);
      }
      return { entry, updated };
    },
    refresh(chat) {
      const { reply } = chat;
      if (reply.kind !== 'request') return [];
      // Rendered only when a card here shows the request.
      if (!list.some((e) => e.requestId === reply.record.id)) return [];
      return follow(reply.record, { cards: chat.render(playgroundCards), reply: replyDocument(reply) });
    },
    entries: () => list,
  };
}
