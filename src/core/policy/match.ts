import type { PolicyConfig } from '../config/types.ts';
import { type Actor, actorEmail } from './actor.ts';

/**
 * Whether one principal names the actor. A principal is a group name (any of its members), a
 * platform id (`<platform>:<user id>`: platform and id must both match, the id exactly) or an
 * email (case-insensitive, against the email the platform gave us).
 */
export function principalMatches(groups: PolicyConfig['groups'], principal: string, actor: Actor): boolean {
  if (Object.hasOwn(groups, principal)) {
    return (groups[principal] ?? []).some((member) => memberMatches(member, actor));
  }
  return memberMatches(principal, actor);
}

function memberMatches(principal: string, actor: Actor): boolean {
  const platformId = /^([a-z][a-z0-9-]*):(.+)$/.exec(principal);
  if (platformId) return actor.platform === platformId[1] && actor.id === platformId[2];
  const email = actorEmail(actor);
  return email !== undefined && email === principal.toLowerCase();
}

/** The first principal of the list that names the actor, or undefined. */
export function matchingPrincipal(
  groups: PolicyConfig['groups'],
  principals: readonly string[],
  actor: Actor,
): string | undefined {
  return principals.find((p) => principalMatches(groups, p, actor));
}

/** Every member a list of principals stands for (groups expanded), without duplicates. */
export function expandPrincipals(groups: PolicyConfig['groups'], principals: readonly string[]): string[] {
  return [...new Set(principals.flatMap((p) => (Object.hasOwn(groups, p) ? (groups[p] ?? []) : [p])))];
}

/** Lower case, no trailing dot: how rule domains and subjects are compared. */
export function normaliseDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * The domain a rule's `domains` globs are matched against: the domain itself, or for an email
 * subject (`unassign-owner`) the part after the `@`, so `*.corp.com` covers `bob@eu.corp.com`.
 */
export function subjectDomain(subject: string): string {
  const at = subject.lastIndexOf('@');
  return normaliseDomain(at >= 0 ? subject.slice(at + 1) : subject);
}

/**
 * Whether a domain glob matches a domain, case-insensitively. `*` stands for one or more
 * characters, dots included: `*.corp.com` matches `a.corp.com` and `a.b.corp.com` but not
 * `corp.com`; a glob without `*` matches exactly.
 */
export function domainGlobMatches(glob: string, domain: string): boolean {
  const pattern = normaliseDomain(glob)
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.+');
  return new RegExp(`^${pattern}$`).test(normaliseDomain(domain));
}

/**
 * Whether the policy names the actor anywhere (a group, a rule's requesters or approvers).
 * Someone it does not know is told only the short reason of a refusal, not the rule-by-rule
 * trace, which names groups and rules.
 */
export function knownToPolicy(policy: PolicyConfig, actor: Actor): boolean {
  const principals = new Set<string>(Object.keys(policy.groups));
  for (const rule of policy.rules) {
    for (const p of rule.requesters) principals.add(p);
    if (rule.approval.kind === 'required') for (const p of rule.approval.approvers) principals.add(p);
  }
  return [...principals].some((p) => principalMatches(policy.groups, p, actor));
}
