/**
 * Batches in the workflow: one request, one decision, one approval; items run a few at a time,
 * each stored `running` before its call and with its outcome after it; progress stored at a
 * bounded rate; an interrupted batch keeps what finished, and nothing runs twice.
 */
import { describe, expect, it } from 'vitest';
import type { VendorCall as WebexCall } from '../../../adapters/types.ts';
import { VendorError } from '../../../adapters/vendor-error.ts';
import type { VendorCall, VendorResult } from '../../../src/core/ports.ts';
import type { RebuildRequest } from '../../../src/core/requests/decisions.ts';
import { approvalDigest, requestDigest } from '../../../src/core/requests/digest.ts';
import { noticeKey, type RequestRecord } from '../../../src/core/requests/model.ts';
import { exitCode } from '../../../src/core/requests/outcome.ts';
import type { RequestStore } from '../../../src/core/requests/store.ts';
import { createWorkflow, type SubmitInput, type Workflow } from '../../../src/core/requests/workflow.ts';
import { openSqliteStore } from '../../../src/stores/sqlite/store.ts';
import { createTestClock, type TestClock } from '../../helpers/clock.ts';
import { createGate, type Gate } from '../../helpers/gate.ts';
import { alice, bob, resultFor, testPolicy, unclaim } from './helpers.ts';

/** The helpers' result of a call (the calls here are the helpers' Webex unclaims). */
const result = (call: VendorCall): VendorResult => resultFor(call as WebexCall);

const TARGET = 'webex-prod';

function batchInput(domains: readonly string[], extra: Partial<SubmitInput> = {}): SubmitInput {
  const items = domains.map((d) => ({ subject: d, call: unclaim(d) }));
  return { target: TARGET, call: items[0]!.call, subject: items[0]!.subject, items, actor: alice, ...extra };
}

/** Every compare-and-set the workflow makes, to see what was stored in which order. */
function recording(store: RequestStore) {
  const writes: RequestRecord[] = [];
  const wrapped: RequestStore = Object.create(store) as RequestStore;
  wrapped.compareAndSet = async (id, version, next, events) => {
    const stored = await store.compareAndSet(id, version, next, events);
    if (stored) writes.push(stored);
    return stored;
  };
  return { store: wrapped, writes };
}

interface Setup {
  workflow: Workflow;
  store: RequestStore;
  writes: RequestRecord[];
  clock: TestClock;
  calls: VendorCall[];
}

function setup(
  execute: (call: VendorCall, clock: TestClock) => Promise<VendorResult>,
  options: { concurrency?: number; count?: number; rebuild?: RebuildRequest; store?: RequestStore } = {},
): Setup {
  const clock = createTestClock();
  const { store, writes } = recording(options.store ?? openSqliteStore(':memory:'));
  const calls: VendorCall[] = [];
  const workflow = createWorkflow({
    policy: testPolicy(options.count ?? 1),
    store,
    execute: async (_target, call) => {
      calls.push(call);
      return execute(call, clock);
    },
    now: clock.now,
    wait: (ms, signal) => clock.sleep(ms, signal),
    batch: { concurrency: options.concurrency ?? 4 },
    ...(options.rebuild ? { rebuild: options.rebuild } : {}),
  });
  return { workflow, store, writes, clock, calls };
}

const notFound = (domain: string) =>
  new VendorError({
    vendor: 'webex',
    code: 'vendor_not_found',
    message: `${domain} is not claimed`,
    status: 404,
  });

