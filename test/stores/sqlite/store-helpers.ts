import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { RequestStore } from '../../../src/core/requests/store.ts';
import { openSqliteStore, type SqliteStoreOptions } from '../../../src/stores/sqlite/store.ts';
import { tempDir } from '../../core/requests/helpers.ts';

/**
 * Time for a store's retries that moves only when the store waits: every `sleep` advances the
 * clock by what was asked and yields to the event loop (a setImmediate), never for real.
 */
export function fakeTime() {
  const state = { now: 0, sleeps: [] as number[] };
  let onSleep: (count: number) => void = () => {};
  return {
    state,
    now: () => state.now,
    sleep: (ms: number): Promise<void> => {
      state.now += ms;
      state.sleeps.push(ms);
      onSleep(state.sleeps.length);
      return new Promise((resolve) => setImmediate(resolve));
    },
    /** Runs `fn` at every wait, with the number of waits so far. */
    onSleep(fn: (count: number) => void) {
      onSleep = fn;
    },
  };
}

/**
 * Measures the event loop while work runs: a setImmediate chain notes the longest gap between
 * two of its turns (the longest synchronous stretch of anything else) and how many turns ran.
 */
export function loopMonitor() {
  let last = performance.now();
  let longest = 0;
  let turns = 0;
  let running = true;
  const turn = (): void => {
    const at = performance.now();
    longest = Math.max(longest, at - last);
    last = at;
    turns++;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  return {
    stop() {
      running = false;
      return { longest, turns };
    },
  };
}

export interface FileStore {
  file: string;
  store: RequestStore;
  /** The store's own connection (to set `PRAGMA max_page_count` or `query_only` on it). */
  db: DatabaseSync;
  time: ReturnType<typeof fakeTime>;
  remove(): void;
}

/** A store in a fresh temporary file, on fake time, with a handle on its connection. */
export function fileStore(options: SqliteStoreOptions = {}): FileStore {
  const folder = tempDir();
  const file = join(folder.dir, 'domainops.db');
  const time = fakeTime();
  let db: DatabaseSync | undefined;
  const store = openSqliteStore(file, {
    now: time.now,
    sleep: time.sleep,
    ...options,
    setup: (handle) => {
      db = handle;
    },
  });
  return { file, store, db: db!, time, remove: folder.remove };
}

/** Makes every new page of the store's connection fail with SQLITE_FULL, as a full disk does. */
export function fillUp(db: DatabaseSync): void {
  const { page_count } = db.prepare('PRAGMA page_count').get() as { page_count: number };
  db.exec(`PRAGMA max_page_count = ${page_count}`);
}
