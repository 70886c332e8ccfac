import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { auditToJsonLines } from '../../src/core/requests/audit.ts';
import type { RequestRecord } from '../../src/core/requests/model.ts';
import { newRequestId } from '../../src/core/requests/model.ts';
import type { AuditEvent } from '../../src/core/requests/store.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { alice, tempDir, unclaim } from './helpers.ts';

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
    expect(raw.prepare('PRAGMA user_version').get()).toEqual({ user_version: 2 });
    raw.close();
    const again = openSqliteStore(file);
    expect(await again.get('r-00000001')).toMatchObject({ id: 'r-00000001', version: 1, status: 'pending' });
    expect(await again.listAudit({ limit: 10 })).toMatchObject([{ seq: 1, type: 'submitted' }]);
    await again.close();
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

  it('compares and sets on the version, with the audit events in the same transaction', async () => {
    const store = openSqliteStore(':memory:');
    const inserted = await store.insert(record('r-00000001'), []);
    const v1 = inserted.inserted ? inserted.record : undefined;
    expect(v1?.version).toBe(1);
    const v2 = await store.compareAndSet('r-00000001', 1, { ...v1!, status: 'denied' }, [
      event('r-00000001', 'denied'),
    ]);
    expect(v2).toMatchObject({ version: 2, status: 'denied' });
    const stale = await store.compareAndSet('r-00000001', 1, { ...v1!, status: 'approved' }, [
      event('r-00000001', 'approved'),
    ]);
    expect(stale).toBeUndefined();
    expect(await store.get('r-00000001')).toEqual(v2);
    expect((await store.listAudit({ limit: 10 })).map((e) => e.type)).toEqual(['denied']);
    expect(await store.compareAndSet('r-nothere0', 0, record('r-nothere0'), [])).toBeUndefined();
    await store.close();
  });

  it('stores one request per delivery key and reports id collisions', async () => {
    const store = openSqliteStore(':memory:');
    await store.insert(record('r-00000001', { deliveryKey: 'k1' }), [event('r-00000001', 'submitted')]);
    const dup = await store.insert(record('r-00000002', { deliveryKey: 'k1' }), [
      event('r-00000002', 'submitted'),
    ]);
    expect(dup).toMatchObject({ inserted: false, existing: { id: 'r-00000001' } });
    expect(await store.insert(record('r-00000001'), [])).toEqual({ inserted: false });
    expect(await store.findByDeliveryKey('k1')).toMatchObject({ id: 'r-00000001' });
    expect(await store.findByDeliveryKey('k2')).toBeUndefined();
    expect((await store.listAudit({ limit: 10 })).map((e) => e.requestId)).toEqual(['r-00000001']);
    await store.close();
  });

  it('lists by status and the latest audit events in order', async () => {
    const store = openSqliteStore(':memory:');
    await store.insert(record('r-b', { createdAt: 2 }), []);
    await store.insert(record('r-a', { createdAt: 1 }), []);
    await store.insert(record('r-c', { status: 'denied' }), []);
    expect((await store.listByStatus(['pending'])).map((r) => r.id)).toEqual(['r-a', 'r-b']);
    expect((await store.listByStatus(['pending', 'denied'], { limit: 1 })).map((r) => r.id)).toEqual(['r-a']);
    expect(await store.listByStatus([])).toEqual([]);
    await store.appendAudit([
      event('r-a', 'submitted', 1),
      event('r-b', 'submitted', 2),
      event('r-a', 'refused', 3),
    ]);
    expect((await store.listAudit({ limit: 2 })).map((e) => e.at)).toEqual([2, 3]);
    expect((await store.listAudit({ limit: 10, requestId: 'r-a' })).map((e) => e.type)).toEqual([
      'submitted',
      'refused',
    ]);
    await store.close();
  });
});

describe('ids and audit export', () => {
  it('makes short, distinct, command-safe ids', () => {
    const ids = new Set(Array.from({ length: 2000 }, newRequestId));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).toMatch(/^r-[0-9a-hjkmnp-tv-z]{8}$/);
  });

  it('exports the audit trail as JSON lines', () => {
    const lines = auditToJsonLines([
      { ...event('r-1', 'submitted', Date.UTC(2030, 0, 1)), seq: 1 },
      {
        seq: 2,
        at: Date.UTC(2030, 0, 1, 0, 1),
        requestId: 'r-1',
        actor: { platform: 'system', id: 'domainops' },
        type: 'expired',
        from: 'pending',
        to: 'expired',
      },
    ]);
    expect(lines.endsWith('\n')).toBe(true);
    const parsed = lines
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(parsed).toEqual([
      {
        seq: 1,
        at: '2030-01-01T00:00:00.000Z',
        requestId: 'r-1',
        actor: { platform: 'slack', id: 'UALICE', email: 'alice@corp.com' },
        type: 'submitted',
        to: 'pending',
      },
      {
        seq: 2,
        at: '2030-01-01T00:01:00.000Z',
        requestId: 'r-1',
        actor: { platform: 'system', id: 'domainops' },
        type: 'expired',
        from: 'pending',
        to: 'expired',
      },
    ]);
    expect(auditToJsonLines([])).toBe('');
  });
});
