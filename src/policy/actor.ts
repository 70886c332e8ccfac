/** Who did something, as the platform told us (never from message text). */
export interface Actor {
  platform: 'slack' | 'webex' | 'cli' | 'local';
  /** The platform's user id (Slack user id, Webex person id); for `cli` and `local` the email. */
  id: string;
  email?: string;
  name?: string;
}

/** The actor's email in lower case: `email`, or the id of a CLI/local actor; undefined when unknown. */
export function actorEmail(actor: Actor): string | undefined {
  const email =
    actor.email ?? (actor.platform === 'cli' || actor.platform === 'local' ? actor.id : undefined);
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

/** `alice@corp.com (slack:U024BE7LH)`, `alice@corp.com` for CLI actors, `slack:U024BE7LH` without email. */
export function describeActor(actor: Actor): string {
  const email = actorEmail(actor);
  const platformId = `${actor.platform}:${actor.id}`;
  if (email === undefined) return platformId;
  return actor.platform === 'cli' || actor.platform === 'local' ? email : `${email} (${platformId})`;
}
