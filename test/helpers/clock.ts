import type { Clock } from '../../src/core/clock.ts';

/** 2026-11-23 10:42 UTC: the default start, a fixed instant so that tests are repeatable. */
export const TEST_EPOCH = Date.UTC(2026, 10, 23, 10, 42);

/**
 * A clock for tests: time moves only when the test moves it, and nothing waits in real time.
 *
 * Manual (the default): a `sleep` resolves once the test has advanced time to or past its
 * deadline. Auto (`auto: true`): every `sleep` moves time forward by what it asked and resolves
 * at once, for code under test that only waits (retry backoff, operation polls) and has no loop
 * that sleeps forever.
 */
export interface TestClock extends Clock {
  /** Every sleep asked for (ms), in order, woken or not. */
  readonly sleeps: readonly number[];
  /** Deadlines of the sleeps not yet woken, soonest first. */
  pending(): number[];
  /**
   * Moves time forward by `ms`, then wakes every sleep now due, soonest deadline first, as a
   * process woken late would: each sees the new time. Resolves after one turn of the event loop,
   * in which what the sleeps woke ran as far as it could without I/O.
   */
  advance(ms: number): Promise<void>;
  /**
   * Jumps to the next deadline and wakes it, again and again, until no sleep is pending. For
   * waits chained without I/O between them; throws after `limit` wakes (a loop that sleeps
   * forever, such as the expiry sweep, never becomes idle: advance it instead).
   */
  runUntilIdle(limit?: number): Promise<void>;
  /**
   * Resolves once at least `count` sleeps are pending: the explicit event for "the loop has done
   * its work and waits again" (e.g. the expiry sweep after a sweep).
   */
  sleeping(count?: number): Promise<void>;
}

interface Sleeper {
  at: number;
  seq: number;
  wake: () => void;
}

/** One turn of the event loop: promise continuations and I/O callbacks already due run first. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function createTestClock(options: { start?: number; auto?: boolean } = {}): TestClock {
  let current = options.start ?? TEST_EPOCH;
  let seq = 0;
  const sleeps: number[] = [];
  const sleepers: Sleeper[] = [];
  const watchers: { count: number; resolve: () => void }[] = [];

  const notifyWatchers = (): void => {
    for (const w of [...watchers]) {
      if (sleepers.length >= w.count) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
    }
  };

  /** Wakes the sleeps due now, soonest first (in the order they were asked for on a tie). */
  const wakeDue = (): number => {
    const due = sleepers.filter((s) => s.at <= current).sort((a, b) => a.at - b.at || a.seq - b.seq);
    for (const s of due) {
      sleepers.splice(sleepers.indexOf(s), 1);
      s.wake();
    }
    return due.length;
  };

  return {
    sleeps,
    now: () => current,
    sleep(ms, signal) {
      sleeps.push(ms);
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (options.auto) {
        current += Math.max(0, ms);
        return Promise.resolve();
      }
      if (ms <= 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const index = sleepers.indexOf(sleeper);
          if (index !== -1) sleepers.splice(index, 1);
          reject(signal?.reason);
        };
        const sleeper: Sleeper = {
          at: current + ms,
          seq: seq++,
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.push(sleeper);
        notifyWatchers();
      });
    },
    pending: () => sleepers.map((s) => s.at).sort((a, b) => a - b),
    async advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`advance takes a duration of 0 ms or more, got ${ms}`);
      current += ms;
      wakeDue();
      await turn();
    },
    async runUntilIdle(limit = 1000) {
      for (let woken = 0; sleepers.length > 0; ) {
        if (woken >= limit) {
          throw new Error(
            `still sleeping after ${limit} wakes: a loop that sleeps forever never becomes idle; use advance()`,
          );
        }
        current = Math.max(current, Math.min(...sleepers.map((s) => s.at)));
        woken += wakeDue();
        await turn();
      }
    },
    sleeping(count = 1) {
      if (sleepers.length >= count) return Promise.resolve();
      return new Promise<void>((resolve) => watchers.push({ count, resolve }));
    },
  };
}
