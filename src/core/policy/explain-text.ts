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
  if (e.decision === 'reject') {
    lines.push(`Decision: rejected: ${e.reject?.reason ?? 'no rule matches'}.`);
  } else if (e.decision === 'allow') {
    lines.push(`Decision: allowed by rule "${e.rule}" without approval.`);
  } else if (e.approval) {
    const a = e.approval;
    lines.push(
      `Decision: needs approval (rule "${e.rule}"): ${a.count} approval(s) from ${a.approvers.join(', ')} ` +
        `(${a.members.join(', ')}), not counting the requester; the request expires after ${formatConfigDuration(a.expires)}.`,
    );
  }
  return lines.join('\n');
}
