import type { PolicyConfig, PolicyRule } from '../config/types.ts';
import type { Action } from '../vocabulary.ts';
import { type Actor, describeActor } from './actor.ts';
import { renderExplanation } from './explain-text.ts';
import { domainGlobMatches, expandPrincipals, matchingPrincipal, subjectDomain } from './match.ts';

/** What the policy is asked about. `subject` is the domain or email a vendor action works on. */
export interface PolicyInput {
  action: Action;
  target?: string;
  subject?: string;
  actor: Actor;
  /** The requester's reason (`because …`), for rules with `reason: required`. */
  reason?: string;
}

/** An approval a rule requires, with its principals expanded to members for display. */
export interface RequiredApproval {
  approvers: string[];
  /** Group members and plain principals named by `approvers`. */
  members: string[];
  count: number;
  /** Milliseconds a request waits for approval before it expires. */
  expires: number;
}

/** The part of a rule that stopped it from deciding. */
export type RuleFailure = 'action' | 'target' | 'domain' | 'requester';

/** One rule looked at, in order: whether it matched and why (or why not). */
export interface RuleCheck {
  rule: string;
  index: number;
  matched: boolean;
  failed?: RuleFailure;
  reasons: string[];
}

/**
 * `no_matching_rule`: no rule covers the command; `requester_not_allowed`: some do, none for this
 * requester; `mixed_rules`: the items of a batch are decided by different rules (./batch.ts).
 */
export type RejectCode = 'no_matching_rule' | 'requester_not_allowed' | 'reason_required' | 'mixed_rules';

/** Why the policy decided what it did, structured and as text (`text`) for people. */
export interface Explanation {
  command: string;
  actor: string;
  checks: RuleCheck[];
  /** Rules after the deciding one, which were not looked at. */
  unchecked: number;
  decision: 'allow' | 'approval' | 'reject';
  rule?: string;
  approval?: RequiredApproval;
  reject?: { code: RejectCode; reason: string };
  /**
   * The deciding rule has `reason: required`: whether the command gave one (`because …`). Without
   * one the decision is `reject` (`reason_required`), and `rule` and `approval` say what a reason
   * would get: `approval` present, needs approval; absent, allowed without.
   */
  reasonRequired?: { given: boolean };
  text: string;
}

/** The policy's answer; every variant carries the explanation that led to it. */
export type Decision =
  | { decision: 'allow'; rule: PolicyRule; explanation: Explanation }
  | { decision: 'approval'; rule: PolicyRule; approval: RequiredApproval; explanation: Explanation }
  | { decision: 'reject'; code: RejectCode; reason: string; explanation: Explanation };

/**
 * Decides a command: the first rule whose actions, targets, domains and requesters all match
 * wins. A rule whose scope matches but whose requesters do not is skipped and the search goes
 * on, so a broader later rule can still grant the command; no rule at all means reject.
 */
export function evaluate(policy: PolicyConfig, input: PolicyInput): Decision {
  const { decider, explanation } = run(policy, input);
  if (decider === undefined || explanation.decision === 'reject') {
    const reject = explanation.reject!;
    return { decision: 'reject', code: reject.code, reason: reject.reason, explanation };
  }
  if (decider.approval.kind === 'none') return { decision: 'allow', rule: decider, explanation };
  return { decision: 'approval', rule: decider, approval: explanation.approval!, explanation };
}

/**
 * Each rule checked in order, which rule decided, what approval it needs or why the command is
 * rejected: the decision `evaluate` makes for the same input (a rule that needs a reason rejects
 * the command without `input.reason`, and says what a reason would get).
 */
export function explain(policy: PolicyConfig, input: PolicyInput): Explanation {
  return run(policy, input).explanation;
}

/** Whether the actor is among the rule's approvers (the requester exclusion is the workflow's job). */
export function isEligibleApprover(policy: PolicyConfig, rule: PolicyRule, actor: Actor): boolean {
  return rule.approval.kind === 'required' && approverMatches(policy, rule.approval.approvers, actor);
}

/** Whether the actor is named by a list of approver principals under the policy's groups. */
export function approverMatches(policy: PolicyConfig, approvers: readonly string[], actor: Actor): boolean {
  return matchingPrincipal(policy.groups, approvers, actor) !== undefined;
}

/** The approval a rule requires, members expanded; undefined for `approval: none`. */
export function requiredApproval(policy: PolicyConfig, rule: PolicyRule): RequiredApproval | undefined {
  if (rule.approval.kind === 'none') return undefined;
  const { approvers, count, expires } = rule.approval;
  return { approvers, members: expandPrincipals(policy.groups, approvers), count, expires };
}

