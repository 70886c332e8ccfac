/**
 * The PostgreSQL schema and its migrations (the scheme of src/stores/migrations.ts, recorded in
 * `schema_migrations`), applied at start under a transaction-scoped advisory lock: replicas that
 * start at the same moment apply each step once, the others wait and find it done.
 *
 * Prepared for what several replicas need next: every write to a request takes a new value of
 * the global sequence `request_changes` (`requests.changed_seq`, indexed), so a change feed
 * (LISTEN/NOTIFY, or polling "changed since N") can follow all replicas' writes; the audit `seq`
 * is global too. Columns for leases on executing requests (`owner`, `lease_until`) are a later
 * step: nullable columns, added in place.
 */
import type { ClientBase } from 'pg';
import { auditHash, GENESIS } from '../../core/requests/audit-chain.ts';
import type { AuditHead } from '../../core/requests/store.ts';
import { type Migration, migrations, pending } from '../migrations.ts';
import { toAuditEvent } from '../rows.ts';

const STATUSES = `'pending', 'approved', 'executing', 'succeeded', 'failed', 'unknown', 'denied', 'expired', 'cancelled', 'rejected'`;

export const MIGRATIONS: readonly Migration<ClientBase>[] = migrations<ClientBase>([
  {
    version: 1,
    name: 'requests, audit and health',
    sql: `
      CREATE TABLE schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE SEQUENCE request_changes;
      -- Ids and keys compare byte by byte (COLLATE "C"), as in every other store.
      CREATE TABLE requests (
        id text COLLATE "C" PRIMARY KEY,
        status text NOT NULL CHECK (status IN (${STATUSES})),
        version integer NOT NULL,
        delivery_key text COLLATE "C" UNIQUE,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        expires_at bigint,
        changed_seq bigint NOT NULL DEFAULT nextval('request_changes'),
        data text NOT NULL
      );
      ALTER SEQUENCE request_changes OWNED BY requests.changed_seq;
      CREATE INDEX requests_by_status ON requests (status, created_at, id);
      CREATE INDEX requests_by_change ON requests (changed_seq);
      CREATE TABLE audit (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at bigint NOT NULL,
        request_id text COLLATE "C" NOT NULL,
        actor_platform text NOT NULL,
        actor_id text NOT NULL,
        actor_email text,
        type text NOT NULL,
        from_status text,
        to_status text,
        details text,
        -- The transaction that appended the event: how a write whose COMMIT was sent but never
        -- confirmed (the connection broke) is found to have happened, or not.
        write_id uuid NOT NULL
      );
      CREATE INDEX audit_by_request ON audit (request_id, seq);
      CREATE INDEX audit_by_write ON audit (write_id);
      CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END
      $$;
      CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
        FOR EACH ROW EXECUTE FUNCTION audit_append_only();
      CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
      -- One row that the health check writes: proof that the store can still be written.
      CREATE TABLE health (id integer PRIMARY KEY CHECK (id = 1), checked_at bigint NOT NULL);`,
  },
  {
    // The hash chain (src/core/requests/audit-chain.ts): every event's hash, and the head as the
    // last append recorded it (seq and hash): appends lock its row, so they are one at a time, in
    // commit order, and seq has no gaps from here on. Events without a hash (an older domainops
    // still running) are refused.
    version: 2,
    name: 'audit hash chain',
    sql: `
      ALTER TABLE audit ADD COLUMN hash text;
      CREATE TABLE audit_head (id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL);
      CREATE FUNCTION audit_hash_required() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit trail is hash-chained: this domainops is older than the store'; END
      $$;
      CREATE TRIGGER audit_hash_required BEFORE INSERT ON audit
        FOR EACH ROW WHEN (NEW.hash IS NULL) EXECUTE FUNCTION audit_hash_required();`,
    code: backfillHashes,
  },
  {
    // \`lastResult\`: the latest succeeded request of a target, action and subject.
    version: 3,
    name: 'last result index',
    sql: `
      CREATE INDEX requests_last_result ON requests (((data::jsonb ->> 'target')), ((data::jsonb ->> 'action')),
        ((data::jsonb ->> 'subject')), updated_at) WHERE status = 'succeeded';`,
  },
  {
    // `listByStatus(…, { expiresBy })`: the overdue pending requests, without reading the others.
    version: 4,
    name: 'expiry index',
    sql: 'CREATE INDEX requests_by_expiry ON requests (status, expires_at);',
  },
  {
    // `lastResult` of a batch's item: the batches with a succeeded item of a subject, by
    // containment (`items @> [{"subject": …, "status": "succeeded"}]`).
    version: 5,
    name: 'batch result index',
    sql: `
      CREATE INDEX requests_batch_results ON requests USING gin (((data::jsonb -> 'items')) jsonb_path_ops)
        WHERE (data::jsonb ? 'items');`,
  },
]);

