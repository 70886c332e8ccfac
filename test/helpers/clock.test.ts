import { describe, expect, it } from 'vitest';
import { createTestClock, TEST_EPOCH } from './clock.ts';
import { createGate } from './gate.ts';

describe('the test clock', () => {
  it('wakes a sleep only once time is advanced to its deadline', async () => {
    const clock = createTestClock();
    expect(clock.now()).toBe(TEST_EPOCH);
    let woke = false;
    void clock.sleep(1000).then(() => {
      woke = true;
    });
    await clock.advance(999);
    expect(woke).toBe(false);
    expect(clock.pending()).toEqual([TEST_EPOCH + 1000]);
    await clock.advance(1);
    expect(woke).toBe(true);
    expect(clock.pending()).toEqual([]);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('wakes due sleeps soonest first, each seeing the advanced time', async () => {
    const clock = createTestClock({ start: 0 });
    const order: [string, number][] = [];
    void clock.sleep(300).then(() => order.push(['late', clock.now()]));
    void clock.sleep(100).then(() => order.push(['early', clock.now()]));
    void clock.sleep(5000).then(() => order.push(['never', clock.now()]));
    await clock.advance(400);
    expect(order).toEqual([
      ['early', 400],
      ['late', 400],
    ]);
  });

  it('rejects an aborted sleep with the reason and forgets it', async () => {
    const clock = createTestClock();
    const stop = new AbortController();
    const slept = clock.sleep(1000, stop.signal);
    stop.abort(new Error('stopped'));
    await expect(slept).rejects.toThrow('stopped');
    expect(clock.pending()).toEqual([]);
    await expect(clock.sleep(10, stop.signal)).rejects.toThrow('stopped');
  });

  it('runs chained waits until idle, and refuses a loop that never is', async () => {
    const clock = createTestClock({ start: 0 });
    const done = (async () => {
      await clock.sleep(100);
      await clock.sleep(200);
      return clock.now();
    })();
    await clock.runUntilIdle();
    expect(await done).toBe(300);

    const stop = new AbortController();
    void (async () => {
      for (;;) await clock.sleep(10, stop.signal);
    })().catch(() => undefined);
    await expect(clock.runUntilIdle(5)).rejects.toThrow(/never becomes idle/);
    stop.abort();
  });

  it('tells when a loop sleeps again', async () => {
    const clock = createTestClock({ start: 0 });
    const worked: number[] = [];
    const stop = new AbortController();
    const loop = (async () => {
      for (;;) {
        await clock.sleep(1000, stop.signal);
        await Promise.resolve();
        worked.push(clock.now());
      }
    })().catch(() => undefined);
    await clock.sleeping();
    await clock.advance(1000);
    await clock.sleeping();
    expect(worked).toEqual([1000]);
    stop.abort();
    await loop;
  });

  it('in auto mode, moves time by every sleep and never holds it', async () => {
    const clock = createTestClock({ start: 0, auto: true });
    await clock.sleep(500);
    await clock.sleep(1500);
    expect(clock.now()).toBe(2000);
    expect(clock.sleeps).toEqual([500, 1500]);
  });
});

describe('the gate', () => {
  it('holds what waits at it until the test opens it', async () => {
    const gate = createGate();
    let passed = false;
    const held = gate.wait().then(() => {
      passed = true;
    });
    await gate.reached;
    await Promise.resolve();
    expect(passed).toBe(false);
    gate.open();
    await held;
    expect(passed).toBe(true);
    expect(gate.isOpen).toBe(true);
    await gate.wait();
  });
});
