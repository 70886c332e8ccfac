import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { StoreSetting } from '../../core/config/types.ts';
import { DomainopsError } from '../../core/errors.ts';
import type { RequestRecord, RequestStatus } from '../../core/requests/model.ts';
import type {
  AuditEvent,
  AuditHead,
  InsertResult,
  RequestStore,
  StoreHealth,
} from '../../core/requests/store.ts';
import { backoff, chainRows, keepAliveSleep, toAuditEvent } from '../rows.ts';
import { isConnectionError, isStoreFault, isTransient, postgresError, toStoreError } from './errors.ts';
import { CHANGES_SINCE, changesParams, LATEST_SEQ } from './feed.ts';
import { migrate } from './schema.ts';
import { type PostgresTuning, postgresConnection } from './settings.ts';

export interface PostgresStoreOptions extends PostgresTuning {
  /** How long an operation keeps retrying a lost or refused connection before it fails (default 10 s). */
  retryBudget?: number;
  /** The retry budget of the health check's write (default 1 s). */
  probeRetryBudget?: number;
  /** How often `health()` really writes (default 10 s); in between it answers from the last check. */
  probeInterval?: number;
  now?: () => number;
  /** How retries wait; tests pass one that returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /** Where PGPASSWORD, PGHOST, … are read for messages (default process.env). */
  env?: NodeJS.ProcessEnv;
}

const DEFAULTS = { retryBudget: 10_000, probeRetryBudget: 1000, probeInterval: 10_000 };

/** A bound on attempts as well as on time, whatever the clock does. */
const MAX_ATTEMPTS = 100;

/** Waits between attempts: 50, 100, 200, 400, 800, then 1000 ms, each with jitter. */
const retryWait = (attempt: number): number => backoff(attempt, 50, 1000);

const defaultSleep = keepAliveSleep;

/**
 * A transaction whose COMMIT was sent but whose answer never came (the connection broke): it may
 * or may not have happened. `pid` is the server process that ran it.
 */
class Unconfirmed extends Error {
  readonly pid: number | undefined;
  constructor(cause: unknown, pid: number | undefined) {
    super('the connection broke before the server confirmed the commit', { cause });
    this.pid = pid;
  }
}

/** What re-reading tells about an unconfirmed write: it happened (with its result), or not. */
type Confirmation<T> = { happened: true; value: T } | { happened: false };

type Row = Record<string, unknown>;

/**
 * Opens the PostgreSQL store the setting names (through a pool of `pg` connections). Nothing
 * connects until the first operation, and that one first brings the schema up to date (see
 * schema.ts). Every change is one transaction with its audit events; compare-and-set is a row
 * update on the version, so replicas never need a lock of their own; the audit events are
 * appended last, under the row lock of the hash chain's head (one appender at a time, for the
 * moment of two statements and the COMMIT). A connection that is
 * refused or lost is retried with backoff for `retryBudget`; a write whose COMMIT was sent but
 * not confirmed is never guessed at: once the server process that ran it is gone, the write is
 * looked up (its audit events by their write id, or the request by id and version) and, if it did
 * not happen, made again. Errors become store errors with stable codes (errors.ts).
 */
