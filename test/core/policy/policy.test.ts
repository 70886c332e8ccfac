import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import type { PolicyConfig, PolicyRule } from '../../../src/config/types.ts';
import type { Actor } from '../../../src/core/policy/actor.ts';
import { describeActor, samePerson } from '../../../src/core/policy/actor.ts';
import { domainGlobMatches, principalMatches, subjectDomain } from '../../../src/core/policy/match.ts';
import { evaluate, explain, isEligibleApprover, type PolicyInput } from '../../../src/core/policy/policy.ts';

const alice: Actor = { platform: 'slack', id: 'UALICE', email: 'Alice@Corp.com' };
const bob: Actor = { platform: 'webex', id: 'PBOB', email: 'bob@corp.com' };
const carol: Actor = { platform: 'cli', id: 'carol@corp.com' };
const mallory: Actor = { platform: 'slack', id: 'UMAL', email: 'mallory@evil.com' };
const noEmail: Actor = { platform: 'slack', id: 'U024BE7LH' };

const groups = { admins: ['alice@corp.com', 'bob@corp.com'], helpdesk: ['carol@corp.com', 'webex:PDAVE'] };

function rule(partial: Partial<PolicyRule> & { actions: PolicyRule['actions'] }, index: number): PolicyRule {
  return { name: `rule ${index + 1}`, index, requesters: ['admins'], approval: { kind: 'none' }, ...partial };
}

function policy(...rules: (Partial<PolicyRule> & { actions: PolicyRule['actions'] })[]): PolicyConfig {
  return { groups, rules: rules.map((r, i) => rule(r, i)) };
}

describe('principal matching', () => {
  it.each([
    ['alice@corp.com', alice, true],
    ['ALICE@corp.COM', alice, true],
    ['bob@corp.com', alice, false],
    ['admins', alice, true],
    ['admins', bob, true],
    ['admins', carol, false],
    ['helpdesk', carol, true],
    ['helpdesk', { platform: 'webex', id: 'PDAVE' } as Actor, true],
    ['helpdesk', { platform: 'slack', id: 'PDAVE' } as Actor, false],
    ['slack:U024BE7LH', noEmail, true],
    ['slack:U024BE7LH', { platform: 'webex', id: 'U024BE7LH' } as Actor, false],
    ['slack:u024be7lh', noEmail, false],
    ['webex:PBOB', bob, true],
    ['carol@corp.com', carol, true],
    ['carol@corp.com', { platform: 'local', id: 'Carol@corp.com' } as Actor, true],
    ['carol@corp.com', noEmail, false],
  ] as const)('%s names %o: %s', (principal, actor, expected) => {
    expect(principalMatches(groups, principal, actor)).toBe(expected);
  });

  it('treats the same email on two platforms as one person', () => {
    expect(samePerson(bob, { platform: 'slack', id: 'UBOB', email: 'BOB@corp.com' })).toBe(true);
    expect(samePerson(alice, bob)).toBe(false);
    expect(samePerson(noEmail, { platform: 'slack', id: 'U024BE7LH' })).toBe(true);
    expect(samePerson(noEmail, { platform: 'slack', id: 'UOTHER' })).toBe(false);
  });

  it('describes actors for people', () => {
    expect(describeActor(alice)).toBe('alice@corp.com (slack:UALICE)');
    expect(describeActor(carol)).toBe('carol@corp.com');
    expect(describeActor(noEmail)).toBe('slack:U024BE7LH');
  });
});

describe('domain globs', () => {
  it.each([
    ['*.corp.com', 'a.corp.com', true],
    ['*.corp.com', 'a.b.corp.com', true],
    ['*.corp.com', 'corp.com', false],
    ['*.corp.com', 'evilcorp.com', false],
    ['*.corp.com', 'A.CORP.COM.', true],
    ['corp.com', 'corp.com', true],
    ['corp.com', 'a.corp.com', false],
    ['Corp.Com', 'corp.com', true],
    ['*', 'anything.org', true],
    ['c?rp.com', 'corp.com', false],
  ])('%s vs %s: %s', (glob, domain, expected) => {
    expect(domainGlobMatches(glob, domain)).toBe(expected);
  });

  it('uses the domain part of an email subject', () => {
    expect(subjectDomain('bob@EU.corp.com')).toBe('eu.corp.com');
    expect(subjectDomain('corp.com.')).toBe('corp.com');
  });
});

