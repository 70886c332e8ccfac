/** The PostgreSQL schema: migrations at start (safe when replicas start together), the append-only audit, the change sequence. */
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestStore } from '../../../src/core/requests/store.ts';
import { MIGRATIONS } from '../../../src/stores/postgres/schema.ts';
import { openPostgresStore } from '../../../src/stores/postgres/store.ts';
import { event, record } from '../../contracts/store.ts';
import { admin, freshSchema, PG_URL } from './helpers.ts';

describe.skipIf(PG_URL === undefined)('the PostgreSQL schema', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const schema = () => {
    const s = freshSchema();
    cleanups.push(s.drop);
    return s;
  };
  const open = (s: ReturnType<typeof freshSchema>): RequestStore => {
    const store = openPostgresStore(s.setting);
    cleanups.push(() => store.close());
    return store;
  };

  it('is created once when four replicas start at the same moment, each step recorded once', async () => {
    const s = schema();
    const stores = [open(s), open(s), open(s), open(s)];
    const results = await Promise.all(
      stores.map((store, i) => store.insert(record(`r-race000${i}`), [event(`r-race000${i}`, 'submitted')])),
    );
    expect(results.every((r) => r.inserted)).toBe(true);
    const steps = await admin(`SELECT version, name FROM ${s.name}.schema_migrations ORDER BY version`);
    expect(steps).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    // A replica that starts later finds the schema up to date and takes no lock.
    expect(await open(s).listByStatus(['pending'])).toHaveLength(4);
  });

  it('refuses a schema written by a newer domainops, and says what to do', async () => {
    const s = schema();
    await open(s).listByStatus(['pending']);
    await admin(`INSERT INTO ${s.name}.schema_migrations (version, name) VALUES (99, 'from the future')`);
    const newer = openPostgresStore(s.setting);
    cleanups.push(() => newer.close());
    await expect(newer.get('r-any00000')).rejects.toMatchObject({
      code: 'store_schema_newer',
      message: `the store was written by a newer domainops (schema 99, this one knows ${MIGRATIONS.length})`,
      hint: 'run the newer domainops, or point `store:` at another store',
    });
  });

  it('keeps the audit trail append-only: UPDATE, DELETE and TRUNCATE are refused by the database itself', async () => {
    const s = schema();
    const store = open(s);
    await store.insert(record('r-audit001'), [event('r-audit001', 'submitted')]);
    for (const sql of [
      `UPDATE ${s.name}.audit SET type = 'approved'`,
      `DELETE FROM ${s.name}.audit`,
      `TRUNCATE ${s.name}.audit`,
    ]) {
      await expect(admin(sql)).rejects.toThrow('the audit trail is append-only');
    }
    expect((await store.listAudit({ limit: 10 })).map((e) => e.type)).toEqual(['submitted']);
  });

  it('gives every write to a request a new value of one global change sequence (for a change feed)', async () => {
    const s = schema();
    const store = open(s);
    const a = await store.insert(record('r-seq00001'), []);
    await store.insert(record('r-seq00002'), []);
    const v1 = a.inserted ? a.record : undefined;
    await store.compareAndSet(v1!.id, 1, { ...v1!, status: 'denied' }, []);
    const rows = await admin<{ id: string; changed_seq: string }>(
      `SELECT id, changed_seq FROM ${s.name}.requests ORDER BY changed_seq`,
    );
    expect(rows.map((r) => r.id)).toEqual(['r-seq00002', 'r-seq00001']);
    expect(Number(rows[1]!.changed_seq)).toBeGreaterThan(Number(rows[0]!.changed_seq));
  });

  it('creates the schema named by ?schema= when it is missing, and leaves others alone', async () => {
    const s = schema();
    await open(s).listByStatus([]);
    await open(s).get('r-none0000');
    expect(await admin('SELECT 1 AS found FROM pg_namespace WHERE nspname = $1', [s.name])).toEqual([
      { found: 1 },
    ]);
    const tables = await admin<{ tablename: string }>(
      'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
      [s.name],
    );
    expect(tables.map((t) => t.tablename)).toEqual([
      'audit',
      'audit_head',
      'health',
      'requests',
      'schema_migrations',
    ]);
  });
});
