/**
 * The pending approvals gauge of /metrics: the store's count of pending requests, read at every
 * scrape (one indexed count, no request read); overdue requests are expired, not counted; a
 * failed reading keeps the last value. /readyz reads no requests either.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestStore } from '../../src/core/requests/store.ts';
import { type Runtime, startRuntime } from '../../src/runtime.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { record } from '../contracts/store.ts';
import { createTestClock } from '../helpers/clock.ts';
import { capturedLogger, webexConfig } from './helpers.ts';

const gauge = async (metrics: ReturnType<typeof createMetrics>): Promise<string | undefined> =>
  /domainops_pending_approvals (\d+)/.exec(await metrics.registry.metrics())?.[1];

/** The store with every call recorded: the method and its arguments. */
function spied(store: RequestStore): { store: RequestStore; calls: { name: string; args: unknown[] }[] } {
  const calls: { name: string; args: unknown[] }[] = [];
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push({ name: String(name), args });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

describe('the pending approvals gauge', () => {
  it('reads the count at every scrape', async () => {
    let reads = 0;
    const metrics = createMetrics(async () => [3, 4][reads++] ?? 5);
    expect(await gauge(metrics)).toBe('3');
    expect(await gauge(metrics)).toBe('4');
    expect(reads).toBe(2);
  });

  it('keeps the last value when the count cannot be read', async () => {
    let fail = false;
    const metrics = createMetrics(async () => {
      if (fail) throw new Error('store_busy');
      return 7;
    });
    expect(await gauge(metrics)).toBe('7');
    fail = true;
    expect(await gauge(metrics)).toBe('7');
  });
});

describe('the gauge and /readyz of a running process', () => {
  let runtime: Runtime | undefined;
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });

  it('counts the pending requests without reading them, and expires an overdue one instead of counting it', async () => {
    const clock = createTestClock();
    const { store, calls } = spied(openSqliteStore(':memory:'));
    const later = { approvers: ['admins'], count: 1, expiresAt: clock.now() + 60_000 };
    for (let i = 0; i < 120; i++) {
      const id = `r-m${String(i).padStart(7, '0')}`;
      await store.insert(record(id, { createdAt: clock.now() + i, approval: later }), []);
    }
    await store.insert(
      record('r-overdue0', { approval: { approvers: ['admins'], count: 1, expiresAt: clock.now() } }),
      [],
    );
    runtime = await startRuntime({
      config: webexConfig('http://127.0.0.1:9/v1', 'token'),
      platforms: [],
      logger: capturedLogger().logger,
      store,
      clock,
    });
    calls.length = 0;
    const text = await (await fetch(`${runtime.url}/metrics`)).text();
    expect(/^domainops_pending_approvals (\d+)$/m.exec(text)?.[1]).toBe('120');
    expect((await store.get('r-overdue0'))?.status).toBe('expired');
    // Only the overdue requests were read (through the index on the deadline), then counted.
    const reads = calls.filter((c) => c.name === 'listByStatus');
    expect(reads.length).toBeGreaterThan(0);
    for (const read of reads) expect(read.args[1]).toMatchObject({ expiresBy: clock.now() });
    expect(calls.filter((c) => c.name === 'countByStatus')).toHaveLength(1);

    calls.length = 0;
    expect((await fetch(`${runtime.url}/readyz`)).status).toBe(200);
    expect(calls.map((c) => c.name)).not.toContain('listByStatus');
    expect(calls.map((c) => c.name)).not.toContain('countByStatus');
  });
});