describe('evaluate', () => {
  const input = (over: Partial<PolicyInput> = {}): PolicyInput => ({
    action: 'unclaim',
    target: 'webex-prod',
    subject: 'a.corp.com',
    actor: alice,
    ...over,
  });
  const approval = { kind: 'required' as const, approvers: ['admins'], count: 1, expires: 1_800_000 };

  it('rejects when no rule matches', () => {
    const decision = evaluate(policy({ actions: ['domain'] }), input());
    expect(decision).toMatchObject({ decision: 'reject', code: 'no_matching_rule' });
    expect(evaluate({ groups, rules: [] }, input()).decision).toBe('reject');
  });

  it('allows without approval, or asks for one', () => {
    expect(evaluate(policy({ actions: ['unclaim'] }), input())).toMatchObject({ decision: 'allow' });
    const decision = evaluate(policy({ actions: ['unclaim'], approval }), input());
    expect(decision).toMatchObject({
      decision: 'approval',
      rule: { name: 'rule 1' },
      approval: {
        approvers: ['admins'],
        members: ['alice@corp.com', 'bob@corp.com'],
        count: 1,
        expires: 1_800_000,
      },
    });
  });

  it('lets the first matching rule win', () => {
    const p = policy({ actions: ['unclaim'], approval }, { actions: ['unclaim'] });
    expect(evaluate(p, input())).toMatchObject({ decision: 'approval', rule: { index: 0 } });
    const q = policy({ actions: ['unclaim'] }, { actions: ['unclaim'], approval });
    expect(evaluate(q, input())).toMatchObject({ decision: 'allow', rule: { index: 0 } });
  });

  it('skips a rule whose requesters do not match and goes on to later rules', () => {
    const p = policy({ actions: ['unclaim'], requesters: ['helpdesk'] }, { actions: ['unclaim'], approval });
    expect(evaluate(p, input())).toMatchObject({ decision: 'approval', rule: { index: 1 } });
    const only = policy({ actions: ['unclaim'], requesters: ['helpdesk'] });
    expect(evaluate(only, input())).toMatchObject({ decision: 'reject', code: 'requester_not_allowed' });
    expect(evaluate(only, input({ actor: carol })).decision).toBe('allow');
  });

  it('limits rules to targets', () => {
    const p = policy({ actions: ['unclaim'], targets: ['webex-test'] });
    expect(evaluate(p, input()).decision).toBe('reject');
    expect(evaluate(p, input({ target: 'webex-test' })).decision).toBe('allow');
    const { target: _target, ...noTarget } = input();
    expect(evaluate(p, noTarget).decision).toBe('reject');
  });

  it('limits rules to domains, matching an email subject by its domain', () => {
    const p = policy({ actions: ['unclaim', 'unassign-owner'], domains: ['*.corp.com', 'corp.com'] });
    expect(evaluate(p, input()).decision).toBe('allow');
    expect(evaluate(p, input({ subject: 'corp.com' })).decision).toBe('allow');
    expect(evaluate(p, input({ subject: 'corp.org' })).decision).toBe('reject');
    expect(evaluate(p, input({ action: 'unassign-owner', subject: 'x@eu.corp.com' })).decision).toBe('allow');
    expect(evaluate(p, input({ action: 'unassign-owner', subject: 'x@corp.org' })).decision).toBe('reject');
    const { subject: _subject, ...noSubject } = input();
    expect(evaluate(p, noSubject).decision).toBe('reject');
  });

  it('matches requesters by platform id', () => {
    const p = policy({ actions: ['unclaim'], requesters: ['slack:U024BE7LH'] });
    expect(evaluate(p, input({ actor: noEmail })).decision).toBe('allow');
    expect(evaluate(p, input({ actor: mallory })).decision).toBe('reject');
  });

  it('tells eligible approvers', () => {
    const r = rule(
      { actions: ['unclaim'], approval: { ...approval, approvers: ['helpdesk', 'alice@corp.com'] } },
      0,
    );
    const p: PolicyConfig = { groups, rules: [r] };
    expect(isEligibleApprover(p, r, alice)).toBe(true);
    expect(isEligibleApprover(p, r, carol)).toBe(true);
    expect(isEligibleApprover(p, r, { platform: 'webex', id: 'PDAVE' })).toBe(true);
    expect(isEligibleApprover(p, r, bob)).toBe(false);
    expect(isEligibleApprover(p, rule({ actions: ['unclaim'] }, 0), alice)).toBe(false);
  });
});