function run(policy: PolicyConfig, input: PolicyInput): { decider?: PolicyRule; explanation: Explanation } {
  const checks: RuleCheck[] = [];
  let decider: PolicyRule | undefined;
  for (const rule of policy.rules) {
    const check = checkRule(policy, rule, input);
    checks.push(check);
    if (check.matched) {
      decider = rule;
      break;
    }
  }
  const command = describeCommand(input);
  const actor = describeActor(input.actor);
  const base = { command, actor, checks, unchecked: policy.rules.length - checks.length };
  let explanation: Omit<Explanation, 'text'>;
  if (decider === undefined) {
    const scoped = checks.filter((c) => c.failed === 'requester').map((c) => `"${c.rule}"`);
    const reject =
      scoped.length > 0
        ? {
            code: 'requester_not_allowed' as const,
            reason: `${actor} is not a requester of ${scoped.join(', ')}, the rule(s) that cover ${command}`,
          }
        : { code: 'no_matching_rule' as const, reason: `no policy rule allows ${command}` };
    explanation = { ...base, decision: 'reject', reject };
  } else {
    const approval = requiredApproval(policy, decider);
    const withApproval = approval === undefined ? {} : { approval };
    if (decider.reason === 'required') {
      const given = (input.reason ?? '').trim() !== '';
      const reasonRequired = { given };
      explanation = given
        ? {
            ...base,
            decision: approval === undefined ? 'allow' : 'approval',
            rule: decider.name,
            ...withApproval,
            reasonRequired,
          }
        : {
            ...base,
            decision: 'reject',
            rule: decider.name,
            ...withApproval,
            reject: {
              code: 'reason_required',
              reason: `rule "${decider.name}" needs a reason: end the command with because <why>, e.g. ${command} because <ticket or why>`,
            },
            reasonRequired,
          };
    } else {
      explanation =
        approval === undefined
          ? { ...base, decision: 'allow', rule: decider.name }
          : { ...base, decision: 'approval', rule: decider.name, approval };
    }
  }
  return {
    ...(decider === undefined ? {} : { decider }),
    explanation: { ...explanation, text: renderExplanation(explanation) },
  };
}

function checkRule(policy: PolicyConfig, rule: PolicyRule, input: PolicyInput): RuleCheck {
  const reasons: string[] = [];
  const fail = (failed: RuleFailure, reason: string): RuleCheck => ({
    rule: rule.name,
    index: rule.index,
    matched: false,
    failed,
    reasons: [...reasons, reason],
  });

  if (!rule.actions.includes(input.action)) {
    return fail('action', `action ${input.action} is not one of ${rule.actions.join(', ')}`);
  }
  reasons.push(`action ${input.action} is listed`);

  if (rule.targets !== undefined) {
    if (input.target === undefined)
      return fail('target', `the rule is limited to targets ${rule.targets.join(', ')}`);
    if (!rule.targets.includes(input.target)) {
      return fail('target', `target ${input.target} is not one of ${rule.targets.join(', ')}`);
    }
    reasons.push(`target ${input.target} is listed`);
  }

  if (rule.domains !== undefined) {
    if (input.subject === undefined) {
      return fail(
        'domain',
        `the rule is limited to domains ${rule.domains.join(', ')} and ${input.action} has none`,
      );
    }
    const domain = subjectDomain(input.subject);
    const of = domain === input.subject.toLowerCase() ? domain : `${domain} (of ${input.subject})`;
    const glob = rule.domains.find((g) => domainGlobMatches(g, domain));
    if (glob === undefined) return fail('domain', `domain ${of} does not match ${rule.domains.join(', ')}`);
    reasons.push(`domain ${of} matches ${glob}`);
  }

  const requester = matchingPrincipal(policy.groups, rule.requesters, input.actor);
  if (requester === undefined) {
    return fail(
      'requester',
      `${describeActor(input.actor)} is not among the requesters ${rule.requesters.join(', ')}: rule skipped`,
    );
  }
  reasons.push(
    Object.hasOwn(policy.groups, requester)
      ? `requester is in group ${requester}`
      : `requester is ${requester}`,
  );
  return { rule: rule.name, index: rule.index, matched: true, reasons };
}

function describeCommand(input: PolicyInput): string {
  return [input.action, input.subject, input.target === undefined ? undefined : `in ${input.target}`]
    .filter((part) => part !== undefined)
    .join(' ');
}
