/**
 * Leases on executing requests: the process running a vendor call renews its lease every third
 * of it on the process clock; another process reports the request `unknown` once the lease has
 * run out (once, audited once) and nobody runs it again; a live process's requests are left
 * alone. Two workflows over one store stand for two processes; the test clock moves time.
 */
import { describe, expect, it } from 'vitest';
import type { VendorCall, VendorResult } from '../../src/core/ports.ts';
import type { LeaseRenewal } from '../../src/core/requests/execution.ts';
import type { RequestStore } from '../../src/core/requests/store.ts';
import { createWorkflow } from '../../src/core/requests/workflow.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { alice, bob, carol, resultFor, testPolicy, unclaim } from '../core/requests/helpers.ts';
import { createTestClock, type TestClock } from '../helpers/clock.ts';
import { createGate, type Gate } from '../helpers/gate.ts';

const LEASE = 60_000;

/** A "process": a workflow with its own owner id over the shared store, on the shared clock. */
function processOn(
  store: RequestStore,
  clock: TestClock,
  options: {
    /** Default: this process's (host, pid and a random part). */
    owner?: string;
    execute?: (target: string, call: VendorCall) => Promise<VendorResult>;
    wait?: 'dead';
  } = {},
) {
  const renewals: LeaseRenewal[] = [];
  let told: (() => void) | undefined;
  /** Resolves once `n` renewals were attempted. */
  const renewed = async (n: number): Promise<void> => {
    while (renewals.length < n) await new Promise<void>((resolve) => (told = resolve));
  };
  const calls: string[] = [];
  const workflow = createWorkflow({
    policy: testPolicy(1),
    store,
    now: clock.now,
    lease: LEASE,
    ...(options.owner === undefined ? {} : { owner: options.owner }),
    // A process that died renews nothing: its heartbeat never wakes.
    wait:
      options.wait === 'dead'
        ? (_ms, signal) =>
            new Promise<void>((_resolve, reject) =>
              signal.addEventListener('abort', () => reject(signal.reason)),
            )
        : clock.sleep,
    onLeaseRenewal: (outcome) => {
      renewals.push(outcome);
      told?.();
    },
    execute: async (target, call) => {
      calls.push(String(call.domain));
      return options.execute ? options.execute(target, call) : vendorResult(call);
    },
  });
  return { workflow, renewals, renewed, calls };
}

/** The fake vendor's answer to a call. */
const vendorResult = (call: VendorCall): VendorResult => resultFor(call as Parameters<typeof resultFor>[0]);

/** A vendor call held at a gate. */
function held(gate: Gate) {
  return async (_target: string, call: VendorCall): Promise<VendorResult> => {
    await gate.wait();
    return vendorResult(call);
  };
}

