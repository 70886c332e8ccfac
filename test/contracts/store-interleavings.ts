/**
 * The store contract's property: random batches of concurrent submits, approvals, denials,
 * cancellations, clock jumps, sweeps and restarts (with vendor calls that succeed, fail, throw or
 * never return) never execute a request twice, never let a requester approve, never lose a
 * request. Run by test/contracts/store.ts for every store module.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VendorCall, VendorResult } from '../../adapters/types.ts';
import type { PolicyConfig } from '../../src/config/types.ts';
import { VendorFailure } from '../../src/core/errors.ts';
import { type Actor, samePerson } from '../../src/core/policy/actor.ts';
import { approverMatches } from '../../src/core/policy/policy.ts';
import { verifyAuditChain } from '../../src/core/requests/audit-chain.ts';
import { REQUEST_STATUSES } from '../../src/core/requests/model.ts';
import type { Outcome } from '../../src/core/requests/outcome.ts';
import type { RequestStore } from '../../src/core/requests/store.ts';
import { createWorkflow, type Workflow } from '../../src/core/requests/workflow.ts';
import {
  alice,
  aliceOnWebex,
  bob,
  bobOnWebex,
  carol,
  dave,
  MINUTE,
  mallory,
  resultFor,
} from '../core/requests/helpers.ts';
import type { ContractStore } from './store.ts';

const ACTORS: Actor[] = [alice, aliceOnWebex, bob, bobOnWebex, carol, dave, mallory];
const POLICY: PolicyConfig = {
  groups: { admins: ['alice@corp.com', 'bob@corp.com', 'carol@corp.com', 'dave@corp.com'] },
  rules: [
    { name: 'reads', index: 0, actions: ['domain'], requesters: ['admins'], approval: { kind: 'none' } },
    {
      name: 'one approval',
      index: 1,
      actions: ['unverify'],
      requesters: ['admins'],
      approval: { kind: 'required', approvers: ['admins'], count: 1, expires: 30 * MINUTE },
    },
    {
      name: 'two approvals',
      index: 2,
      actions: ['unclaim'],
      requesters: ['admins'],
      approval: { kind: 'required', approvers: ['admins'], count: 2, expires: 30 * MINUTE },
    },
  ],
};

type Mode = 'ok' | 'slow' | 'fail' | 'unknown' | 'throw' | 'hang';
type Op =
  | { kind: 'submit'; actor: number; action: 'unclaim' | 'unverify' | 'domain'; key: number | null }
  | { kind: 'approve' | 'deny' | 'cancel'; request: number; actor: number }
  | { kind: 'advance'; minutes: number }
  | { kind: 'sweep' }
  | { kind: 'restart' };

const actorIx = fc.integer({ min: 0, max: ACTORS.length - 1 });
const requestIx = fc.nat(40);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      actor: actorIx,
      action: fc.constantFrom('unclaim' as const, 'unverify' as const, 'domain' as const),
      key: fc.option(fc.nat(4)),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('approve' as const), request: requestIx, actor: actorIx }),
    weight: 5,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('deny' as const), request: requestIx, actor: actorIx }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), request: requestIx, actor: actorIx }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 40 }) }),
    weight: 1,
  },
  { arbitrary: fc.constant({ kind: 'sweep' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'restart' as const }), weight: 1 },
);
const modes = fc.array(fc.constantFrom<Mode>('ok', 'ok', 'slow', 'fail', 'unknown', 'throw', 'hang'), {
  minLength: 1,
});

/** Which operation a vendor call belongs to, so a call that never returns stops only that operation. */
const context = new AsyncLocalStorage<{ hung: () => void }>();

