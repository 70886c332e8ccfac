/**
 * A store that cannot be written: full (simulated with `PRAGMA max_page_count`), read-only
 * (`PRAGMA query_only`: tests may run as root, whom chmod does not stop), deleted or replaced
 * while open, corrupt. Each is a store error with a stable code and a hint, and `health()` (what
 * /readyz asks) says so.
 */
import { chmodSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../../src/core/requests/model.ts';
import type { AuditEvent } from '../../../src/core/requests/store.ts';
import { openSqliteStore } from '../../../src/stores/sqlite/store.ts';
import { alice, harness, unclaim } from '../../core/requests/helpers.ts';
import { fileStore, fillUp } from './store-helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

function opened(options: Parameters<typeof fileStore>[0] = {}) {
  const s = fileStore(options);
  cleanups.push(s.remove, () => void s.store.close());
  return s;
}

function record(id: string, over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id,
    action: 'unclaim',
    target: 'webex-prod',
    call: unclaim(),
    subject: 'abc.com',
    requester: alice,
    status: 'pending',
    approvals: [],
    createdAt: 1000,
    updatedAt: 1000,
    version: 0,
    ...over,
  };
}

const submitted = (requestId: string): AuditEvent => ({
  at: 1000,
  requestId,
  actor: { platform: 'slack', id: 'UALICE' },
  type: 'submitted',
  to: 'pending',
});

describe('a full store', () => {
  it('fails with store_full (not "no transaction is active"), stores nothing, and is not healthy', async () => {
    const s = opened({ probeInterval: 0 });
    expect(await s.store.health()).toEqual({ ok: true });
    fillUp(s.db);
    // Big enough to need new pages.
    const big = record('r-0000big1', { conversation: 'x'.repeat(20_000) });
    await expect(s.store.insert(big, [submitted(big.id)])).rejects.toMatchObject({
      code: 'store_full',
      message: expect.stringMatching(/disk .* is full/),
      hint: expect.stringMatching(/free space/),
    });
    expect(await s.store.get(big.id)).toBeUndefined();
    expect(await s.store.listAudit({ limit: 5 })).toEqual([]);
    expect(await s.store.health()).toMatchObject({ ok: false, error: { code: 'store_full' } });
  });

  it('is reported when the file system has less room than the store needs', async () => {
    const s = opened({ minFreeBytes: Number.MAX_SAFE_INTEGER });
    expect(await s.store.health()).toMatchObject({ ok: false, error: { code: 'store_full' } });
  });
});

describe('a read-only store', () => {
  it('fails with store_read_only and a hint about permissions', async () => {
    const s = opened({ probeInterval: 0 });
    s.db.exec('PRAGMA query_only = 1');
    await expect(s.store.insert(record('r-0000000a'), [])).rejects.toMatchObject({
      code: 'store_read_only',
      hint: expect.stringMatching(/write the store file and its folder/),
    });
    expect(await s.store.health()).toMatchObject({ ok: false, error: { code: 'store_read_only' } });
    s.db.exec('PRAGMA query_only = 0');
    expect(await s.store.health()).toEqual({ ok: true });
  });

  it('opened read-only (the file is not writable) names the cause at the first write', async () => {
    const s = opened();
    await s.store.close();
    const store = openSqliteStore(s.file, {
      setup: (db) => db.exec('PRAGMA query_only = 1'),
    });
    cleanups.push(() => void store.close());
    await expect(store.appendAudit([submitted('r-0000000b')])).rejects.toMatchObject({
      code: 'store_read_only',
    });
  });
});

describe('a store file domainops may not write', () => {
  // chmod does not stop root; the query_only cases above cover root.
  it.skipIf(process.getuid?.() === 0)(
    'fails at open with store_read_only and the permissions hint',
    async () => {
      const s = opened();
      await s.store.close();
      const folder = join(s.file, '..');
      chmodSync(s.file, 0o444);
      chmodSync(folder, 0o555);
      cleanups.push(() => chmodSync(folder, 0o755));
      expect(() => openSqliteStore(s.file)).toThrow(
        expect.objectContaining({
          code: 'store_read_only',
          message: expect.stringMatching(/^store: cannot open .*attempt to write a readonly database/),
          hint: expect.stringMatching(/write the store file and its folder/),
        }),
      );
    },
  );
});

describe('a store file deleted or replaced while open', () => {
  it('refuses writes with store_missing instead of writing into the deleted file', async () => {
    const s = opened();
    const { workflow } = harness({ store: s.store });
    await workflow.submit({ target: 'webex-prod', call: unclaim('before.com'), actor: alice });
    unlinkSync(s.file);
    await expect(
      workflow.submit({ target: 'webex-prod', call: unclaim('after.com'), actor: alice }),
    ).rejects.toMatchObject({
      code: 'store_missing',
      message: expect.stringMatching(/deleted or replaced/),
      hint: expect.stringMatching(/restart domainops/),
    });
    expect(await s.store.health()).toMatchObject({ ok: false, error: { code: 'store_missing' } });
  });

  it('notices a file replaced by another one', async () => {
    const s = opened();
    const other = join(s.file, '..', 'other.db');
    new DatabaseSync(other).close();
    renameSync(other, s.file);
    expect(await s.store.health()).toMatchObject({ ok: false, error: { code: 'store_missing' } });
    await expect(s.store.insert(record('r-0000000c'), [])).rejects.toMatchObject({ code: 'store_missing' });
  });
});

describe('a corrupt store', () => {
  it('names the cause and the way out when it is opened', () => {
    const s = opened();
    void s.store.close();
    writeFileSync(s.file, 'garbage '.repeat(1000));
    expect(() => openSqliteStore(s.file)).toThrow(
      expect.objectContaining({
        code: 'store_corrupt',
        message: expect.stringMatching(/^store: cannot open .*\(file is not a database\)/),
        hint: expect.stringMatching(/restore the store from a backup/),
      }),
    );
  });
});

describe('health()', () => {
  it('writes at most once per interval, and checks again at once after a failure', async () => {
    const s = opened({ probeInterval: 10_000 });
    const checkedAt = () =>
      (s.db.prepare('SELECT checked_at FROM health').get() as { checked_at: number } | undefined)?.checked_at;
    s.time.state.now = 1;
    expect(await s.store.health()).toEqual({ ok: true });
    expect(checkedAt()).toBe(1);
    s.time.state.now = 5000;
    expect(await s.store.health()).toEqual({ ok: true });
    expect(checkedAt()).toBe(1);
    // A write that failed makes the next check real, within the interval.
    s.db.exec('PRAGMA query_only = 1');
    await expect(s.store.appendAudit([submitted('r-0000000d')])).rejects.toMatchObject({
      code: 'store_read_only',
    });
    expect(await s.store.health()).toMatchObject({ ok: false, error: { code: 'store_read_only' } });
    s.db.exec('PRAGMA query_only = 0');
    s.time.state.now = 20_000;
    expect(await s.store.health()).toEqual({ ok: true });
    expect(checkedAt()).toBe(20_000);
  });
});
