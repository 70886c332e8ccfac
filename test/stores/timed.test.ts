/** Store latency for /metrics: every operation of any store is observed, by name and outcome. */
import { describe, expect, it } from 'vitest';
import { storeSetting } from '../../src/config/store.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { sqliteStore } from '../../src/stores/sqlite/index.ts';
import { timedStore } from '../../src/stores/timed.ts';
import { event, record } from '../contracts/store.ts';

describe('the timed store', () => {
  it('observes each operation with its duration and outcome, and passes the results through', async () => {
    const metrics = createMetrics(async () => 0);
    const inner = sqliteStore.open(storeSetting(':memory:'), { clock: systemClock });
    const store = timedStore(inner, metrics.storeOperation);
    expect(await store.insert(record('r-time0001'), [event('r-time0001', 'submitted')])).toMatchObject({
      inserted: true,
    });
    expect(await store.get('r-time0001')).toMatchObject({ id: 'r-time0001' });
    expect(await store.health()).toEqual({ ok: true });
    await store.close();
    await expect(store.get('r-time0001')).rejects.toThrow();
    const text = await metrics.registry.metrics();
    const count = (operation: string, outcome: string) =>
      Number(
        new RegExp(
          `^domainops_store_operation_duration_seconds_count\\{operation="${operation}",outcome="${outcome}"\\} (\\d+)$`,
          'm',
        ).exec(text)?.[1] ?? 0,
      );
    expect(count('insert', 'ok')).toBe(1);
    expect(count('get', 'ok')).toBe(1);
    expect(count('get', 'error')).toBe(1);
    expect(count('health', 'ok')).toBe(1);
  });

  it('counts a health answer that says "not ready" as an error', async () => {
    const seen: [string, boolean][] = [];
    const inner = sqliteStore.open(storeSetting(':memory:'), { clock: systemClock });
    await inner.close();
    const store = timedStore(inner, (operation, _seconds, ok) => seen.push([operation, ok]));
    expect(await store.health()).toMatchObject({ ok: false });
    expect(seen).toEqual([['health', false]]);
  });
});
