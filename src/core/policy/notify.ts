/**
 * A rule's `notify`: where its approval card (or, for a rule that needs no approval, its outcome
 * card) is posted besides where the request was typed. An entry is `<platform>:<id>` (a place or
 * a person of that platform, as its module reads the id), an email (a direct message on every
 * platform that knows the address) or a group of `policy.groups` (the same for each member; a
 * member written as `<platform>:<user id>` is reached on that platform only).
 */
import type { PolicyConfig, PolicyRule } from '../config/types.ts';
import { EMAIL_PATTERN } from '../vocabulary.ts';
import { type Actor, actorEmail } from './actor.ts';

/** `<platform>:<rest>`: the platform's name and its own id of a place or a person. */
const PLATFORM_ENTRY = /^([a-z][a-z0-9-]*):(.*)$/s;

/** A platform as the loader sees it when it checks notify entries. */
export interface NotifyPlatform {
  name: string;
  /**
   * What is wrong with `<name>:<id>` as a notify destination, or undefined when the platform can
   * post there. Absent: the platform takes no notify destinations of its own.
   */
  destination?: (id: string) => string | undefined;
}

/** A problem with one notify entry: its index in the list and what is wrong. */
export interface NotifyIssue {
  index: number;
  message: string;
}

/**
 * What is wrong with a rule's notify entries: each must be an email, a group of `groups`, or
 * `<platform>:<id>` of a platform module that takes destinations, with an id it accepts. A
 * platform that is known but not configured is not an issue here (`check-config` warns, and the
 * destination is skipped while that platform does not run).
 */
export function notifyIssues(
  entries: readonly string[],
  groups: PolicyConfig['groups'],
  platforms: readonly NotifyPlatform[],
): NotifyIssue[] {
  const takers = platforms.filter((p) => p.destination !== undefined);
  const forms = takers.map((p) => `${p.name}:…`).join(', ');
  const issues: NotifyIssue[] = [];
  entries.forEach((entry, index) => {
    if (EMAIL_PATTERN.test(entry) || Object.hasOwn(groups, entry)) return;
    const prefixed = PLATFORM_ENTRY.exec(entry);
    if (prefixed) {
      const [, name, id] = prefixed as unknown as [string, string, string];
      const platform = platforms.find((p) => p.name === name);
      if (platform === undefined) {
        issues.push({
          index,
          message: `"${entry}" names no chat platform${forms ? ` (destinations are ${forms})` : ''}`,
        });
      } else if (platform.destination === undefined) {
        issues.push({ index, message: `the ${name} platform takes no notify destinations of its own` });
      } else {
        const problem = id.trim() === '' ? 'is empty' : platform.destination(id);
        if (problem !== undefined) issues.push({ index, message: `"${entry}": the ${name} id ${problem}` });
      }
      return;
    }
    const example = takers[0] === undefined ? '' : `, e.g. ${takers[0].name}:${entry}`;
    issues.push({
      index,
      message: `"${entry}" is not an email, a group defined in policy.groups or <platform>:<id>${forms ? ` (${forms})` : ''}; a channel or space is written with its platform${example}`,
    });
  });
  return issues;
}

/** One place or person a card is posted to, as the chat service hands it to a platform. */
export type NotifyTarget =
  /** `<platform>:<id>` (the rule's entry, or a member of a group): that platform only. */
  | { kind: 'id'; platform: string; id: string; entry: string; group?: string }
  /** A person by email (the rule's entry, or a member of a group): every platform that knows them. */
  | { kind: 'email'; email: string; entry: string; group?: string };

/** How a target is shown to people: the entry, and the group it came from. */
export function describeTarget(target: NotifyTarget): string {
  return target.group === undefined ? target.entry : `${target.entry} (${target.group})`;
}

/** One key per place or person: the same one named twice (directly and in a group) is posted to once. */
export function targetKey(target: NotifyTarget): string {
  return target.kind === 'email' ? `email:${target.email}` : `${target.platform}:${target.id}`;
}

/**
 * The places and people a rule's notify stands for: groups expanded, each once, in the order
 * written, and never the requester (they see their request where they typed it).
 */
export function notifyTargets(policy: PolicyConfig, rule: PolicyRule, requester: Actor): NotifyTarget[] {
  const out = new Map<string, NotifyTarget>();
  const requesterEmail = actorEmail(requester);
  const add = (entry: string, group?: string): void => {
    const prefixed = PLATFORM_ENTRY.exec(entry);
    const at = group === undefined ? {} : { group };
    let target: NotifyTarget;
    if (prefixed) {
      const [, platform, id] = prefixed as unknown as [string, string, string];
      if (platform === requester.platform && id === requester.id) return;
      target = { kind: 'id', platform, id, entry, ...at };
    } else if (EMAIL_PATTERN.test(entry)) {
      const email = entry.toLowerCase();
      if (email === requesterEmail) return;
      target = { kind: 'email', email, entry, ...at };
    } else return;
    const key = targetKey(target);
    if (!out.has(key)) out.set(key, target);
  };
  for (const entry of rule.notify ?? []) {
    if (Object.hasOwn(policy.groups, entry))
      for (const member of policy.groups[entry] ?? []) add(member, entry);
    else add(entry);
  }
  return [...out.values()];
}
