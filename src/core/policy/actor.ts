import { EMAIL_PATTERN } from '../vocabulary.ts';

/** Who did something, as the platform told us (never from message text). */
export interface Actor {
  /** The platform module's name, or `cli`. */
  platform: string;
  /** The platform's user id; where people are known by email only (CLI, playground) the email. */
  id: string;
  email?: string;
  name?: string;
}

/** The actor's email in lower case: `email`, or an id that is an email; undefined when unknown. */
export function actorEmail(actor: Actor): string | undefined {
  const email = actor.email ?? (EMAIL_PATTERN.test(actor.id) ? actor.id : undefined);
  return email?.toLowerCase();
}

/**
 * Whether two actors are the same person: the same email (case-insensitive) on any platform, or
 * the same platform user id. This is what "each approver counts once" and "the requester never
 * counts as an approver" compare by.
 */
export function samePerson(a: Actor, b: Actor): boolean {
  if (a.platform === b.platform && a.id === b.id) return true;
  const ea = actorEmail(a);
  return ea !== undefined && ea === actorEmail(b);
}

/** `alice@corp.com (chat:U024BE7LH)`; `alice@corp.com` when the id is the email; `chat:U024BE7LH` without email. */
export function describeActor(actor: Actor): string {
  const email = actorEmail(actor);
  const platformId = `${actor.platform}:${actor.id}`;
  if (email === undefined) return platformId;
  return actor.id.toLowerCase() === email ? email : `${email} (${platformId})`;
}
