import type { webApi } from '@slack/bolt';
import { type Clock, systemClock } from '../../core/clock.ts';
import type { Actor } from '../../core/policy/actor.ts';

/** Why a Slack user cannot act through domainops, shown to them as an ephemeral message. */
export const NO_EMAIL_TEXT =
  'domainops needs your Slack profile email to check what you may do, and could not read it. ' +
  'Ask a workspace admin to make sure your profile has an email address and that the domainops app ' +
  'has the users:read.email scope (reinstall the app after adding it).';

export interface IdentityOptions {
  /** How long a looked-up person is remembered (default 10 minutes). */
  ttlMs?: number;
  /** How many people are remembered at most (default 1000). */
  maxEntries?: number;
  /** The process clock's `now` (real time by default): the TTL runs on it. */
  now?: Clock['now'];
}

/** Who a Slack user is: their user id and the email of their profile. */
export interface Identities {
  /** The actor, or undefined when Slack has no email for the user or `users.info` failed. */
  actor(userId: string): Promise<Actor | undefined>;
}

/**
 * Identities from `users.info` (scope `users:read.email`). Usernames are neither unique nor stable,
 * so a person is their user id plus the profile email. Found people are cached with a TTL and a
 * bounded size (oldest first out); failures are not cached, so a fixed profile works at once.
 */
export function createIdentities(client: webApi.WebClient, options: IdentityOptions = {}): Identities {
  const ttl = options.ttlMs ?? 10 * 60_000;
  const max = options.maxEntries ?? 1000;
  const now = options.now ?? systemClock.now;
  const cache = new Map<string, { actor: Actor; expires: number }>();

  return {
    async actor(userId) {
      const hit = cache.get(userId);
      if (hit && hit.expires > now()) return hit.actor;
      cache.delete(userId);
      let user: webApi.UsersInfoResponse['user'];
      try {
        user = (await client.users.info({ user: userId })).user;
      } catch {
        return undefined;
      }
      const email = user?.profile?.email?.trim();
      if (!user || !email || user.deleted || user.is_bot) return undefined;
      const name = user.profile?.real_name || user.real_name || user.name;
      const actor: Actor = { platform: 'slack', id: userId, email, ...(name ? { name } : {}) };
      cache.set(userId, { actor, expires: now() + ttl });
      if (cache.size > max) cache.delete(cache.keys().next().value!);
      return actor;
    },
  };
}
