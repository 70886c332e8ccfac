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
}

/** Where a request's card is when the playground posted it (kept with the request). */
export interface LocalConversation {
  platform: 'local';
}

export function isLocalConversation(value: unknown): value is LocalConversation {
  return (value as Partial<LocalConversation> | undefined)?.platform === 'local';
}

/**
 * The messages shown, in memory for this process (like one shared chat space: every browser
 * tab sees the same conversation). Requests themselves live in the store.
 */
export interface Conversation {
  add(input: Omit<Entry, 'id' | 'at' | 'reply' | 'cards'>, chat: ChatReply): Entry;
  entries(): readonly Entry[];
}

/** A conversation that keeps the last `capacity` entries (default 200). */
export function createConversation(capacity = 200, now: () => number = Date.now): Conversation {
  const list: Entry[] = [];
  let next = 1;
  return {
    add(input, chat) {
      const entry: Entry = {
        ...input,
        id: next++,
        at: new Date(now()).toISOString(),
        reply: replyDocument(chat.reply),
        cards: chat.render(playgroundCards),
      };
      list.push(entry);
      if (list.length > capacity) list.splice(0, list.length - capacity);
      return entry;
    },
    entries: () => list,
  };
}
