import type { Actor } from '../../core/policy/actor.ts';
import type { WebexMessage, WebexPerson } from './framework.ts';

const MENTION = /<spark-mention\b[^>]*\bdata-object-id="([^"]+)"[^>]*>(.*?)<\/spark-mention>/g;
const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e);
}

/**
 * The command in a message: the text without a leading mention of the bot. In a group space
 * Webex puts the mention into `text` as the bot's display name (or whatever part of it the
 * sender kept), and into `html` as a `<spark-mention>` of the bot's person id. The framework
 * does not remove it.
 */
export function commandText(message: Pick<WebexMessage, 'text' | 'html'>, bot: WebexPerson): string {
  const text = (message.text ?? '').replace(/\s+/g, ' ').trim();
  const names = new Set<string>();
  for (const [, id, label] of (message.html ?? '').matchAll(MENTION)) {
    if (id === bot.id && label) names.add(decodeEntities(label).trim());
  }
  if (bot.displayName) names.add(bot.displayName.trim());
  const lower = text.toLowerCase();
  for (const name of [...names].sort((a, b) => b.length - a.length)) {
    if (name === '' || !lower.startsWith(name.toLowerCase())) continue;
    const rest = text.slice(name.length);
    if (rest === '' || rest.startsWith(' ')) return rest.trim();
  }
  return text;
}

/**
 * The actor of a Webex person as the API returned it: person id and first email. Undefined
 * without an email, since the policy names people by email.
 */
export function actorFromPerson(person: WebexPerson): Actor | undefined {
  const email = person.emails?.[0];
  if (!email) return undefined;
  return {
    platform: 'webex',
    id: person.id,
    email,
    ...(person.displayName ? { name: person.displayName } : {}),
  };
}

/** Where a request's card was posted, kept with the request (`workflow.setConversation`). */
export interface WebexConversation {
  platform: 'webex';
  roomId: string;
  /** The card message. */
  messageId: string;
  /** The thread the card was posted in, when it was a reply. */
  parentId?: string;
}

export function isWebexConversation(value: unknown): value is WebexConversation {
  const v = value as Partial<WebexConversation> | undefined;
  return v?.platform === 'webex' && typeof v.roomId === 'string' && typeof v.messageId === 'string';
}

/**
 * Where a command was typed, stored with its request (`MessageInput.origin`): the space and the
 * thread it was written in, if any. A request with no card is shown here when recovery at start
 * settles it. A type, not an interface: it is stored as JSON (`Record<string, unknown>`).
 */
export type WebexOrigin = {
  platform: 'webex';
  roomId: string;
  /** The thread the command was written in. */
  parentId?: string;
};

export function isWebexOrigin(value: unknown): value is WebexOrigin {
  const v = value as Partial<WebexOrigin> | null | undefined;
  return (
    v?.platform === 'webex' &&
    typeof v.roomId === 'string' &&
    v.roomId !== '' &&
    (v.parentId === undefined || typeof v.parentId === 'string')
  );
}

/** The data of our Approve / Deny `Action.Submit` buttons. */
export interface SubmitInputs {
  domainops: 'approve' | 'deny';
  requestId: string;
}

export function isSubmitInputs(value: unknown): value is SubmitInputs {
  const v = value as Partial<SubmitInputs> | undefined;
  return (v?.domainops === 'approve' || v?.domainops === 'deny') && typeof v.requestId === 'string';
}
