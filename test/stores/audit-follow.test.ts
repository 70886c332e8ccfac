/**
 * Following the audit trail (`audit --follow`, src/core/requests/audit.ts) over a real store, on
 * a test clock: every event after a seq, in order and once, then new ones at the next read or at
 * once on a notification; a gap that may still fill is waited for (bounded), one the hash chain
 * spans is not; a slow reader holds the reads back.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { followAudit } from '../../src/core/requests/audit.ts';
import type { AuditEvent, RequestStore } from '../../src/core/requests/store.ts';
import { MIGRATIONS, openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { event } from '../contracts/store.ts';
import { tempDir } from '../core/requests/helpers.ts';
import { createTestClock, type TestClock } from '../helpers/clock.ts';
import { createGate } from '../helpers/gate.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Follows `store` from `after` on a test clock; `seen` grows as events are passed on. */
function follow(
  store: RequestStore,
  after: number,
  over: { emit?: (events: readonly AuditEvent[]) => Promise<void> } = {},
) {
  const clock: TestClock = createTestClock();
  const stop = new AbortController();
  const seen: AuditEvent[] = [];
  let waiters: (() => void)[] = [];
  const done = followAudit(store, {
    after,
    signal: stop.signal,
    now: clock.now,
    sleep: (ms, signal) => clock.sleep(ms, signal),
    emit: async (events) => {
      seen.push(...events);
      for (const w of waiters.splice(0)) w();
      await over.emit?.(events);
    },
  });
  cleanups.push(async () => {
    stop.abort();
    await done;
  });
  /** Resolves once `count` events have been passed on. */
  const reached = async (count: number): Promise<void> => {
    while (seen.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return {
    clock,
    seen,
    reached,
    seqs: () => seen.map((e) => e.seq),
    async stop() {
      stop.abort();
      return done;
    },
    reset() {
      waiters = [];
    },
  };
}

function memory(): RequestStore {
  const store = openSqliteStore(':memory:');
  cleanups.push(() => store.close());
  return store;
}

const refused = (n: number) => event(`r-follow${n}`, 'refused', 1000 + n);

describe('following the audit trail', () => {
  it('passes on every event after the seq, in order, then each new one at the next read; stops when told', async () => {
    const store = memory();
    await store.appendAudit([refused(1), refused(2), refused(3)]);
    const f = follow(store, 1);
    await f.reached(2);
    await f.clock.sleeping();
    expect(f.seqs()).toEqual([2, 3]);
    expect(f.seen.every((e) => /^[0-9a-f]{64}$/.test(e.hash!))).toBe(true);

    await store.appendAudit([refused(4), refused(5)]);
    await f.clock.advance(500);
    await f.reached(4);
    expect(f.seqs()).toEqual([2, 3, 4, 5]);
    // Nothing twice, however often it reads.
    await f.clock.advance(500);
    await f.clock.sleeping();
    expect(f.seqs()).toEqual([2, 3, 4, 5]);
    expect(await f.stop()).toBe(5);
  });

  it('starts from the first event with after 0, and from beyond the end waits for what comes', async () => {
    const store = memory();
    await store.appendAudit([refused(1)]);
    const all = follow(store, 0);
    await all.reached(1);
    expect(all.seqs()).toEqual([1]);
    const later = follow(store, 3);
    await later.clock.sleeping();
    await store.appendAudit([refused(2), refused(3), refused(4)]);
    await later.clock.advance(500);
    await later.reached(1);
    expect(later.seqs()).toEqual([4]);
  });

  it('reads at once when the store says something was appended', async () => {
    const base = memory();
    let notify: (() => void) | undefined;
    const store: RequestStore = {
      ...base,
      watch: (onChange) => {
        notify = onChange;
        return () => {
          notify = undefined;
        };
      },
    };
    const f = follow(store, 0);
    await f.clock.sleeping();
    await store.appendAudit([refused(1)]);
    notify!();
    await f.reached(1);
    // Woken without the clock moving.
    expect(f.clock.now()).toBe(createTestClock().now());
    await f.stop();
    expect(notify).toBeUndefined();
  });

  it('waits for a gap that may still fill, and passes on what is after it once it fills', async () => {
    const base = memory();
    let hidden: number | undefined = 2;
    const store: RequestStore = {
      ...base,
      // A server database may show seq 3 before seq 2 has committed.
      changesSince: async (seq, options) =>
        (await base.changesSince(seq, options)).filter((e) => e.seq !== hidden),
    };
    await store.appendAudit([refused(1), refused(2), refused(3)]);
    const f = follow(store, 0);
    await f.reached(1);
    await f.clock.advance(10_000);
    await f.clock.sleeping();
    expect(f.seqs()).toEqual([1]);
    hidden = undefined;
    await f.clock.advance(500);
    await f.reached(3);
    expect(f.seqs()).toEqual([1, 2, 3]);
  });

  it('gives up a gap that stays open for 30 s, and passes on what is after it', async () => {
    const base = memory();
    const store: RequestStore = {
      ...base,
      changesSince: async (seq, options) =>
        (await base.changesSince(seq, options)).filter((e) => e.seq !== 2),
    };
    await store.appendAudit([refused(1), refused(2), refused(3)]);
    const f = follow(store, 0);
    await f.reached(1);
    await f.clock.advance(29_000);
    await f.clock.sleeping();
    expect(f.seqs()).toEqual([1]);
    await f.clock.advance(1_000);
    await f.clock.advance(500);
    await f.reached(2);
    expect(f.seqs()).toEqual([1, 3]);
  });

  it('passes over seqs the hash chain spans at once (never used, in a trail from before the chain)', async () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const file = join(dir.dir, 'old', 'domainops.db');
    mkdirSync(join(dir.dir, 'old'));
    const raw = new DatabaseSync(file);
    raw.exec(
      `${MIGRATIONS.slice(0, 3)
        .map((m) => m.sql)
        .join(';\n')}; PRAGMA user_version = 3`,
    );
    for (const seq of [1, 2, 5, 9]) {
      raw
        .prepare(
          'INSERT INTO audit (seq, at, request_id, actor_platform, actor_id, type) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(seq, 1000 + seq, 'r-old', 'cli', 'alice@corp.com', 'refused');
    }
    raw.close();
    const store = openSqliteStore(file);
    cleanups.push(() => store.close());
    const f = follow(store, 0);
    await f.reached(4);
    expect(f.seqs()).toEqual([1, 2, 5, 9]);
    const after = follow(store, 2);
    await after.reached(2);
    expect(after.seqs()).toEqual([5, 9]);
  });

  it('reads nothing more while the reader has not taken what it was given', async () => {
    const base = memory();
    let reads = 0;
    const store: RequestStore = {
      ...base,
      changesSince: (seq, options) => {
        reads++;
        return base.changesSince(seq, options);
      },
    };
    await store.appendAudit([refused(1)]);
    const slow = createGate();
    const f = follow(store, 0, { emit: () => slow.wait() });
    await f.reached(1);
    const before = reads;
    await store.appendAudit([refused(2)]);
    await f.clock.advance(5_000);
    expect(reads).toBe(before);
    expect(f.seqs()).toEqual([1]);
    slow.open();
    await f.clock.sleeping();
    await f.clock.advance(500);
    await f.reached(2);
    expect(f.seqs()).toEqual([1, 2]);
  });
});
