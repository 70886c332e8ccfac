import { describe, expect, it } from 'vitest';
import { VendorError } from '../../adapters/vendor-error.ts';
import { exitCode } from '../../src/core/requests/outcome.ts';
import { createWorkflow } from '../../src/core/requests/workflow.ts';
import {
  alice,
  aliceOnWebex,
  bob,
  bobOnWebex,
  carol,
  dave,
  harness,
  lookup,
  MINUTE,
  mallory,
  resultFor,
  testPolicy,
  unclaim,
} from './helpers.ts';

describe('submit', () => {
  it('stores a pending request with its requirement before answering', async () => {
    const { workflow, store, clock } = harness();
    const outcome = await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice });
    expect(outcome.status).toBe('pending');
    expect(exitCode(outcome)).toBe(0);
    const id = outcome.request!.id;
    expect(id).toMatch(/^r-[0-9a-hjkmnp-tv-z]{8}$/);
    expect(await store.get(id)).toEqual(outcome.request);
    expect(outcome.request).toMatchObject({
      status: 'pending',
      rule: 'destructive',
      subject: 'abc.com',
      approval: { approvers: ['admins'], count: 2, expiresAt: clock.now + 30 * MINUTE },
    });
    expect(outcome.explanation?.decision).toBe('approval');
    expect(await workflow.audit()).toMatchObject([
      {
        requestId: id,
        type: 'submitted',
        to: 'pending',
        actor: { platform: 'slack', id: 'UALICE', email: 'alice@corp.com' },
      },
    ]);
  });

  it('runs at once when the rule needs no approval', async () => {
    const { workflow, vendor } = harness();
    const outcome = await workflow.submit({ target: 'yc', call: lookup(), actor: carol });
    expect(outcome).toMatchObject({
      status: 'succeeded',
      request: { status: 'succeeded', result: resultFor(lookup()) },
    });
    expect(vendor.calls).toHaveLength(1);
    expect((await workflow.audit()).map((e) => `${e.type}:${e.from ?? ''}>${e.to}`)).toEqual([
      'submitted:>approved',
      'executing:approved>executing',
      'succeeded:executing>succeeded',
    ]);
  });

  it('stores and audits a rejected request with the explanation', async () => {
    const { workflow, store, vendor } = harness();
    const outcome = await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: mallory });
    expect(outcome).toMatchObject({ status: 'rejected', error: { code: 'policy_rejected' } });
    expect(exitCode(outcome)).toBe(3);
    expect(outcome.explanation?.text).toContain('Decision: rejected');
    const stored = await store.get(outcome.request!.id);
    expect(stored).toMatchObject({ status: 'rejected', explanation: outcome.explanation?.text });
    expect(await workflow.audit()).toMatchObject([
      { type: 'rejected', to: 'rejected', details: { code: 'requester_not_allowed' } },
    ]);
    expect(vendor.calls).toHaveLength(0);
  });

  it('returns the existing request for a duplicate delivery', async () => {
    const { workflow, store, vendor } = harness();
    const input = { target: 'webex-prod', call: unclaim(), actor: alice, deliveryKey: 'slack:Ev1' };
    const first = await workflow.submit(input);
    const again = await workflow.submit(input);
    expect(again.request?.id).toBe(first.request?.id);
    const read = { target: 'yc', call: lookup(), actor: alice, deliveryKey: 'slack:Ev2' };
    const both = await Promise.all([workflow.submit(read), workflow.submit(read), workflow.submit(read)]);
    expect(new Set(both.map((o) => o.request?.id)).size).toBe(1);
    expect(vendor.calls).toHaveLength(1);
    expect(await store.listByStatus(['pending', 'succeeded'])).toHaveLength(2);
  });

  it('returns the existing request when a duplicate delivery loses the insert race', async () => {
    const { store, vendor, clock } = harness();
    let n = 0;
    const workflows = [0, 1].map(() =>
      createWorkflow({
        policy: testPolicy(),
        store,
        execute: vendor.execute,
        now: () => clock.now,
        newId: () => `r-race000${n++}`,
      }),
    );
    const input = { target: 'webex-prod', call: unclaim(), actor: alice, deliveryKey: 'webex:msg1' };
    const [a, b] = await Promise.all(workflows.map((w) => w.submit(input)));
    expect(a?.request?.id).toBe(b?.request?.id);
  });
});

