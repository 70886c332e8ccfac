/**
 * The PostgreSQL store's hash chain beyond the contract: a database written before the chain
 * gets its events' hashes once, in seq order, when a new replica starts (the seqs it never used
 * stay unused; the append-only triggers are back afterwards); replicas appending at the same
 * moment extend one chain, in commit order, so that a reader never sees a gap.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { auditHash, GENESIS, verifyAuditChain } from '../../../src/core/requests/audit-chain.ts';
import type { RequestStore } from '../../../src/core/requests/store.ts';
import { MIGRATIONS } from '../../../src/stores/postgres/schema.ts';
import { openPostgresStore } from '../../../src/stores/postgres/store.ts';
import { event, record } from '../../contracts/store.ts';
import { admin, freshSchema, PG_URL } from './helpers.ts';

describe.skipIf(PG_URL === undefined)('the PostgreSQL store and the hash chain', () => {
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
  /** A connection to the schema, as someone with the database in hand. */
  const raw = async (s: ReturnType<typeof freshSchema>): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    cleanups.push(() => client.end());
    await client.query(`SET search_path TO ${s.name}`);
    return client;
  };

  it('gives the events of a database from before the chain their hashes once, and keeps the trail append-only', async () => {
    const s = schema();
    await admin(`CREATE SCHEMA ${s.name}`);
    const db = await raw(s);
    await db.query(MIGRATIONS[0]!.sql);
    await db.query(`INSERT INTO schema_migrations (version, name) VALUES (1, $1)`, [MIGRATIONS[0]!.name]);
    // Seqs 3 and 6 were taken by transactions that rolled back: never used.
    for (const seq of [1, 2, 4, 5, 7]) {
      await db.query(
        `INSERT INTO audit (seq, at, request_id, actor_platform, actor_id, actor_email, type, from_status, to_status, details, write_id)
         OVERRIDING SYSTEM VALUE VALUES ($1, $2, 'r-old', 'slack', 'UALICE', $3, 'refused', NULL, $4, $5, gen_random_uuid())`,
        [
          seq,
          1_700_000_000_000 + seq,
          seq % 2 ? 'alice@corp.com' : null,
          seq % 2 ? 'pending' : null,
          seq === 4 ? JSON.stringify({ b: [1, 'ü'], a: null }) : null,
        ],
      );
    }
    const store = open(s);
    const events = await store.changesSince(0, { limit: 100 });
    expect(events.map((e) => e.seq)).toEqual([1, 2, 4, 5, 7]);
    let previous = GENESIS;
    for (const e of events) {
      expect(e.hash).toBe(auditHash(previous, e));
      previous = e.hash!;
    }
    expect(await store.auditHead()).toEqual({ seq: 7, hash: previous });
    expect(await verifyAuditChain(store)).toEqual({ ok: true, checked: 5 });
    const steps = await db.query('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(steps.rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));

    // The triggers are back, and an event without a hash (an older replica) is refused.
    for (const sql of ['UPDATE audit SET details = NULL', 'DELETE FROM audit', 'TRUNCATE audit']) {
      await expect(db.query(sql)).rejects.toThrow('the audit trail is append-only');
    }
    await expect(
      db.query(
        `INSERT INTO audit (at, request_id, actor_platform, actor_id, type, write_id)
         VALUES (1, 'r-x', 'cli', 'a@b.c', 'refused', gen_random_uuid())`,
      ),
    ).rejects.toThrow('the audit trail is hash-chained: this domainops is older than the store');

    // New events go on from the head, without a gap.
    await store.insert(record('r-new00001'), [event('r-new00001', 'submitted')]);
    expect((await store.changesSince(7)).map((e) => e.seq)).toEqual([8]);
    expect(await verifyAuditChain(store)).toEqual({ ok: true, checked: 6 });
  });

  it('keeps one chain when two replicas append at the same moment, and a reader never sees a gap', async () => {
    const s = schema();
    const [one, two] = [open(s), open(s)];
    await Promise.all([one.latestSeq(), two.latestSeq()]);
    const a = await one.insert(record('r-conc0001', { conversation: { n: 0 } }), [
      event('r-conc0001', 'submitted'),
    ]);
    if (!a.inserted) throw new Error('not inserted');

    // A third replica reads the feed as fast as it can while the others write.
    let writing = true;
    const seen: number[][] = [];
    const reader = open(s);
    const reading = (async () => {
      while (writing) seen.push((await reader.changesSince(0, { limit: 1000 })).map((e) => e.seq!));
    })();

    const writer = (store: RequestStore, name: string) =>
      Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          if (i % 10 === 0) {
            // Compare-and-set writes, retried when the other replica got there first.
            for (;;) {
              const current = (await store.get('r-conc0001'))!;
              const stored = await store.compareAndSet(
                current.id,
                current.version,
                { ...current, told: `${name}${i}` },
                [event(current.id, 'approval', i)],
              );
              if (stored) return;
            }
          }
          await store.appendAudit([event(`r-${name}${i}`, 'refused', i)]);
        }),
      );
    await Promise.all([writer(one, 'one'), writer(two, 'two')]);
    writing = false;
    await reading;

    const events = await reader.changesSince(0, { limit: 1000 });
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    expect(await verifyAuditChain(reader, { page: 7 })).toEqual({ ok: true, checked: 101 });
    // Every read saw a prefix of the sequence: seq order is commit order.
    expect(seen.length).toBeGreaterThan(0);
    for (const seqs of seen) expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });
});
