/** The policy of a batch: one decision, every item allowed by the same rule. */
import { describe, expect, it } from 'vitest';
import type { PolicyConfig } from '../../../src/config/types.ts';
import type { Actor } from '../../../src/core/policy/actor.ts';
import { evaluateBatch } from '../../../src/core/policy/batch.ts';
import { evaluate } from '../../../src/core/policy/policy.ts';

const alice: Actor = { platform: 'slack', id: 'UALICE', email: 'alice@corp.com' };

const policy: PolicyConfig = {
  groups: { admins: ['alice@corp.com', 'bob@corp.com'] },
  rules: [
    {
      name: 'corp domains',
      index: 0,
      actions: ['unclaim'],
      domains: ['*.corp.com'],
      requesters: ['admins'],
      approval: { kind: 'required', approvers: ['admins'], count: 1, expires: 1_800_000 },
    },
    {
      name: 'lab domains',
      index: 1,
      actions: ['unclaim'],
      domains: ['*.lab.org'],
      requesters: ['admins'],
      approval: { kind: 'none' },
    },
    {
      name: 'with reason',
      index: 2,
      actions: ['unverify'],
      requesters: ['admins'],
      approval: { kind: 'none' },
      reason: 'required',
    },
  ],
};

const ask = (subjects: string[], action = 'unclaim', reason?: string) =>
  evaluateBatch(policy, {
    action,
    target: 'webex-prod',
    subjects,
    actor: alice,
    ...(reason === undefined ? {} : { reason }),
  });

describe('evaluateBatch', () => {
  it('one subject is exactly evaluate', () => {
    const input = { action: 'unclaim', target: 'webex-prod', actor: alice };
    expect(ask(['a.corp.com'])).toEqual(evaluate(policy, { ...input, subject: 'a.corp.com' }));
    expect(ask(['a.other.com'])).toEqual(evaluate(policy, { ...input, subject: 'a.other.com' }));
  });

  it("decides a batch whose items are all allowed by the same rule, once, with that rule's approval", () => {
    const decision = ask(['a.corp.com', 'b.corp.com', 'c.eu.corp.com']);
    expect(decision.decision).toBe('approval');
    if (decision.decision !== 'approval') return;
    expect(decision.rule.name).toBe('corp domains');
    expect(decision.approval.count).toBe(1);
    expect(decision.explanation.text).toContain(
      'Batch of 3: every item is decided by rule "corp domains" the same way (a.corp.com, b.corp.com, c.eu.corp.com).',
    );
    expect(ask(['x.lab.org', 'y.lab.org']).decision).toBe('allow');
  });

  it('rejects a batch with one item the policy does not allow, naming it', () => {
    const decision = ask(['a.corp.com', 'evil.com', 'b.corp.com']);
    expect(decision.decision).toBe('reject');
    if (decision.decision !== 'reject') return;
    expect(decision.code).toBe('no_matching_rule');
    expect(decision.reason).toBe(
      '1 of the 3 items is not allowed (evil.com): no policy rule allows unclaim evil.com in webex-prod',
    );
    expect(decision.explanation.decision).toBe('reject');
    expect(decision.explanation.text).toContain(
      'Batch of 3: rejected, since every item must be allowed; not allowed: evil.com.',
    );
  });

  it('rejects a batch whose items are decided by different rules, naming the rules and items', () => {
    const decision = ask(['a.corp.com', 'x.lab.org', 'b.corp.com']);
    expect(decision.decision).toBe('reject');
    if (decision.decision !== 'reject') return;
    expect(decision.code).toBe('mixed_rules');
    expect(decision.reason).toBe(
      'the items of this batch are decided by different policy rules (rule "corp domains": a.corp.com, b.corp.com; rule "lab domains": x.lab.org); send the items of each rule as a separate command',
    );
    expect(decision.explanation.reject?.code).toBe('mixed_rules');
  });

  it('a rule that needs a reason says how to give one, for the whole batch', () => {
    const without = ask(['a.com', 'b.com'], 'unverify');
    expect(without.decision).toBe('reject');
    if (without.decision === 'reject') expect(without.code).toBe('reason_required');
    expect(ask(['a.com', 'b.com'], 'unverify', 'INC-1').decision).toBe('allow');
  });

  it('lists at most ten rejected items, then how many more', () => {
    const subjects = Array.from({ length: 30 }, (_, i) => `d${i}.evil.com`);
    const decision = ask(subjects);
    if (decision.decision !== 'reject') throw new Error('expected a rejection');
    expect(decision.reason).toContain('30 of the 30 items are not allowed (d0.evil.com, d1.evil.com,');
    expect(decision.reason).toContain('d9.evil.com and 20 more)');
  });
});
