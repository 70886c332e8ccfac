/**
 * What only the SQLite store does: its file, folder, WAL mode, schema versions and the triggers
 * that keep the audit table append-only. What every store does is the store contract
 * (test/contracts/store.ts, run for SQLite by test/contracts/store-sqlite.test.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../../src/core/requests/model.ts';
import type { AuditEvent } from '../../../src/core/requests/store.ts';
import { MIGRATIONS, openSqliteStore } from '../../../src/stores/sqlite/store.ts';
import { alice, tempDir, unclaim } from '../../core/requests/helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

function tempFile(): string {
  const t = tempDir();
  cleanups.push(t.remove);
  return join(t.dir, 'nested', 'deeper', 'domainops.db');
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
    approval: { approvers: ['admins'], count: 1, expiresAt: 5000 },
    ...over,
  };
}

const event = (requestId: string, type: AuditEvent['type'], at = 1000): AuditEvent => ({
  at,
  requestId,
  actor: { platform: 'slack', id: 'UALICE', email: 'alice@corp.com' },
  type,
  to: 'pending',
});

describe('sqlite store', () => {
  it('creates its folder, uses WAL and a schema version, and keeps data across reopening', async () => {
    const file = tempFile();
    const store = openSqliteStore(file);
    expect((await store.insert(record('r-00000001'), [event('r-00000001', 'submitted')])).inserted).toBe(
      true,
    );
    await store.close();
    await store.close();
    expect(existsSync(file)).toBe(true);
    const raw = new DatabaseSync(file);
    expect(raw.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(raw.prepare('PRAGMA user_version').get()).toEqual({ user_version: MIGRATIONS.length });
    expect(raw.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
    );
    raw.close();
    const again = openSqliteStore(file);
    expect(await again.get('r-00000001')).toMatchObject({ id: 'r-00000001', version: 1, status: 'pending' });
    expect(await again.listAudit({ limit: 10 })).toMatchObject([{ seq: 1, type: 'submitted' }]);
    await again.close();
  });

  it('brings a store of schema 2 (before the migrations table) up to date and records every step', async () => {
    const file = tempFile();
    mkdirSync(dirname(file), { recursive: true });
    const raw = new DatabaseSync(file);
    raw.exec(`${MIGRATIONS[0]!.sql}; ${MIGRATIONS[1]!.sql}; PRAGMA user_version = 2`);
    raw
      .prepare('INSERT INTO audit (at, request_id, actor_platform, actor_id, type) VALUES (1, ?, ?, ?, ?)')
      .run('r-old00001', 'cli', 'alice@corp.com', 'refused');
    const store = openSqliteStore(file, { now: () => 1234 });
    expect(await store.listAudit({ limit: 10 })).toMatchObject([
      { requestId: 'r-old00001', type: 'refused' },
    ]);
    await store.close();
    expect(raw.prepare('PRAGMA user_version').get()).toEqual({ user_version: MIGRATIONS.length });
    const steps = raw
      .prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')
      .all();
    expect(steps.map((r) => [r.version, r.name])).toEqual([
      [1, 'requests and audit'],
      [2, 'health'],
      [3, 'schema_migrations'],
      [4, 'audit hash chain'],
      [5, 'last result index'],
      [6, 'expiry index'],
      [7, 'batch result index'],
    ]);
    expect(steps.slice(2).map((r) => r.applied_at)).toEqual([1234, 1234, 1234, 1234, 1234]);
    raw.close();
  });

  it('refuses to open a store written by a newer schema', async () => {
    const file = tempFile();
    await openSqliteStore(file).close();
    const raw = new DatabaseSync(file);
    raw.exec('PRAGMA user_version = 99');
    raw.close();
    expect(() => openSqliteStore(file)).toThrow(expect.objectContaining({ code: 'store_schema_newer' }));
  });

  it('keeps the audit trail append-only', async () => {
    const file = tempFile();
    const store = openSqliteStore(file);
    await store.appendAudit([event('r-00000001', 'refused')]);
    const raw = new DatabaseSync(file);
    expect(() => raw.exec("UPDATE audit SET type = 'x'")).toThrow(/append-only/);
    expect(() => raw.exec('DELETE FROM audit')).toThrow(/append-only/);
    raw.close();
    expect(await store.listAudit({ limit: 5 })).toHaveLength(1);
    await store.close();
  });
});
