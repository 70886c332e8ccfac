import { describe, expect, it } from 'vitest';
import { VendorError } from '../../../adapters/vendor-error.ts';
import { exitCode } from '../../../src/core/requests/outcome.ts';
import {
  alice,
  aliceOnWebex,
  bob,
  bobOnWebex,
  carol,
  dave,
  harness,
  mallory,
  testPolicy,
  unclaim,
} from './helpers.ts';

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
