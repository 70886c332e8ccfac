import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/server/metrics.ts';
import { createGate } from '../helpers/gate.ts';

/** A pending count that says how often it was read. */
function counting(values: number[] = [3]) {
  const source = {
    reads: 0,
    read: async () => values[Math.min(source.reads++, values.length - 1)]!,
  };
  return source;
}

const gauge = async (metrics: ReturnType<typeof createMetrics>): Promise<string | undefined> =>
  /domainops_pending_approvals (\d+)/.exec(await metrics.registry.metrics())?.[1];

describe('the pending approvals gauge', () => {
  it('reads the pending requests at most every few seconds, not at every scrape', async () => {
    let now = 0;
    const source = counting([3, 4]);
    const metrics = createMetrics(source.read, undefined, { pendingMaxAgeMs: 5000, now: () => now });
    expect(await gauge(metrics)).toBe('3');
    now = 4999;
    expect(await gauge(metrics)).toBe('3');
    expect(source.reads).toBe(1);
    now = 5000;
    expect(await gauge(metrics)).toBe('4');
    expect(source.reads).toBe(2);
  });

  it('reads again after a command that may have changed it, not after a read-only one', async () => {
    const source = counting([1, 2, 3]);
    const metrics = createMetrics(source.read, undefined, { now: () => 0 });
    expect(await gauge(metrics)).toBe('1');
    metrics.command('help', 'succeeded');
    metrics.command('whoami', 'succeeded');
    metrics.command('targets', 'rejected');
    expect(await gauge(metrics)).toBe('1');
    expect(source.reads).toBe(1);
    metrics.command('unclaim', 'pending');
    expect(await gauge(metrics)).toBe('2');
    // An approval that ran the request: its action is the request's, its outcome the result.
    metrics.command('unclaim', 'succeeded');
    expect(await gauge(metrics)).toBe('3');
    expect(source.reads).toBe(3);
  });

  it('does not keep a count read while a command changed it', async () => {
    const gate = createGate();
    let reads = 0;
    const metrics = createMetrics(
      async () => {
        reads++;
        if (reads === 1) await gate.wait();
        return reads;
      },
      undefined,
      { now: () => 0 },
    );
    const first = gauge(metrics);
    await gate.reached;
    metrics.command('deny', 'denied');
    gate.open();
    expect(await first).toBe('1');
    expect(await gauge(metrics)).toBe('2');
  });
});