/**
 * The events stored before the chain get their hashes, in seq order, a page at a time, with the
 * append-only trigger off inside this transaction only (no other session sees it off).
 */
async function backfillHashes(client: ClientBase): Promise<void> {
  await client.query('ALTER TABLE audit DISABLE TRIGGER audit_no_change');
  let head: AuditHead = { seq: 0, hash: GENESIS };
  for (;;) {
    const { rows } = await client.query('SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT 1000', [
      head.seq,
    ]);
    if (rows.length === 0) break;
    const seqs: number[] = [];
    const hashes: string[] = [];
    for (const row of rows) {
      const event = toAuditEvent(row);
      head = { seq: event.seq!, hash: auditHash(head.hash, event) };
      seqs.push(head.seq);
      hashes.push(head.hash);
    }
    await client.query(
      `UPDATE audit SET hash = v.hash FROM unnest($1::bigint[], $2::text[]) AS v(seq, hash) WHERE audit.seq = v.seq`,
      [seqs, hashes],
    );
  }
  await client.query('ALTER TABLE audit ENABLE TRIGGER audit_no_change');
  await client.query('ALTER TABLE audit ALTER COLUMN hash SET NOT NULL');
  await client.query('INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2)', [head.seq, head.hash]);
}

/** The first half of the advisory lock key: "domainops migrations" (the second is the schema's). */
const LOCK_CLASS = 0x646f6d6f;

/** The schema version of the database the client is connected to (0: no domainops tables yet). */
export async function schemaVersion(client: ClientBase): Promise<number> {
  const { rows } = await client.query<{ present: boolean }>(
    `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`,
  );
  if (!rows[0]!.present) return 0;
  const result = await client.query<{ version: number }>(
    'SELECT coalesce(max(version), 0)::integer AS version FROM schema_migrations',
  );
  return result.rows[0]!.version;
}

/**
 * Brings the schema up to date. Reads the version first (no lock when there is nothing to do);
 * otherwise, in one transaction: the advisory lock, the schema if `?schema=` names one that is
 * missing, the version again (another replica may have migrated meanwhile), the due steps.
 */
export async function migrate(client: ClientBase, schema: string | undefined): Promise<void> {
  if (schema !== undefined) {
    // Without USAGE the schema's tables are invisible (to_regclass finds none), and creating them
    // would fail with a misleading error: say it as the server would of a table.
    const { rows } = await client.query<{ usable: boolean }>(
      `SELECT has_schema_privilege(oid, 'USAGE') AS usable FROM pg_namespace WHERE nspname = $1`,
      [schema],
    );
    if (rows[0] !== undefined && !rows[0].usable) {
      throw Object.assign(new Error(`permission denied for schema ${schema}`), { code: '42501' });
    }
  }
  if (pending(MIGRATIONS, await schemaVersion(client)).length === 0) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, schema ?? '']);
    if (schema !== undefined) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      // The name is checked (lower-case letters, digits, _), so it needs no quoting.
      if (rowCount === 0) await client.query(`CREATE SCHEMA ${schema}`);
    }
    for (const step of pending(MIGRATIONS, await schemaVersion(client))) {
      await client.query(step.sql);
      await step.code?.(client);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        step.version,
        step.name,
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
