/**
 * The vendor acted, then the store refused the result (the disk filled up, the file became
 * read-only): the caller is told the outcome is unknown (exit 5, with the store error's code),
 * never an internal error, and the result is stored in the background once the store takes
 * writes again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../../src/core/requests/model.ts';
import { exitCode } from '../../../src/core/requests/outcome.ts';
import { createWorkflow } from '../../../src/core/requests/workflow.ts';
import { fileStore, fillUp } from '../../stores/sqlite/store-helpers.ts';
import { alice, fakeVendor, lookup, resultFor, testPolicy } from './helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

/** A sleep that waits until the test lets it go. */
function gatedSleep() {
  const waiting: (() => void)[] = [];
  const asked: number[] = [];
  return {
    asked,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        asked.push(ms);
        waiting.push(resolve);
      }),
    /** Ends the oldest wait and lets what follows it run. */
    async next() {
      waiting.shift()?.();
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    },
  };
}

function setup(breakStore: (s: ReturnType<typeof fileStore>) => void) {
  const s = fileStore();
  const gate = gatedSleep();
  const vendor = fakeVendor();
  const late: RequestRecord[] = [];
  const notStored: string[] = [];
  const workflow = createWorkflow({
    policy: testPolicy(),
    store: s.store,
    execute: vendor.execute,
    sleep: gate.sleep,
    onLateResult: (record) => late.push(record),
    onResultNotStored: (request) => notStored.push(request.id),
  });
  // The store breaks while the vendor works; the vendor's answer is large enough to need new pages.
  vendor.behave(async (_target, call) => {
    breakStore(s);
    return { ...resultFor(call), raw: { padding: 'x'.repeat(20_000) } };
  });
  cleanups.push(
    s.remove,
    () => void s.store.close(),
    () => workflow.close(),
  );
  return { s, gate, vendor, workflow, late, notStored };
}

describe('a result that cannot be stored', () => {
  it('is reported as outcome unknown with the store error, and stored later in the background', async () => {
    const { s, gate, vendor, workflow, late, notStored } = setup((s) => fillUp(s.db));
    const outcome = await workflow.submit({ target: 'yc', call: lookup(), actor: alice });
    expect(vendor.calls).toHaveLength(1);
    expect(outcome).toMatchObject({
      status: 'unknown',
      error: {
        code: 'result_not_stored',
        message: expect.stringMatching(/^domain abc\.com was sent to yc, but its result could not be stored/),
        hint: expect.stringMatching(/check yc before trying again/),
        store: 'store_full',
      },
    });
    expect(exitCode(outcome)).toBe(5);
    const id = outcome.request!.id;
    expect(notStored).toEqual([id]);
    expect(await s.store.get(id)).toMatchObject({ status: 'executing' });

    // Still full: the background retry fails and waits longer.
    await gate.next();
    expect(await s.store.get(id)).toMatchObject({ status: 'executing' });
    expect(gate.asked).toEqual([1000, 2000]);
    // Room again: the next attempt stores the real result, once.
    s.db.exec('PRAGMA max_page_count = 1000000');
    await gate.next();
    expect(await s.store.get(id)).toMatchObject({ status: 'succeeded' });
    expect(late.map((r) => [r.id, r.status])).toEqual([[id, 'succeeded']]);
    expect(gate.asked).toHaveLength(2);
    expect(vendor.calls).toHaveLength(1);
    expect((await workflow.audit()).map((e) => e.type)).toEqual(['submitted', 'executing', 'succeeded']);
  });

  it('on a read-only store too; closing the workflow stops the retries', async () => {
    const { s, gate, workflow, late } = setup((s) => s.db.exec('PRAGMA query_only = 1'));
    const outcome = await workflow.submit({ target: 'yc', call: lookup(), actor: alice });
    expect(outcome).toMatchObject({ status: 'unknown', error: { store: 'store_read_only' } });
    workflow.close();
    s.db.exec('PRAGMA query_only = 0');
    await gate.next();
    expect(await s.store.get(outcome.request!.id)).toMatchObject({ status: 'executing' });
    expect(late).toEqual([]);
  });
});
