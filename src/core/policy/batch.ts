/**
 * The policy for a batch (`unclaim a.com b.com c.com`): one request, so one decision and one
 * approval. Each item is evaluated as the command with that one subject (domain globs per item);
 * the batch is decided only when every item is allowed by the same rule. A batch with any item
 * the policy rejects, or with items decided by different rules (which could ask for different
 * approvals), is rejected naming the items, so that nothing is approved by a rule that does not
 * cover it.
 */
import type { PolicyConfig } from '../config/types.ts';
import { type Decision, evaluate, type PolicyInput } from './policy.ts';

/** What the policy is asked about a batch: the command once per subject. */
export interface BatchPolicyInput extends Omit<PolicyInput, 'subject'> {
  /** The batch's subjects (domains or emails), in order; one subject is a plain command. */
  subjects: readonly string[];
}

/** Subjects as a message lists them: at most `max`, then how many more. */
export function listSubjects(subjects: readonly string[], max = 10): string {
  if (subjects.length <= max) return subjects.join(', ');
  return `${subjects.slice(0, max).join(', ')} and ${subjects.length - max} more`;
}

/**
 * Decides a batch. One subject (or none) is exactly `evaluate`. Otherwise every item is
 * evaluated; the decision is the first item's when all are decided by the same rule (its
 * explanation says so), and a rejection naming the items otherwise.
 */
export function evaluateBatch(policy: PolicyConfig, input: BatchPolicyInput): Decision {
  const { subjects, ...base } = input;
  if (subjects.length <= 1) {
    const [subject] = subjects;
    return evaluate(policy, subject === undefined ? base : { ...base, subject });
  }
  const decided = subjects.map((subject) => ({ subject, decision: evaluate(policy, { ...base, subject }) }));
  const n = subjects.length;
  const rejected = decided.filter((d) => d.decision.decision === 'reject');
  const first = rejected[0];
  if (first !== undefined && first.decision.decision === 'reject') {
    // The one rule of every item needs a reason: its own words say how to add one.
    if (
      rejected.length === n &&
      rejected.every((d) => d.decision.decision === 'reject' && d.decision.code === 'reason_required')
    )
      return first.decision;
    const names = rejected.map((d) => d.subject);
    const reason = `${rejected.length} of the ${n} items ${rejected.length === 1 ? 'is' : 'are'} not allowed (${listSubjects(names)}): ${first.decision.reason}`;
    const text = `${first.decision.explanation.text}\nBatch of ${n}: rejected, since every item must be allowed; not allowed: ${listSubjects(names, 20)}.`;
    return {
      ...first.decision,
      reason,
      explanation: {
        ...first.decision.explanation,
        reject: { code: first.decision.code, reason },
        text,
      },
    };
  }
  const byRule = new Map<string, string[]>();
  for (const d of decided) {
    if (d.decision.decision === 'reject') continue;
    const name = d.decision.rule.name;
    byRule.set(name, [...(byRule.get(name) ?? []), d.subject]);
  }
  const head = decided[0]!.decision;
  if (byRule.size > 1) {
    const groups = [...byRule].map(([rule, names]) => `rule "${rule}": ${listSubjects(names, 5)}`);
    const reason = `the items of this batch are decided by different policy rules (${groups.join('; ')}); send the items of each rule as a separate command`;
    const text = `${head.explanation.text}\nBatch of ${n}: rejected, since its items are decided by different rules: ${groups.join('; ')}.`;
    return {
      decision: 'reject',
      code: 'mixed_rules',
      reason,
      explanation: {
        ...head.explanation,
        decision: 'reject',
        reject: { code: 'mixed_rules', reason },
        text,
      },
    };
  }
  const rule = head.decision === 'reject' ? '' : head.rule.name;
  return {
    ...head,
    explanation: {
      ...head.explanation,
      text: `${head.explanation.text}\nBatch of ${n}: every item is decided by rule "${rule}" the same way (${listSubjects(subjects, 20)}).`,
    },
  };
}