describe('a batch request', () => {
  it('is one pending request with one approval; its items run when it is approved, and each keeps its outcome', async () => {
    const domains = ['a.com', 'b.com', 'c.com', 'd.com', 'e.com'];
    const { workflow, calls, store } = setup(async (call) => {
      if (call.domain === 'b.com') throw notFound('b.com');
      return result(call);
    });
    const pending = await workflow.submit(batchInput(domains));
    expect(pending.status).toBe('pending');
    expect(pending.request?.items?.map((i) => [i.subject, i.status])).toEqual(
      domains.map((d) => [d, 'pending']),
    );
    expect(calls).toHaveLength(0);
    const submitted = (await store.listAudit({ limit: 10 })).find((e) => e.type === 'submitted');
    expect(submitted?.details).toMatchObject({ subject: 'a.com', items: domains });

    const done = await workflow.approve(pending.request!.id, bob);
    expect(done.status).toBe('failed');
    expect(exitCode(done)).toBe(4);
    expect(calls.map((c) => c.domain).sort()).toEqual([...domains].sort());
    const items = done.request!.items!;
    expect(items.map((i) => [i.subject, i.status])).toEqual([
      ['a.com', 'succeeded'],
      ['b.com', 'failed'],
      ['c.com', 'succeeded'],
      ['d.com', 'succeeded'],
      ['e.com', 'succeeded'],
    ]);
    expect(items[0]?.result).toEqual(result(unclaim('a.com')));
    expect(items[1]?.error).toMatchObject({ code: 'vendor_not_found', status: 404, vendor: 'webex' });
    expect(done.error).toEqual({
      code: 'batch_failed',
      message: `batch ${done.request!.id}: 4 of 5 succeeded, 1 failed`,
      hint: 'to run the rest again: `unclaim b.com in webex-prod`',
    });
    // One item event per item, then the batch's own outcome.
    const events = await store.listAudit({ limit: 50, requestId: done.request!.id });
    expect(events.filter((e) => e.type === 'item').map((e) => e.details)).toEqual(
      expect.arrayContaining([
        { subject: 'a.com', status: 'succeeded' },
        { subject: 'b.com', status: 'failed', code: 'vendor_not_found' },
      ]),
    );
    expect(events.filter((e) => e.type === 'item')).toHaveLength(5);
    expect(events.at(-1)).toMatchObject({
      type: 'failed',
      from: 'executing',
      to: 'failed',
      details: { items: { succeeded: 4, failed: 1, unknown: 0, skipped: 0 } },
    });
  });

  it('succeeds when every item succeeded, and is unknown when any item may have acted', async () => {
    const ok = setup(async (call) => result(call));
    const all = await ok.workflow.submit(batchInput(['a.com', 'b.com']));
    expect((await ok.workflow.approve(all.request!.id, bob)).status).toBe('succeeded');

    const maybe = setup(async (call) => {
      if (call.domain === 'a.com') throw notFound('a.com');
      if (call.domain === 'b.com')
        throw new VendorError({
          vendor: 'webex',
          code: 'vendor_outcome_unknown',
          message: 'connection reset',
        });
      return result(call);
    });
    const some = await maybe.workflow.submit(batchInput(['a.com', 'b.com', 'c.com']));
    const outcome = await maybe.workflow.approve(some.request!.id, bob);
    expect(outcome.status).toBe('unknown');
    expect(exitCode(outcome)).toBe(5);
    expect(outcome.error?.code).toBe('batch_outcome_unknown');
    expect(outcome.error?.hint).toBe(
      'check b.com in webex-prod before trying again; to run the rest again: `unclaim a.com b.com in webex-prod`',
    );
  });

  it('stores each item running before its vendor call, and runs at most `concurrency` at a time', async () => {
    const domains = Array.from({ length: 10 }, (_, i) => `d${i}.com`);
    const gates = new Map<string, Gate>(domains.map((d) => [d, createGate()]));
    let inFlight = 0;
    let most = 0;
    let id = '';
    const seen: string[] = [];
    const s = setup(
      async (call) => {
        const stored = await s.store.get(id);
        seen.push(stored!.items!.find((i) => i.subject === call.domain)!.status);
        inFlight++;
        most = Math.max(most, inFlight);
        await gates.get(call.domain as string)!.wait();
        inFlight--;
        return result(call);
      },
      { concurrency: 3 },
    );
    id = (await s.workflow.submit(batchInput(domains))).request!.id;
    const running = s.workflow.approve(id, bob);
    await Promise.all(domains.slice(0, 3).map((d) => gates.get(d)!.reached));
    // Three in flight, the rest not started: stored so.
    const midway = await s.store.get(id);
    expect(midway?.items?.map((i) => i.status)).toEqual([
      ...Array(3).fill('running'),
      ...Array(7).fill('pending'),
    ]);
    for (const gate of gates.values()) gate.open();
    expect((await running).status).toBe('succeeded');
    expect(most).toBe(3);
    expect(seen).toEqual(Array(10).fill('running'));
  });

  it('stores progress at most once a second, with the item events, and always at the end', async () => {
    const domains = Array.from({ length: 12 }, (_, i) => `d${i}.com`);
    // Each call takes 300 ms of the clock; one at a time, so items finish every 300 ms.
    const s = setup(
      async (call, clock) => {
        await clock.advance(300);
        return result(call);
      },
      { concurrency: 1 },
    );
    const id = (await s.workflow.submit(batchInput(domains))).request!.id;
    const done = await s.workflow.approve(id, bob);
    expect(done.status).toBe('succeeded');
    const progress = s.writes.filter((w) => w.id === id && w.progress !== undefined);
    const changes = progress.filter((w, i) => i === 0 || w.progress!.seq !== progress[i - 1]!.progress!.seq);
    // Every stored change but the final one is at least a second after the one before.
    const interim = changes.slice(0, -1);
    for (let i = 1; i < interim.length; i++) {
      expect(interim[i]!.progress!.at - interim[i - 1]!.progress!.at).toBeGreaterThanOrEqual(1000);
    }
    // 12 items over 3.6 s: one change at the first item, then about one a second, then the end.
    expect(interim.length).toBeGreaterThanOrEqual(3);
    expect(interim.length).toBeLessThanOrEqual(5);
    expect(changes.at(-1)).toMatchObject({
      status: 'succeeded',
      progress: { items: { total: 12, done: 12, succeeded: 12 } },
    });
    // The card key follows the stored progress.
    expect(noticeKey(changes[0]!)).toBe(`executing/1/p${changes[0]!.progress!.seq}`);
    const events = await s.store.listAudit({ limit: 100, requestId: id });
    expect(events.filter((e) => e.type === 'item')).toHaveLength(12);
  });

  it('stores the progress of items that finished within the second once the second is over', async () => {
    const gate = createGate();
    const s = setup(
      async (call) => {
        if (call.domain === 'c.com') await gate.wait();
        return result(call);
      },
      { concurrency: 3 },
    );
    const id = (await s.workflow.submit(batchInput(['a.com', 'b.com', 'c.com']))).request!.id;
    const running = s.workflow.approve(id, bob);
    await gate.reached;
    // a.com and b.com finish at the same moment of the clock: the first stores progress, the
    // second's waits for the end of the second.
    const finished = async () =>
      (await s.store.get(id))?.items?.filter((i) => i.status === 'succeeded').length ?? 0;
    for (let i = 0; i < 50 && (await finished()) < 2; i++) await s.clock.advance(0);
    expect(await finished()).toBe(2);
    expect((await s.store.get(id))?.progress?.items?.done).toBe(1);
    await s.clock.advance(1000);
    // The trailing write lands (with a `progress` event, so other processes' cards follow it).
    for (let i = 0; i < 50 && (await s.store.get(id))?.progress?.items?.done !== 2; i++)
      await s.clock.advance(0);
    expect((await s.store.get(id))?.progress?.items?.done).toBe(2);
    const events = await s.store.listAudit({ limit: 50, requestId: id });
    expect(events.filter((e) => e.type === 'progress').map((e) => e.details)).toEqual([
      { done: 2, total: 3 },
    ]);
    gate.open();
    expect((await running).status).toBe('succeeded');
  });

  it("binds its approval to every item's request: a changed item is named and nothing is sent", async () => {
    const describe = (call: VendorCall) => ({
      method: 'POST' as const,
      url: `https://api.example/unclaim/${String(call.domain)}`,
      headers: {},
      body: JSON.stringify({ domain: call.domain }),
    });
    let changed = '';
    const rebuild: RebuildRequest = (record) => {
      const all = record.items!.map((i) =>
        i.subject === changed
          ? { ...describe(i.call), url: 'https://elsewhere.example/x' }
          : describe(i.call),
      );
      return { redacted: all[0]!, digest: approvalDigest(all), all };
    };
    const s = setup(async (call) => result(call), { rebuild });
    const domains = ['a.com', 'b.com', 'c.com'];
    const all = domains.map((d) => describe(unclaim(d)));
    const request = { redacted: all[0]!, digest: approvalDigest(all), all };
    expect(request.digest).not.toBe(requestDigest(all[0]!));
    const id = (await s.workflow.submit(batchInput(domains, { request }))).request!.id;
    expect((await s.store.get(id))?.requests).toEqual(all);
    changed = 'b.com';
    const outcome = await s.workflow.approve(id, bob);
    expect(outcome.status).toBe('rejected');
    expect(outcome.error).toMatchObject({
      code: 'request_changed',
      message:
        'the vendor request of 1 of the 3 items (b.com) changed since it was approved; nothing was sent',
    });
    expect(s.calls).toHaveLength(0);
  });

  it('is rejected as a whole when one item is not allowed', async () => {
    const s = setup(async (call) => result(call));
    const items = [
      { subject: 'a.com', call: unclaim('a.com') },
      { subject: 'b.com', call: { action: 'claim', domain: 'b.com', force: false } },
    ];
    // A different action per item cannot be typed, but the policy still decides per item.
    const outcome = await s.workflow.submit(
      batchInput(['a.com', 'b.com'], { actor: { platform: 'slack', id: 'UX', email: 'x@evil.com' }, items }),
    );
    expect(outcome.status).toBe('rejected');
    expect(outcome.error?.message).toContain('2 of the 2 items are not allowed (a.com, b.com)');
    expect(s.calls).toHaveLength(0);
  });

  it('a redelivery of the same batch finds it; the same key with other items is refused', async () => {
    const s = setup(async (call) => result(call));
    const first = await s.workflow.submit(batchInput(['a.com', 'b.com'], { deliveryKey: 'k1' }));
    const again = await s.workflow.submit(batchInput(['a.com', 'b.com'], { deliveryKey: 'k1' }));
    expect(again).toMatchObject({ redelivered: true, request: { id: first.request!.id } });
    await expect(
      s.workflow.submit(batchInput(['a.com', 'c.com'], { deliveryKey: 'k1' })),
    ).rejects.toMatchObject({
      code: 'delivery_key_conflict',
    });
  });
});