async function scenario(
  open: () => Promise<ContractStore>,
  batches: Op[][],
  behaviour: Mode[],
): Promise<void> {
  const clock = { now: Date.UTC(2030, 0, 1) };
  const calls = new Map<string, number>();
  let nextMode = 0;
  let domains = 0;
  const ids: string[] = [];
  const deliveries = new Map<
    number,
    { target: string; call: VendorCall; actor: Actor; deliveryKey?: string }
  >();

  const execute = async (_target: string, call: VendorCall): Promise<VendorResult> => {
    const subject = 'domain' in call ? call.domain : 'email' in call ? call.email : call.action;
    calls.set(subject, (calls.get(subject) ?? 0) + 1);
    const mode = behaviour[nextMode++ % behaviour.length]!;
    if (mode === 'slow') await new Promise((r) => setImmediate(r));
    if (mode === 'fail')
      throw new VendorFailure('vendor_conflict', 'no', { vendor: 'acme', outcome: 'failed' });
    if (mode === 'unknown')
      throw new VendorFailure('vendor_timeout', '?', { vendor: 'acme', outcome: 'unknown' });
    if (mode === 'throw') throw new Error('socket hang up');
    if (mode === 'hang') {
      // The process "dies" in the middle of the call: this promise never settles.
      context.getStore()?.hung();
      return new Promise<never>(() => {});
    }
    return resultFor(call);
  };
  const opened = await open();
  let store: RequestStore = opened.store;
  const flowOver = (s: RequestStore): Workflow =>
    createWorkflow({ policy: POLICY, store: s, execute, now: () => clock.now });
  let workflow = flowOver(store);

  /** Runs an operation until it settles or its vendor call hangs. */
  const guarded = (fn: () => Promise<unknown>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      context.run({ hung: () => resolve('hung') }, () => fn().then(resolve, reject));
    });

  const apply = async (o: Op): Promise<unknown> => {
    switch (o.kind) {
      case 'submit': {
        const actor = ACTORS[o.actor]!;
        const domain = `d${domains++}.example`;
        const call: VendorCall =
          o.action === 'unverify'
            ? { action: 'unverify', domain, removePending: false }
            : { action: o.action, domain };
        // A delivery key seen before is a redelivery: the same person, command and target again.
        // (A key reused for another submission is refused: see test/core/requests/delivery-key.test.ts.)
        const fresh = {
          target: 'webex-prod',
          call,
          actor,
          ...(o.key === null ? {} : { deliveryKey: `k${o.key}` }),
        };
        const input = o.key === null ? fresh : (deliveries.get(o.key) ?? fresh);
        if (o.key !== null) deliveries.set(o.key, input);
        const outcome = (await guarded(() => workflow.submit(input))) as Outcome | 'hung';
        if (outcome !== 'hung' && outcome.request) ids.push(outcome.request.id);
        return outcome;
      }
      case 'approve':
      case 'deny':
      case 'cancel': {
        const id = ids.length === 0 ? 'r-none0000' : ids[o.request % ids.length]!;
        const actor = ACTORS[o.actor]!;
        const before = await workflow.get(id);
        const outcome = (await guarded(() => workflow[o.kind](id, actor))) as Outcome | 'hung';
        if (o.kind !== 'cancel' && before && samePerson(before.requester, actor) && outcome !== 'hung') {
          // A requester never approves (or denies) their own request.
          expect(outcome.refusal).toBeDefined();
        }
        return outcome;
      }
      case 'advance':
        clock.now += o.minutes * MINUTE;
        return;
      case 'sweep': {
        // Every request overdue when the sweep began is expired; the sweep finds them by their
        // deadline, so one that falls due while it runs (a clock jump) is the next sweep's.
        const began = clock.now;
        await workflow.sweep();
        for (const r of await store.listByStatus(['pending']))
          expect(r.approval!.expiresAt).toBeGreaterThan(began);
        return;
      }
      case 'restart': {
        // The process dies: a new workflow, over the same data reopened when the store can be.
        if (opened.reopen) store = await opened.reopen();
        workflow = flowOver(store);
        await guarded(() => workflow.recover());
        expect(await store.listByStatus(['executing', 'approved'])).toEqual([]);
        return;
      }
    }
  };

  const check = async (): Promise<void> => {
    for (const [subject, n] of calls) expect(n, `vendor calls for ${subject}`).toBe(1);
    for (const id of ids) expect(await store.get(id), `request ${id} is lost`).toBeDefined();
    for (const r of await store.listByStatus(REQUEST_STATUSES)) {
      const n = calls.get(r.subject) ?? 0;
      for (const a of r.approvals) expect(samePerson(a.actor, r.requester)).toBe(false);
      r.approvals.forEach((a, i) => {
        expect(r.approvals.slice(i + 1).some((b) => samePerson(a.actor, b.actor))).toBe(false);
      });
      if (['pending', 'approved', 'denied', 'expired', 'cancelled', 'rejected'].includes(r.status))
        expect(n).toBe(0);
      if (r.status === 'succeeded' || r.status === 'failed' || r.status === 'executing') expect(n).toBe(1);
      if (r.status === 'rejected') expect(r.requester).toEqual(mallory);
      if (n > 0 && r.approval) {
        const eligible = r.approvals.filter((a) => approverMatches(POLICY, r.approval!.approvers, a.actor));
        expect(eligible.length).toBeGreaterThanOrEqual(r.approval.count);
      }
      if (r.denial) expect(samePerson(r.denial.actor, r.requester)).toBe(false);
    }
    // Concurrent writers, failed writes and restarts leave one intact hash chain.
    expect(await verifyAuditChain(store)).toMatchObject({ ok: true });
  };

  try {
    for (const batch of batches) {
      const restart = batch.some((o) => o.kind === 'restart');
      await Promise.all(batch.filter((o) => o.kind !== 'restart').map(apply));
      if (restart) await apply({ kind: 'restart' });
      await check();
    }
  } finally {
    await opened.cleanup();
  }
}

/** The property, as a `describe` of the store contract, over stores from `open`. */
export function interleavings(open: () => Promise<ContractStore>, numRuns: number): void {
  describe('the workflow under random interleavings, clock jumps and restarts', () => {
    it('never executes twice, never lets a requester approve, never loses a request', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { maxLength: 30 }),
          modes,
          (batches, behaviour) => scenario(open, batches, behaviour),
        ),
        { numRuns },
      );
    });
  });
}