export function openPostgresStore(setting: StoreSetting, options: PostgresStoreOptions = {}): RequestStore {
  const settings = { ...DEFAULTS, ...options };
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const { place, pool: poolConfig } = postgresConnection(setting, options, options.env);
  const pool = new pg.Pool(poolConfig);
  // A connection that breaks while idle in the pool is dropped by the pool; the next operation
  // makes a new one. Without these listeners the 'error' event would end the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  let closed = false;

  let initialised = false;
  let initialising: Promise<void> | undefined;
  const ready = (): Promise<void> | undefined => {
    if (initialised) return undefined;
    initialising ??= (async () => {
      const client = await pool.connect();
      let broken = false;
      try {
        await migrate(client, place.schema);
      } catch (error) {
        broken = isConnectionError(error);
        throw error;
      } finally {
        client.release(broken);
      }
    })().then(
      () => {
        initialised = true;
      },
      (error: unknown) => {
        initialising = undefined;
        throw error;
      },
    );
    return initialising;
  };

  /** Bumped by every failure, so that `health()` checks again at once. */
  let failures = 0;
  const failed = (error: unknown): unknown => {
    const mapped = toStoreError(error instanceof Unconfirmed ? error.cause : error);
    if (isStoreFault(mapped)) failures++;
    return mapped;
  };
  const closedError = (): DomainopsError =>
    new DomainopsError('store_unavailable', 'the store was closed', { hint: 'restart domainops' });

  /** Whether the server process `pid` has ended (so a transaction it ran is final). */
  const ended = async (pid: number | undefined, attempt: number): Promise<boolean> => {
    if (pid === undefined) return true;
    const { rowCount } = await pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
    if (rowCount === 0) return true;
    // A session whose client vanished without a word (a lost network) lingers until TCP gives up
    // on it: end it. Allowed for the role's own sessions; otherwise wait for the server.
    if (attempt >= 3) await pool.query('SELECT pg_terminate_backend($1)', [pid]).catch(() => {});
    return false;
  };

  /**
   * Runs `op` after the schema is ready, retrying transient failures (a refused or lost
   * connection, a server starting up, a serialization failure) with backoff. When a write was
   * unconfirmed, `confirm` tells whether it happened before anything is written again.
   */
  const run = async <T>(
    op: () => Promise<T>,
    confirm?: (unconfirmed: Unconfirmed) => Promise<Confirmation<T>>,
    budget = settings.retryBudget,
  ): Promise<T> => {
    if (closed) throw closedError();
    const started = now();
    let unsure: Unconfirmed | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        await ready();
        if (unsure) {
          if (!(await ended(unsure.pid, attempt))) throw unsure;
          const found = await confirm!(unsure);
          if (found.happened) return found.value;
          unsure = undefined;
        }
        return await op();
      } catch (error) {
        if (error instanceof Unconfirmed) unsure = error;
        const cause = error instanceof Unconfirmed ? error.cause : error;
        if (!isTransient(cause) || closed) throw failed(closed ? closedError() : error);
        if (now() - started >= budget || attempt >= MAX_ATTEMPTS) {
          const mapped = failed(error);
          // A write that may have happened: say so, the caller must not assume either way.
          if (unsure && mapped instanceof DomainopsError) {
            throw new DomainopsError(
              mapped.code,
              `${mapped.message}; whether the last change was stored is not known`,
              mapped.hint === undefined ? { cause: mapped } : { hint: mapped.hint, cause: mapped },
            );
          }
          throw mapped;
        }
        await sleep(retryWait(attempt));
      }
    }
  };

  /** One transaction on one connection; a broken COMMIT is `Unconfirmed`. */
  const transaction = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let commitSent = false;
    let broken = false;
    try {
      await client.query('BEGIN');
      const value = await fn(client);
      commitSent = true;
      await client.query('COMMIT');
      return value;
    } catch (error) {
      broken = isConnectionError(error);
      if (broken && commitSent) {
        throw new Unconfirmed(error, (client as { processID?: number | null }).processID ?? undefined);
      }
      if (!broken) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
      }
      throw error;
    } finally {
      client.release(broken);
    }
  };

  /** A write: a transaction with a fresh write id (its audit events carry it). */
  const write = <T>(
    fn: (client: pg.PoolClient, writeId: string) => Promise<T>,
    confirm: (writeId: string) => Promise<Confirmation<T>>,
  ): Promise<T> => {
    let writeId = '';
    return run(
      () => {
        writeId = randomUUID();
        return transaction((client) => fn(client, writeId));
      },
      () => confirm(writeId),
    );
  };

  const eventsWritten = async (writeId: string): Promise<boolean> =>
    ((await pool.query('SELECT 1 FROM audit WHERE write_id = $1 LIMIT 1', [writeId])).rowCount ?? 0) > 0;

  /**
   * Appends the events, last in the transaction: the row lock on `audit_head` makes appends one
   * at a time, in commit order, from every replica (a writer waits for the one before it to
   * commit), so `seq` has no gaps, a reader never sees a later event before an earlier one, and
   * every event's hash follows the one committed before it. The lock is held for two statements
   * and the COMMIT.
   */
  const appendEvents = async (
    client: pg.PoolClient,
    events: readonly AuditEvent[],
    writeId: string,
  ): Promise<void> => {
    if (events.length === 0) return;
    const locked = await client.query<Row>('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE');
    const row = locked.rows[0]!;
    const chained = chainRows({ seq: Number(row.seq), hash: String(row.hash) }, events);
    const values: unknown[] = [];
    const rows = chained.rows.map((r) => {
      const base = values.length;
      values.push(
        r.seq,
        r.at,
        r.request_id,
        r.actor_platform,
        r.actor_id,
        r.actor_email,
        r.type,
        r.from_status,
        r.to_status,
        r.details,
        writeId,
        r.hash,
      );
      return `(${Array.from({ length: 12 }, (_, i) => `$${base + i + 1}`).join(', ')})`;
    });
    values.push(chained.head.seq, chained.head.hash);
    const n = values.length;
    await client.query(
      `WITH appended AS (
         INSERT INTO audit (seq, at, request_id, actor_platform, actor_id, actor_email, type, from_status, to_status, details, write_id, hash)
         OVERRIDING SYSTEM VALUE VALUES ${rows.join(', ')}
       )
       UPDATE audit_head SET seq = $${n - 1}, hash = $${n} WHERE id = 1`,
      values,
    );
  };

  const readOne = (row: Row | undefined): RequestRecord | undefined =>
    row === undefined ? undefined : (JSON.parse(String(row.data)) as RequestRecord);

  const query = (text: string, values: unknown[] = []) => run(() => pool.query<Row>(text, values));

  /** The full check: a real write. */
  const probe = async (): Promise<StoreHealth> => {
    try {
      await run(
        () =>
          pool.query(
            `INSERT INTO health (id, checked_at) VALUES (1, $1)
             ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`,
            [now()],
          ),
        undefined,
        settings.probeRetryBudget,
      );
      return { ok: true };
    } catch (error) {
      const mapped = toStoreError(error);
      if (mapped instanceof DomainopsError) return { ok: false, error: mapped };
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, error: postgresError('server', new Error(message)) };
    }
  };
  let checked: { at: number; failures: number; health: StoreHealth } | undefined;

  // Apply the migrations at once (an error is reported by the first operation, which tries again).
  void ready()?.catch(() => {});

  return {
    insert(record, events): Promise<InsertResult> {
      const stored: RequestRecord = { ...record, version: 1 };
      const data = JSON.stringify(stored);
      return write(
        async (client, writeId): Promise<InsertResult> => {
          const { rowCount } = await client.query(
            `INSERT INTO requests (id, status, version, delivery_key, created_at, updated_at, expires_at, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
            [
              stored.id,
              stored.status,
              stored.version,
              stored.deliveryKey ?? null,
              stored.createdAt,
              stored.updatedAt,
              stored.approval?.expiresAt ?? null,
              data,
            ],
          );
          if (rowCount === 1) {
            await appendEvents(client, events, writeId);
            return { inserted: true, record: stored };
          }
          const existing =
            stored.deliveryKey === undefined
              ? undefined
              : readOne(
                  (
                    await client.query<Row>('SELECT data FROM requests WHERE delivery_key = $1', [
                      stored.deliveryKey,
                    ])
                  ).rows[0],
                );
          return existing === undefined ? { inserted: false } : { inserted: false, existing };
        },
        async () => {
          // The id is new and random: a row with it and with exactly this data is this insert.
          const { rows } = await pool.query<Row>('SELECT data FROM requests WHERE id = $1', [stored.id]);
          return rows[0]?.data === data
            ? { happened: true, value: { inserted: true, record: stored } }
            : { happened: false };
        },
      );
    },

    async get(id) {
      return readOne((await query('SELECT data FROM requests WHERE id = $1', [id])).rows[0]);
    },

    async findByDeliveryKey(key) {
      return readOne((await query('SELECT data FROM requests WHERE delivery_key = $1', [key])).rows[0]);
    },

    compareAndSet(id, expectedVersion, next, events) {
      const stored: RequestRecord = { ...next, id, version: expectedVersion + 1 };
      const data = JSON.stringify(stored);
      return write(
        async (client, writeId) => {
          const { rowCount } = await client.query(
            `UPDATE requests SET status = $1, version = $2, updated_at = $3, expires_at = $4, data = $5,
               changed_seq = nextval('request_changes')
             WHERE id = $6 AND version = $7`,
            [
              stored.status,
              stored.version,
              stored.updatedAt,
              stored.approval?.expiresAt ?? null,
              data,
              id,
              expectedVersion,
            ],
          );
          if (rowCount !== 1) return undefined;
          await appendEvents(client, events, writeId);
          return stored;
        },
        async (writeId): Promise<Confirmation<RequestRecord | undefined>> => {
          if (events.length > 0)
            return (await eventsWritten(writeId)) ? { happened: true, value: stored } : { happened: false };
          const { rows } = await pool.query<Row>('SELECT version, data FROM requests WHERE id = $1', [id]);
          const row = rows[0];
          if (row === undefined) return { happened: true, value: undefined };
          if (row.version === expectedVersion) return { happened: false };
          // This write, or another writer's: a lost race, the caller re-reads and decides again.
          return {
            happened: true,
            value: row.version === stored.version && row.data === data ? stored : undefined,
          };
        },
      );
    },

    async listByStatus(statuses, options = {}) {
      if (statuses.length === 0) return [];
      const limit = options.limit === undefined ? null : Math.max(0, Math.floor(options.limit));
      const { rows } =
        options.expiresBy === undefined
          ? await query(
              'SELECT data FROM requests WHERE status = ANY($1::text[]) ORDER BY created_at, id LIMIT $2',
              [statuses as RequestStatus[], limit],
            )
          : await query(
              `SELECT data FROM requests WHERE status = ANY($1::text[]) AND expires_at <= $3
               ORDER BY created_at, id LIMIT $2`,
              [statuses as RequestStatus[], limit, options.expiresBy],
            );
      return rows.map((row) => readOne(row)!);
    },

    async countByStatus(statuses) {
      if (statuses.length === 0) return 0;
      const { rows } = await query(
        'SELECT count(*)::integer AS n FROM requests WHERE status = ANY($1::text[])',
        [statuses as RequestStatus[]],
      );
      return Number(rows[0]!.n);
    },

    async lastResult({ target, action, subject }) {
      // The later of two indexed reads: the latest succeeded request of the subject (the
      // expressions and the status literal of the index `requests_last_result`), and the latest
      // batch with a succeeded item of the subject (the containment and the predicate of the
      // index `requests_batch_results`).
      const { rows } = await query(
        `SELECT data FROM (
           (SELECT data, updated_at, changed_seq FROM requests WHERE status = 'succeeded'
              AND (data::jsonb ->> 'target') = $1 AND (data::jsonb ->> 'action') = $2
              AND (data::jsonb ->> 'subject') = $3
            ORDER BY updated_at DESC, changed_seq DESC LIMIT 1)
           UNION ALL
           (SELECT data, updated_at, changed_seq FROM requests WHERE (data::jsonb ? 'items')
              AND (data::jsonb -> 'items') @> $4::jsonb
              AND (data::jsonb ->> 'target') = $1 AND (data::jsonb ->> 'action') = $2
            ORDER BY updated_at DESC, changed_seq DESC LIMIT 1)
         ) found ORDER BY updated_at DESC, changed_seq DESC LIMIT 1`,
        [target, action, subject, JSON.stringify([{ subject, status: 'succeeded' }])],
      );
      return readOne(rows[0]);
    },

    async appendAudit(events) {
      if (events.length === 0) return;
      await write(
        (client, writeId) => appendEvents(client, events, writeId),
        async (writeId) =>
          (await eventsWritten(writeId)) ? { happened: true, value: undefined } : { happened: false },
      );
    },

    async listAudit({ limit, requestId }) {
      const n = Math.max(0, Math.floor(limit));
      const { rows } =
        requestId === undefined
          ? await query('SELECT * FROM (SELECT * FROM audit ORDER BY seq DESC LIMIT $1) t ORDER BY seq', [n])
          : await query(
              'SELECT * FROM (SELECT * FROM audit WHERE request_id = $1 ORDER BY seq DESC LIMIT $2) t ORDER BY seq',
              [requestId, n],
            );
      return rows.map(toAuditEvent);
    },

    async changesSince(seq, options = {}) {
      const { rows } = await query(CHANGES_SINCE, changesParams(seq, options.limit));
      return rows.map(toAuditEvent);
    },

    async latestSeq() {
      return Number((await query(LATEST_SEQ)).rows[0]?.seq ?? 0);
    },

    async auditHead(): Promise<AuditHead> {
      const row = (await query('SELECT seq, hash FROM audit_head WHERE id = 1')).rows[0]!;
      return { seq: Number(row.seq), hash: String(row.hash) };
    },

    async health() {
      if (closed) return { ok: false, error: closedError() };
      const fresh =
        checked !== undefined && checked.failures === failures && now() - checked.at < settings.probeInterval;
      if (fresh) return checked!.health;
      const health = await probe();
      checked = { at: now(), failures, health };
      return health;
    },

    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