describe('approvals', () => {
  it('never counts the requester, on any platform', async () => {
    const { workflow, vendor } = harness();
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    for (const self of [alice, aliceOnWebex, { platform: 'cli' as const, id: 'ALICE@corp.com' }]) {
      const outcome = await workflow.approve(id, self);
      expect(outcome).toMatchObject({
        status: 'pending',
        refusal: { kind: 'not_allowed', reason: 'approve_own_request' },
      });
      expect(exitCode(outcome)).toBe(3);
    }
    expect((await workflow.get(id))?.approvals).toEqual([]);
    expect(vendor.calls).toHaveLength(0);
    expect((await workflow.audit()).filter((e) => e.type === 'refused')).toHaveLength(3);
  });

  it('counts each approver once, across platforms', async () => {
    const { workflow, vendor } = harness();
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    expect(await workflow.approve(id, bob)).toMatchObject({ status: 'pending' });
    expect(await workflow.approve(id, bob)).toMatchObject({ refusal: { reason: 'already_approved' } });
    expect(await workflow.approve(id, bobOnWebex)).toMatchObject({ refusal: { reason: 'already_approved' } });
    expect(vendor.calls).toHaveLength(0);
    const done = await workflow.approve(id, carol);
    expect(done).toMatchObject({
      status: 'succeeded',
      request: { approvals: [{ actor: bob }, { actor: carol }] },
    });
    expect(vendor.calls).toEqual([{ target: 'webex-prod', call: unclaim() }]);
  });

  it('refuses people who are not approvers', async () => {
    const { workflow } = harness();
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    const outcome = await workflow.approve(id, mallory);
    expect(outcome).toMatchObject({ refusal: { kind: 'not_allowed', reason: 'not_an_approver' } });
    expect(exitCode(outcome)).toBe(3);
  });

  it('executes at most once under concurrent clicks', async () => {
    const { workflow, vendor } = harness({ count: 1 });
    vendor.behave(async (_t, call) => {
      await new Promise((r) => setTimeout(r, 5));
      return resultFor(call);
    });
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    const clicks = [bob, carol, dave, bobOnWebex, bob, carol, dave].map((a) => workflow.approve(id, a));
    const outcomes = await Promise.all(clicks);
    expect(vendor.calls).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'succeeded' && !o.refusal)).toHaveLength(1);
    for (const o of outcomes.filter((x) => x.refusal)) expect([3, 6]).toContain(exitCode(o));
    expect((await workflow.audit(100)).filter((e) => e.type === 'executing')).toHaveLength(1);
  });

  it('executes at most once when two workflows share a store', async () => {
    const { store, vendor, clock } = harness();
    const make = () =>
      createWorkflow({ policy: testPolicy(1), store, execute: vendor.execute, now: () => clock.now });
    const [one, two] = [make(), make()];
    const id = (await one.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    await Promise.all([one.approve(id, bob), two.approve(id, carol), two.approve(id, dave)]);
    expect(vendor.calls).toHaveLength(1);
  });

  it('stores the approvals and the executing state before calling the vendor', async () => {
    const { workflow, store, vendor } = harness({ count: 1 });
    const seen: unknown[] = [];
    vendor.behave(async (_t, call) => {
      const [request] = await store.listByStatus(['executing']);
      seen.push(
        request?.status,
        request?.approvals.map((a) => a.actor.id),
      );
      return resultFor(call);
    });
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    const outcome = await workflow.approve(id, bob);
    expect(seen).toEqual(['executing', ['UBOB']]);
    expect(await store.get(id)).toEqual(outcome.request);
  });
});

describe('deny and cancel', () => {
  it('lets any eligible approver end the request with a deny', async () => {
    const { workflow, vendor } = harness();
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    await workflow.approve(id, bob);
    expect(await workflow.deny(id, mallory)).toMatchObject({ refusal: { reason: 'not_an_approver' } });
    expect(await workflow.deny(id, aliceOnWebex)).toMatchObject({ refusal: { reason: 'deny_own_request' } });
    const denied = await workflow.deny(id, dave, 'wrong domain');
    expect(denied).toMatchObject({
      status: 'denied',
      request: { denial: { actor: dave, reason: 'wrong domain' } },
    });
    expect(exitCode(denied)).toBe(0);
    const late = await workflow.approve(id, carol);
    expect(late).toMatchObject({
      status: 'denied',
      refusal: { kind: 'not_open' },
      error: { code: 'request_not_open' },
    });
    expect(exitCode(late)).toBe(6);
    expect(exitCode(await workflow.deny(id, carol))).toBe(6);
    expect(vendor.calls).toHaveLength(0);
    expect((await workflow.audit()).at(-1)).toMatchObject({ type: 'denied', from: 'pending', to: 'denied' });
  });

  it('lets the requester or an approver cancel, nobody else', async () => {
    const { workflow } = harness();
    const a = (await workflow.submit({ target: 'webex-prod', call: unclaim('a.com'), actor: alice })).request!
      .id;
    const b = (await workflow.submit({ target: 'webex-prod', call: unclaim('b.com'), actor: alice })).request!
      .id;
    expect(await workflow.cancel(a, mallory)).toMatchObject({ refusal: { reason: 'not_allowed_to_cancel' } });
    expect(await workflow.cancel(a, aliceOnWebex)).toMatchObject({
      status: 'cancelled',
      request: { cancellation: { actor: aliceOnWebex } },
    });
    expect(await workflow.cancel(b, bob)).toMatchObject({ status: 'cancelled' });
    expect(exitCode(await workflow.cancel(b, alice))).toBe(6);
  });

  it('reports an unknown id as not open', async () => {
    const { workflow } = harness();
    for (const outcome of [
      await workflow.approve('r-nothere0', bob),
      await workflow.deny('r-x', bob),
      await workflow.cancel('r-y', bob),
    ]) {
      expect(outcome).toMatchObject({ refusal: { kind: 'not_open' }, error: { code: 'request_not_found' } });
      expect(outcome.status).toBeUndefined();
      expect(exitCode(outcome)).toBe(6);
    }
  });

  it('accepts an id typed in upper case', async () => {
    const { workflow } = harness({ count: 1 });
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    expect(await workflow.approve(` ${id.toUpperCase()} `, bob)).toMatchObject({ status: 'succeeded' });
  });
});

