/**
 * A store locked by another process (here a second connection holding `BEGIN IMMEDIATE`, as a
 * second domainops or an sqlite3 shell would): the event loop keeps running while the store
 * waits, the command is stored once the lock is released, and `store_busy` ends the wait.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { REQUEST_STATUSES } from '../../../src/core/requests/model.ts';
import { MIGRATIONS, openSqliteStore } from '../../../src/stores/sqlite/store.ts';
import { alice, bob, harness, lookup, unclaim } from '../../core/requests/helpers.ts';
import { type FileStore, fakeTime, fileStore, loopMonitor } from './store-helpers.ts';

const CHILD = fileURLToPath(new URL('./busy-child.ts', import.meta.url));

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

/** A store file and a second connection to it that holds the write lock until released. */
async function locked(): Promise<FileStore & { blocker: DatabaseSync; release(): void }> {
  const s = fileStore();
  await s.store.listByStatus(['pending']);
  const blocker = new DatabaseSync(s.file);
  blocker.exec('BEGIN IMMEDIATE');
  const release = (): void => {
    if (blocker.isTransaction) blocker.exec('COMMIT');
  };
  cleanups.push(
    s.remove,
    () => blocker.close(),
    () => void s.store.close(),
    release,
  );
  return { ...s, blocker, release };
}

describe('a store locked by another process', () => {
  it('waits without blocking the event loop, and stores the command once the lock is released', async () => {
    const s = await locked();
    const { workflow } = harness({ store: s.store });
    s.time.onSleep((count) => {
      if (count === 4) s.release();
    });
    const monitor = loopMonitor();
    const outcome = await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice });
    const { longest, turns } = monitor.stop();
    expect(outcome.status).toBe('pending');
    expect(s.time.state.sleeps).toHaveLength(4);
    // The event loop turned while the store waited, and no synchronous stretch was long.
    expect(turns).toBeGreaterThanOrEqual(4);
    expect(longest).toBeLessThan(50);
    expect(await s.store.get(outcome.request!.id)).toMatchObject({ status: 'pending' });
  });

  it('gives up with store_busy after the retry budget, and stores nothing', async () => {
    const s = await locked();
    const h = harness({ store: s.store });
    const monitor = loopMonitor();
    const error = await h.workflow
      .submit({ target: 'webex-prod', call: unclaim(), actor: alice })
      .catch((e: unknown) => e);
    expect(monitor.stop().longest).toBeLessThan(50);
    expect(error).toMatchObject({
      code: 'store_busy',
      message: 'the store is busy (another process holds a write lock); try again',
      hint: expect.stringMatching(/keeps the store locked/),
    });
    expect(s.time.state.now).toBeGreaterThanOrEqual(3000);
    // A command that needs no approval is not run either: nothing was stored, nothing is sent.
    await expect(h.workflow.submit({ target: 'yc', call: lookup(), actor: alice })).rejects.toMatchObject({
      code: 'store_busy',
    });
    expect(h.vendor.calls).toEqual([]);
    s.release();
    expect(await s.store.listByStatus(REQUEST_STATUSES)).toEqual([]);
    expect(await s.store.listAudit({ limit: 10 })).toEqual([]);
  });

  it('leaves a request pending, not half approved, when the approval cannot be stored', async () => {
    const s = fileStore();
    cleanups.push(s.remove, () => void s.store.close());
    const h = harness({ store: s.store, count: 1 });
    const id = (await h.workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
    const blocker = new DatabaseSync(s.file);
    cleanups.push(() => blocker.close());
    blocker.exec('BEGIN IMMEDIATE');
    await expect(h.workflow.approve(id, bob)).rejects.toMatchObject({ code: 'store_busy' });
    blocker.exec('COMMIT');
    expect(await s.store.get(id)).toMatchObject({ status: 'pending', approvals: [] });
    expect((await h.workflow.audit()).map((e) => e.type)).toEqual(['submitted']);
    expect(h.vendor.calls).toEqual([]);
    // Trying again works, and runs it once.
    expect((await h.workflow.approve(id, bob)).status).toBe('succeeded');
    expect(h.vendor.calls).toHaveLength(1);
  });

  it('opens a store whose schema must be upgraded while another process holds the lock', async () => {
    const s = fileStore();
    await s.store.close();
    cleanups.push(s.remove);
    for (const f of [s.file, `${s.file}-wal`, `${s.file}-shm`]) rmSync(f, { force: true });
    const raw = new DatabaseSync(s.file);
    cleanups.push(() => raw.close());
    // A store written by the first schema version.
    raw.exec(`${MIGRATIONS[0]!.sql}; PRAGMA user_version = 1`);
    raw.exec('BEGIN IMMEDIATE');
    const time = fakeTime();
    time.onSleep((count) => {
      if (count === 2) raw.exec('COMMIT');
    });
    const monitor = loopMonitor();
    const store = openSqliteStore(s.file, { now: time.now, sleep: time.sleep });
    cleanups.push(() => void store.close());
    expect(await store.listByStatus(['pending'])).toEqual([]);
    expect(monitor.stop().longest).toBeLessThan(50);
    expect(time.state.sleeps).toHaveLength(2);
    expect(raw.prepare('PRAGMA user_version').get()).toEqual({ user_version: MIGRATIONS.length });
    expect((await store.health()).ok).toBe(true);
  });

  it('keeps a process alive while its store waits for the lock, so a command is not cut short', async () => {
    const s = await locked();
    // The child's only pending work is the store's wait between attempts: if that wait did not
    // keep the process alive, Node would end it mid-command (exit 13, "unsettled top-level await").
    const child = spawn(process.execPath, [CHILD, s.file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: 'store_busy\n', stderr: '' });
    s.release();
    expect(await s.store.listAudit({ limit: 10 })).toEqual([]);
  });
});