describe('explain', () => {
  const p = policy(
    { name: 'read-only', actions: ['domain', 'validate'], requesters: ['helpdesk', 'admins'] },
    { name: 'helpdesk unclaims', actions: ['unclaim'], requesters: ['helpdesk'] },
    {
      name: 'destructive ops',
      actions: ['unclaim', 'unverify'],
      domains: ['*.corp.com'],
      targets: ['webex-prod'],
      approval: { kind: 'required', approvers: ['admins'], count: 2, expires: 3_600_000 },
    },
    { name: 'never reached', actions: ['unclaim'] },
  );

  it('walks each rule in order and says which decided and what approval it needs', () => {
    const e = explain(p, { action: 'unclaim', target: 'webex-prod', subject: 'abc.corp.com', actor: alice });
    expect(e.decision).toBe('approval');
    expect(e.rule).toBe('destructive ops');
    expect(e.unchecked).toBe(1);
    expect(e.checks.map((c) => [c.rule, c.matched, c.failed])).toEqual([
      ['read-only', false, 'action'],
      ['helpdesk unclaims', false, 'requester'],
      ['destructive ops', true, undefined],
    ]);
    expect(e.text).toMatchInlineSnapshot(`
      "Policy check: unclaim abc.corp.com in webex-prod, requested by alice@corp.com (slack:UALICE)
      Rules are checked in order; the first whose actions, targets, domains and requesters all match decides. A rule whose requesters do not include the requester is skipped and later rules are still checked. When no rule matches, the command is rejected.
        1. "read-only": no: action unclaim is not one of domain, validate
        2. "helpdesk unclaims": no: action unclaim is listed; alice@corp.com (slack:UALICE) is not among the requesters helpdesk: rule skipped
        3. "destructive ops": matches: action unclaim is listed; target webex-prod is listed; domain abc.corp.com matches *.corp.com; requester is in group admins
        (1 later rule(s) not checked)
      Decision: needs approval (rule "destructive ops"): 2 approval(s) from admins (alice@corp.com, bob@corp.com), not counting the requester; the request expires after 1h."
    `);
  });

  it('says why a command is rejected', () => {
    const e = explain(p, { action: 'unverify', target: 'webex-prod', subject: 'corp.com', actor: mallory });
    expect(e.decision).toBe('reject');
    expect(e.reject?.code).toBe('no_matching_rule');
    expect(e.text).toContain('domain corp.com does not match *.corp.com');
    expect(e.text).toContain('Decision: rejected: no policy rule allows unverify corp.com in webex-prod.');
    const r = explain(p, { action: 'domain', target: 'yc', subject: 'corp.com', actor: mallory });
    expect(r.reject?.reason).toBe(
      'mallory@evil.com (slack:UMAL) is not a requester of "read-only", the rule(s) that cover domain corp.com in yc',
    );
  });

  it('explains a policy read from YAML', () => {
    const config = parseConfig(
      [
        'targets:',
        '  webex-prod: { vendor: webex, orgId: org1, auth: { accessToken: env:T } }',
        'policy:',
        '  groups: { admins: [alice@corp.com, bob@corp.com] }',
        '  rules:',
        '    - { actions: [unclaim], domains: ["*.Corp.com."], requesters: [admins],',
        '        approval: { approvers: [admins], count: 1, expires: 30m } }',
      ].join('\n'),
      '/tmp/domainops.yaml',
      {},
    );
    const input = { action: 'unclaim' as const, target: 'webex-prod', subject: 'x.corp.com', actor: alice };
    expect(evaluate(config.policy, input)).toMatchObject({
      decision: 'approval',
      approval: { expires: 1_800_000 },
    });
    expect(explain(config.policy, input).text).toContain('expires after 30m');
  });
});