describe('expiry', () => {
  it('expires a pending request on access, for approvals too', async () => {
    const { workflow, clock, vendor } = harness({ count: 1 });
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    clock.now += 30 * MINUTE;
    const outcome = await workflow.approve(id, bob);
    expect(outcome).toMatchObject({ status: 'expired', refusal: { kind: 'not_open' } });
    expect(exitCode(outcome)).toBe(6);
    expect(vendor.calls).toHaveLength(0);
    expect((await workflow.get(id))?.status).toBe('expired');
    expect((await workflow.audit()).at(-1)).toMatchObject({
      type: 'expired',
      actor: { platform: 'system' },
      from: 'pending',
    });
  });

  it('expires overdue requests in a sweep and leaves the others', async () => {
    const { workflow, clock } = harness();
    const old = (await workflow.submit({ target: 'webex-prod', call: unclaim('old.com'), actor: alice }))
      .request!.id;
    clock.now += 20 * MINUTE;
    const fresh = (await workflow.submit({ target: 'webex-prod', call: unclaim('new.com'), actor: alice }))
      .request!.id;
    clock.now += 15 * MINUTE;
    expect((await workflow.sweep()).map((r) => r.id)).toEqual([old]);
    expect(await workflow.sweep()).toEqual([]);
    expect((await workflow.pending()).map((r) => r.id)).toEqual([fresh]);
    clock.now += 15 * MINUTE;
    expect(await workflow.pending()).toEqual([]);
    expect((await workflow.get(fresh))?.status).toBe('expired');
  });
});

describe('policy re-check at approval', () => {
  it('rejects the request when the policy no longer allows it', async () => {
    const { workflow, policy, vendor } = harness({ count: 1 });
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    policy.current = { ...policy.current, groups: { admins: ['bob@corp.com', 'carol@corp.com'] } };
    const outcome = await workflow.approve(id, bob);
    expect(outcome).toMatchObject({ status: 'rejected', error: { code: 'policy_rejected' } });
    expect(outcome.error?.message).toContain('the policy no longer allows this request');
    expect(exitCode(outcome)).toBe(3);
    expect(vendor.calls).toHaveLength(0);
    expect((await workflow.get(id))?.status).toBe('rejected');
    expect((await workflow.audit()).at(-1)).toMatchObject({ type: 'rejected', details: { recheck: true } });
  });

  it('refuses an approver who is no longer eligible and drops their earlier approval', async () => {
    const { workflow, policy, vendor } = harness({ count: 2 });
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    await workflow.approve(id, bob);
    const rules = testPolicy(2).rules;
    policy.current = {
      groups: { ...policy.current.groups, approvers: ['carol@corp.com', 'dave@corp.com'] },
      rules: rules.map((r) =>
        r.approval.kind === 'required' ? { ...r, approval: { ...r.approval, approvers: ['approvers'] } } : r,
      ),
    };
    expect(await workflow.approve(id, bobOnWebex)).toMatchObject({ refusal: { reason: 'not_an_approver' } });
    expect(await workflow.approve(id, carol)).toMatchObject({ status: 'pending' });
    expect(vendor.calls).toHaveLength(0);
    expect(await workflow.approve(id, dave)).toMatchObject({ status: 'succeeded' });
  });

  it('applies a raised approval count', async () => {
    const { workflow, policy, vendor } = harness({ count: 1 });
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    policy.current = testPolicy(2);
    expect(await workflow.approve(id, bob)).toMatchObject({
      status: 'pending',
      request: { approval: { count: 2 } },
    });
    expect(vendor.calls).toHaveLength(0);
  });
});

