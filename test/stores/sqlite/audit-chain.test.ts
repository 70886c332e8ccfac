/**
 * The SQLite store's hash chain beyond the contract: a store written before the chain gets its
 * events' hashes once, in seq order, when a new domainops opens it (the append-only triggers are
 * back afterwards); an older domainops can no longer append unchained events; and the store's
 * durability setting (synchronous=NORMAL in WAL mode).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { auditHash, GENESIS, verifyAuditChain } from '../../../src/core/requests/audit-chain.ts';
import { MIGRATIONS, openSqliteStore } from '../../../src/stores/sqlite/store.ts';
import { event, record } from '../../contracts/store.ts';
import { tempDir } from '../../core/requests/helpers.ts';
import { fileStore } from './store-helpers.ts';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A store file as the domainops before the hash chain left it (schema 3), with `rows` audit events. */
function oldStore(rows: number, skip: readonly number[] = []): { file: string; raw: DatabaseSync } {
  const dir = tempDir();
  cleanups.push(dir.remove);
  const file = join(dir.dir, 'data', 'domainops.db');
  mkdirSync(dirname(file), { recursive: true });
  const raw = new DatabaseSync(file);
  cleanups.push(() => {
    if (raw.isOpen) raw.close();
  });
  raw.exec(
    `${MIGRATIONS.slice(0, 3)
      .map((m) => m.sql)
      .join(';\n')}; PRAGMA user_version = 3`,
  );
  const insert = raw.prepare(
    `INSERT INTO audit (seq, at, request_id, actor_platform, actor_id, actor_email, type, from_status, to_status, details)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  raw.exec('BEGIN');
  for (let seq = 1, n = 0; n < rows; seq++) {
    if (skip.includes(seq)) continue;
    n++;
    insert.run(
      seq,
      1_700_000_000_000 + seq,
      `r-old${seq % 7}`,
      seq % 2 ? 'slack' : 'system',
      seq % 2 ? 'UALICE' : 'domainops',
      seq % 2 ? 'alice@corp.com' : null,
      seq % 3 ? 'refused' : 'expired',
      seq % 3 ? null : 'pending',
      seq % 3 ? null : 'expired',
      seq % 5 ? null : JSON.stringify({ n: seq, why: 'ü' }),
    );
  }
  raw.exec('COMMIT');
  return { file, raw };
}

describe('the SQLite store before and after the hash chain', () => {
  it('gives the events of an older store their hashes once, in seq order, and keeps the trail append-only', async () => {
    const { file, raw } = oldStore(6, [4]);
    const store = openSqliteStore(file);
    cleanups.push(() => store.close());
    const events = await store.changesSince(0, { limit: 100 });
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 5, 6, 7]);
    let previous = GENESIS;
    for (const e of events) {
      expect(e.hash).toBe(auditHash(previous, e));
      previous = e.hash!;
    }
    expect(await store.auditHead()).toEqual({ seq: 7, hash: previous });
    expect(await verifyAuditChain(store)).toEqual({ ok: true, checked: 6 });

    // The triggers are back: no update, no delete, and no event without a hash (an older domainops).
    expect(() => raw.exec('UPDATE audit SET details = NULL WHERE seq = 5')).toThrow(/append-only/);
    expect(() => raw.exec('UPDATE audit SET hash = NULL WHERE seq = 5')).toThrow(/append-only/);
    expect(() => raw.exec('DELETE FROM audit WHERE seq = 1')).toThrow(/append-only/);
    expect(() =>
      raw.exec(
        `INSERT INTO audit (at, request_id, actor_platform, actor_id, type) VALUES (1, 'r-x', 'cli', 'a@b.c', 'refused')`,
      ),
    ).toThrow('the audit trail is hash-chained: this domainops is older than the store');

    // New events go on from the head, and reopening does not hash anything again.
    await store.appendAudit([event('r-new', 'refused')]);
    await store.close();
    const again = openSqliteStore(file);
    cleanups.push(() => again.close());
    expect((await again.changesSince(7, { limit: 10 })).map((e) => e.seq)).toEqual([8]);
    expect(await verifyAuditChain(again)).toEqual({ ok: true, checked: 7 });
    expect(
      raw.prepare("SELECT count(*) AS n FROM schema_migrations WHERE name = 'audit hash chain'").get(),
    ).toEqual({ n: 1 });
  });

  it('hashes an older trail of several pages', async () => {
    const { file } = oldStore(2_345);
    const store = openSqliteStore(file);
    cleanups.push(() => store.close());
    expect(await verifyAuditChain(store)).toEqual({ ok: true, checked: 2_345 });
  });

  it('hashes nothing in an empty older store and starts the chain at the genesis', async () => {
    const { file } = oldStore(0);
    const store = openSqliteStore(file);
    cleanups.push(() => store.close());
    expect(await store.auditHead()).toEqual({ seq: 0, hash: GENESIS });
    await store.appendAudit([event('r-first', 'refused')]);
    const [first] = await store.changesSince(0);
    expect(first).toMatchObject({ seq: 1, hash: auditHash(GENESIS, first!) });
  });

  it('runs with synchronous=NORMAL in WAL mode, and syncs a request stored as executing before it returns', async () => {
    const s = fileStore();
    cleanups.push(s.remove, () => s.store.close());
    await s.store.latestSeq();
    expect(s.db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    // 1 is NORMAL (2 is FULL, SQLite's default).
    expect(s.db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 });

    // What the setting is while each write to a request commits, seen from inside it.
    s.db.function('sync_level', () =>
      Number((s.db.prepare('PRAGMA synchronous').get() as { synchronous: number }).synchronous),
    );
    s.db.exec(`CREATE TEMP TABLE seen (status TEXT, level INTEGER);
      CREATE TEMP TRIGGER seen_insert AFTER INSERT ON main.requests BEGIN INSERT INTO seen VALUES (NEW.status, sync_level()); END;
      CREATE TEMP TRIGGER seen_update AFTER UPDATE ON main.requests BEGIN INSERT INTO seen VALUES (NEW.status, sync_level()); END;`);
    const pending = await s.store.insert(record('r-sync0001'), [event('r-sync0001', 'submitted')]);
    if (!pending.inserted) throw new Error('not inserted');
    const executing = await s.store.compareAndSet(
      'r-sync0001',
      1,
      { ...pending.record, status: 'executing' },
      [],
    );
    await s.store.compareAndSet('r-sync0001', 2, { ...executing!, status: 'succeeded' }, []);
    await s.store.insert(record('r-sync0002', { status: 'executing' }), [event('r-sync0002', 'executing')]);
    expect(s.db.prepare('SELECT status, level FROM seen').all()).toEqual([
      { status: 'pending', level: 1 },
      { status: 'executing', level: 2 },
      { status: 'succeeded', level: 1 },
      { status: 'executing', level: 2 },
    ]);
    expect(s.db.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 });
  });
});
