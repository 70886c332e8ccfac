import { formatConfigDuration } from '../config/duration.ts';
import type { Explanation } from './policy.ts';

const HOW =
  'Rules are checked in order; the first whose actions, targets, domains and requesters all match ' +
  'decides. A rule whose requesters do not include the requester is skipped and later rules are still ' +
  'checked. When no rule matches, the command is rejected.';

/** The human-readable form of an explanation: one line per rule checked, then the decision. */
export function renderExplanation(e: Omit<Explanation, 'text'>): string {
  const lines = [`Policy check: ${e.command}, requested by ${e.actor}`, HOW];
  if (e.checks.length === 0) lines.push('  (the policy has no rules)');
  for (const c of e.checks) {
    lines.push(`  ${c.index + 1}. "${c.rule}": ${c.matched ? 'matches' : 'no'}: ${c.reasons.join('; ')}`);
  }
  if (e.unchecked > 0) lines.push(`  (${e.unchecked} later rule(s) not checked)`);
  const needs = e.reasonRequired;
  if (needs !== undefined) {
    lines.push(
      `Rule "${e.rule}" requires a reason (the command ends with because <why>): ${needs.given ? 'this command gives one' : 'this command gives none'}.`,
    );
  }
  if (needs !== undefined && !needs.given && e.reject?.code === 'reason_required') {
    lines.push(`Decision: refused: needs a reason. With one: ${granted(e)}.`);
  } else if (e.decision === 'reject') {
    lines.push(`Decision: rejected: ${e.reject?.reason ?? 'no rule matches'}.`);
  } else {
    lines.push(`Decision: ${granted(e)}.`);
  }
  return lines.join('\n');
}

/** What the deciding rule grants: `allowed by rule "r" without approval`, or the approval it needs. */
function granted(e: Omit<Explanation, 'text'>): string {
  const a = e.approval;
  if (a === undefined) return `allowed by rule "${e.rule}" without approval`;
  return (
    `needs approval (rule "${e.rule}"): ${a.count} approval(s) from ${a.approvers.join(', ')} ` +
    `(${a.members.join(', ')}), not counting the requester; the request expires after ${formatConfigDuration(a.expires)}`
  );
}