describe('vendor outcomes', () => {
  const failing = (error: unknown) => async () => {
    const { workflow, vendor } = harness({ count: 1 });
    vendor.behave(async () => {
      throw error;
    });
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    return { outcome: await workflow.approve(id, bob), stored: await workflow.get(id) };
  };

  it('stores a vendor error as failed (exit 4)', async () => {
    const error = new VendorError({
      vendor: 'webex',
      code: 'vendor_not_found',
      message: 'no such domain',
      status: 404,
      requestId: 'trk1',
      hint: 'check the domain',
    });
    const { outcome, stored } = await failing(error)();
    expect(outcome).toMatchObject({
      status: 'failed',
      error: { code: 'vendor_not_found', message: 'no such domain', hint: 'check the domain' },
    });
    expect(exitCode(outcome)).toBe(4);
    expect(stored?.error).toEqual({
      code: 'vendor_not_found',
      message: 'no such domain',
      hint: 'check the domain',
      vendor: 'webex',
      status: 404,
      requestId: 'trk1',
    });
  });

  it('stores an outcome-unknown vendor error as unknown (exit 5)', async () => {
    const error = new VendorError({
      vendor: 'webex',
      code: 'vendor_timeout',
      message: 'timed out',
      outcome: 'unknown',
    });
    const { outcome } = await failing(error)();
    expect(outcome).toMatchObject({ status: 'unknown', error: { code: 'vendor_timeout' } });
    expect(exitCode(outcome)).toBe(5);
  });

  it('stores any other exception as unknown', async () => {
    const { outcome, stored } = await failing(new TypeError('socket hang up'))();
    expect(outcome).toMatchObject({ status: 'unknown', error: { code: 'outcome_unknown' } });
    expect(stored?.error?.message).toContain('socket hang up');
  });
});

describe('recover', () => {
  it('marks a request left executing as unknown, never runs it again, and keeps a late result', async () => {
    const { workflow, store, vendor, clock } = harness({ count: 1 });
    let finishCall: () => void = () => {};
    vendor.behave((_t, call) => new Promise((resolve) => (finishCall = () => resolve(resultFor(call)))));
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    const running = workflow.approve(id, bob);
    await new Promise((r) => setTimeout(r, 10));
    expect((await store.get(id))?.status).toBe('executing');

    const restarted = createWorkflow({
      policy: testPolicy(1),
      store,
      execute: vendor.execute,
      now: () => clock.now,
    });
    const { unknown, resumed } = await restarted.recover();
    expect(unknown.map((r) => [r.id, r.status, r.error?.code])).toEqual([[id, 'unknown', 'interrupted']]);
    expect(resumed).toEqual([]);
    expect((await restarted.recover()).unknown).toEqual([]);
    expect(exitCode(await restarted.approve(id, carol))).toBe(6);
    expect(vendor.calls).toHaveLength(1);
    expect((await restarted.audit()).at(-1)).toMatchObject({
      type: 'unknown',
      from: 'executing',
      actor: { platform: 'system' },
    });

    finishCall();
    expect(await running).toMatchObject({ status: 'succeeded' });
    expect((await restarted.audit()).at(-1)).toMatchObject({
      type: 'succeeded',
      from: 'unknown',
      details: { late: true },
    });
    expect((await store.get(id))?.error).toBeUndefined();
  });

  it('runs a request left approved exactly once', async () => {
    const { workflow, store, vendor } = harness({ count: 1 });
    const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    const pending = (await store.get(id))!;
    await store.compareAndSet(id, pending.version, { ...pending, status: 'approved' }, []);
    const { resumed } = await workflow.recover();
    expect(resumed.map((o) => o.status)).toEqual(['succeeded']);
    expect((await workflow.recover()).resumed).toEqual([]);
    expect(vendor.calls).toHaveLength(1);
  });
});

describe('conversation slot', () => {
  it('keeps opaque platform data without an audit event', async () => {
    const { workflow } = harness();
    const id = (
      await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice, conversation: { a: 1 } })
    ).request!.id;
    const before = (await workflow.audit()).length;
    expect(await workflow.setConversation(id, { channel: 'C1', ts: '1.2' })).toMatchObject({
      conversation: { channel: 'C1', ts: '1.2' },
    });
    expect(await workflow.setConversation('r-missing0', {})).toBeUndefined();
    expect((await workflow.audit()).length).toBe(before);
  });
});