describe('leases on executing requests', () => {
  it('are renewed every third of the lease while the vendor call runs, and dropped with the result', async () => {
    const clock = createTestClock();
    const store = openSqliteStore(':memory:');
    const gate = createGate();
    const a = processOn(store, clock, { owner: 'host-a:1:aaaaaa', execute: held(gate) });
    const b = processOn(store, clock, { owner: 'host-b:2:bbbbbb' });
    const id = (await a.workflow.submit({ target: 'webex-prod', call: unclaim('one.com'), actor: alice }))
      .request!.id;
    const running = a.workflow.approve(id, bob);
    await gate.reached;
    const started = await store.get(id);
    expect(started).toMatchObject({
      status: 'executing',
      lease: { owner: 'host-a:1:aaaaaa', until: clock.now() + LEASE },
    });

    // Three beats: each writes a new deadline, so the lease never runs out while the call runs.
    for (let beat = 1; beat <= 3; beat++) {
      await clock.advance(LEASE / 3);
      await clock.sleeping();
      expect((await store.get(id))?.lease?.until).toBe(clock.now() + LEASE);
      expect(await b.workflow.expireLeases()).toEqual([]);
    }
    expect(a.renewals).toEqual(['renewed', 'renewed', 'renewed']);
    // A renewal is no state change: no audit event.
    expect((await store.listAudit({ limit: 50, requestId: id })).map((e) => e.type)).toEqual([
      'submitted',
      'approved',
      'executing',
    ]);

    gate.open();
    // The result is written over the latest version (the renewals moved it on).
    expect(await running).toMatchObject({ status: 'succeeded' });
    const done = await store.get(id);
    expect(done?.lease).toBeUndefined();
    expect(clock.pending()).toEqual([]);
    expect(a.calls).toEqual(['one.com']);
  });

  it('run out when the process dies: another reports the request unknown, once, and nobody runs it again', async () => {
    const clock = createTestClock();
    const store = openSqliteStore(':memory:');
    const gate = createGate();
    // The dead process: its vendor call never answers and its heartbeat never beats.
    const dead = processOn(store, clock, { owner: 'host-a:1:aaaaaa', execute: held(gate), wait: 'dead' });
    const b = processOn(store, clock, { owner: 'host-b:2:bbbbbb' });
    const c = processOn(store, clock, { owner: 'host-c:3:cccccc' });
    const id = (await dead.workflow.submit({ target: 'webex-prod', call: unclaim('two.com'), actor: alice }))
      .request!.id;
    void dead.workflow.approve(id, bob);
    await gate.reached;

    // A live lease is left alone, by the periodic check and by recovery at another's start.
    await clock.advance(LEASE - 1);
    expect(await b.workflow.expireLeases()).toEqual([]);
    expect((await b.workflow.recover()).unknown).toEqual([]);
    expect((await store.get(id))?.status).toBe('executing');

    await clock.advance(1);
    // Two processes check at the same moment: one reports it.
    const [fromB, fromC] = await Promise.all([b.workflow.expireLeases(), c.workflow.expireLeases()]);
    const reported = [...fromB, ...fromC];
    expect(reported.map((r) => [r.id, r.status, r.error?.code])).toEqual([[id, 'unknown', 'interrupted']]);
    expect(reported[0]?.error?.message).toMatch(/stopped answering \(its lease ran out\)/);
    expect(await b.workflow.expireLeases()).toEqual([]);
    const events = await store.listAudit({ limit: 50, requestId: id });
    expect(events.filter((e) => e.type === 'unknown')).toEqual([
      expect.objectContaining({
        from: 'executing',
        actor: { platform: 'system', id: 'domainops' },
        details: expect.objectContaining({ reason: 'lease_expired', owner: 'host-a:1:aaaaaa' }),
      }),
    ]);
    // Never run again: not by an approval, not by recovery.
    expect((await c.workflow.approve(id, carol)).refusal).toEqual({ kind: 'not_open' });
    expect((await c.workflow.recover()).resumed).toEqual([]);
    expect([...dead.calls, ...b.calls, ...c.calls]).toEqual(['two.com']);
  });

  it('of this process are left alone, even when a renewal could not be written in time', async () => {
    const clock = createTestClock();
    const store = openSqliteStore(':memory:');
    const gate = createGate();
    const a = processOn(store, clock, { owner: 'host-a:1:aaaaaa', execute: held(gate), wait: 'dead' });
    const id = (await a.workflow.submit({ target: 'webex-prod', call: unclaim('three.com'), actor: alice }))
      .request!.id;
    const running = a.workflow.approve(id, bob);
    await gate.reached;
    await clock.advance(2 * LEASE);
    expect(await a.workflow.expireLeases()).toEqual([]);
    gate.open();
    expect(await running).toMatchObject({ status: 'succeeded' });
  });

  it('that another process took over are lost: counted, and the late result still lands, marked late', async () => {
    const clock = createTestClock();
    const store = openSqliteStore(':memory:');
    const gate = createGate();
    const a = processOn(store, clock, { owner: 'host-a:1:aaaaaa', execute: held(gate) });
    const b = processOn(store, clock, { owner: 'host-b:2:bbbbbb' });
    const id = (await a.workflow.submit({ target: 'webex-prod', call: unclaim('four.com'), actor: alice }))
      .request!.id;
    const running = a.workflow.approve(id, bob);
    await gate.reached;
    // The store is slow to A (a long pause): B finds the lease run out before A's next beat.
    const record = (await store.get(id))!;
    await store.compareAndSet(
      id,
      record.version,
      { ...record, lease: { ...record.lease!, until: clock.now() } },
      [],
    );
    expect((await b.workflow.expireLeases()).map((r) => r.status)).toEqual(['unknown']);
    await clock.advance(LEASE / 3);
    await a.renewed(1);
    expect(a.renewals).toEqual(['lost']);
    gate.open();
    expect(await running).toMatchObject({ status: 'succeeded' });
    expect((await store.listAudit({ limit: 1, requestId: id }))[0]).toMatchObject({
      type: 'succeeded',
      from: 'unknown',
      details: { late: true },
    });
  });

  it('of a process that ran on this host and is gone are reported at start without waiting', async () => {
    const clock = createTestClock();
    const store = openSqliteStore(':memory:');
    const gate = createGate();
    // An earlier workflow of this very process stands for the process before a restart.
    const before = processOn(store, clock, { execute: held(gate) });
    const id = (
      await before.workflow.submit({ target: 'webex-prod', call: unclaim('five.com'), actor: alice })
    ).request!.id;
    void before.workflow.approve(id, bob);
    await gate.reached;
    const lease = (await store.get(id))!.lease!;
    expect(lease.until).toBeGreaterThan(clock.now());
    const after = createWorkflow({
      policy: testPolicy(1),
      store,
      now: clock.now,
      execute: async (_t, c) => vendorResult(c),
    });
    const { unknown } = await after.recover();
    expect(unknown.map((r) => [r.id, r.error?.message])).toEqual([
      [id, expect.stringMatching(/^domainops stopped while request .* was running/)],
    ]);
    gate.open();
  });
});
