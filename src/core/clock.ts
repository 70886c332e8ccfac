import { setTimeout as delay } from 'node:timers/promises';

/**
 * The one clock of a process: the runtime, the workflow, the expiry sweep, retries and token
 * caches all read time and wait through it, so tests move time instead of waiting for it.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}),
};