describe('an interrupted batch', () => {
  /** A batch stored as its process left it when it died: two done, one in flight, two not started. */
  async function leftBehind(store: RequestStore, owner: string): Promise<string> {
    const s = setup(async (call) => result(call), { store });
    const id = (await s.workflow.submit(batchInput(['a.com', 'b.com', 'c.com', 'd.com', 'e.com']))).request!
      .id;
    const record = (await store.get(id))!;
    const at = record.createdAt;
    const items = record.items!.map((item, i) => {
      if (i === 0) return { ...item, status: 'succeeded' as const, result: result(item.call) };
      if (i === 1)
        return { ...item, status: 'failed' as const, error: { code: 'vendor_not_found', message: 'gone' } };
      if (i === 2) return { ...item, status: 'running' as const };
      return item;
    });
    const stored = await store.compareAndSet(
      id,
      record.version,
      { ...record, status: 'executing', items, lease: { owner, until: at + 60_000 } },
      [],
    );
    expect(stored).toBeDefined();
    return id;
  }

  it('keeps finished items, reports the one in flight unknown and the rest skipped, and runs nothing again', async () => {
    const store = openSqliteStore(':memory:');
    // A process on this host that is gone: recovery at start does not wait for its lease.
    const id = await leftBehind(store, 'elsewhere:1:abc');
    const s = setup(async (call) => result(call), { store });
    const early = await s.workflow.recover();
    expect(early.unknown).toHaveLength(0);
    s.clock.advance(60_000);
    const recovered = await s.workflow.expireLeases();
    expect(recovered.map((r) => r.id)).toEqual([id]);
    const record = (await store.get(id))!;
    expect(record.status).toBe('unknown');
    expect(record.items?.map((i) => [i.subject, i.status])).toEqual([
      ['a.com', 'succeeded'],
      ['b.com', 'failed'],
      ['c.com', 'unknown'],
      ['d.com', 'skipped'],
      ['e.com', 'skipped'],
    ]);
    expect(record.items?.[0]?.result).toEqual(result(unclaim('a.com')));
    expect(record.error?.code).toBe('interrupted');
    expect(record.error?.message).toContain(
      '2 of 5 items had finished and keep their outcome, 1 was in flight (outcome unknown), 2 had not started (skipped)',
    );
    expect(record.error?.hint).toBe(
      'check c.com in webex-prod before trying again; to run the rest again: `unclaim b.com c.com d.com e.com in webex-prod`',
    );
    const last = (await store.listAudit({ limit: 5, requestId: id })).at(-1);
    expect(last).toMatchObject({
      type: 'unknown',
      details: { reason: 'lease_expired', items: { unknown: 1, skipped: 2 } },
    });
    // Nothing runs again: not at the next recovery, not on approval.
    expect((await s.workflow.recover()).unknown).toHaveLength(0);
    expect((await s.workflow.approve(id, bob)).refusal?.kind).toBe('not_open');
    expect(s.calls).toHaveLength(0);
  });

  it('is failed, not unknown, when nothing was in flight', async () => {
    const store = openSqliteStore(':memory:');
    const id = await leftBehind(store, 'elsewhere:1:abc');
    const record = (await store.get(id))!;
    const items = record.items!.map((i) =>
      i.status === 'running' ? { ...i, status: 'pending' as const } : i,
    );
    await store.compareAndSet(id, record.version, { ...record, items }, []);
    const s = setup(async (call) => result(call), { store });
    s.clock.advance(60_000);
    await s.workflow.expireLeases();
    expect((await store.get(id))?.status).toBe('failed');
  });

  it('lets an item that was in flight land late, when its process comes back after its lease ran out', async () => {
    const gate = createGate();
    const store = openSqliteStore(':memory:');
    const s = setup(
      async (call) => {
        if (call.domain === 'b.com') await gate.wait();
        return result(call);
      },
      { store, concurrency: 1 },
    );
    const id = (await s.workflow.submit(batchInput(['a.com', 'b.com', 'c.com']))).request!.id;
    const running = s.workflow.approve(id, bob);
    await gate.reached;
    // Another process finds the lease run out: b.com unknown, c.com skipped.
    const other = createWorkflow({
      policy: testPolicy(1),
      store,
      execute: async () => Promise.reject(new Error('no')),
      now: () => s.clock.now() + 120_000,
    });
    expect((await other.expireLeases()).map((r) => r.id)).toEqual([id]);
    gate.open();
    const outcome = await running;
    // b.com's outcome lands, marked late; c.com was never started here.
    expect(outcome.request?.items?.map((i) => i.status)).toEqual(['succeeded', 'succeeded', 'skipped']);
    expect(outcome.status).toBe('failed');
    expect(s.calls.map((c) => c.domain)).toEqual(['a.com', 'b.com']);
    const events = await store.listAudit({ limit: 50, requestId: id });
    expect(
      events.filter((e) => e.type === 'item' && e.details?.late === true).map((e) => e.details?.subject),
    ).toEqual(['b.com']);
  });
});

describe('progress of a running request on the change feed', () => {
  it('is followed by every process, the one running it included, and told once per stored change', async () => {
    const gate = createGate();
    const s = setup(
      async (call) => {
        if (call.domain === 'c.com') await gate.wait();
        return result(call);
      },
      { concurrency: 3 },
    );
    const follower = s.workflow.follow();
    await follower.poll();
    const id = (await s.workflow.submit(batchInput(['a.com', 'b.com', 'c.com']))).request!.id;
    const running = s.workflow.approve(id, bob);
    await gate.reached;
    await s.clock.sleeping(1);
    const changes = await follower.poll();
    const mine = changes.filter((c) => c.record.id === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ progress: true, record: { status: 'executing' } });
    expect(mine[0]!.by).toBeUndefined();
    const key = noticeKey(mine[0]!.record);
    expect(key).toMatch(/^executing\/1\/p\d+$/);
    expect(await s.workflow.claimNotice(id, key)).toBeDefined();
    // Told: the same progress is not told again.
    expect(await s.workflow.claimNotice(id, key)).toBeUndefined();
    gate.open();
    await running;
    // The final state was this process's own answer: its follower leaves it out.
    expect((await follower.poll()).filter((c) => c.record.id === id)).toHaveLength(0);
  });
});
