import { mkdirSync, type Stats, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { DomainopsError } from '../../core/errors.ts';
import { auditHash, GENESIS } from '../../core/requests/audit-chain.ts';
import type { RequestRecord, RequestStatus } from '../../core/requests/model.ts';
import type {
  AuditEvent,
  AuditHead,
  InsertResult,
  RequestStore,
  StoreHealth,
} from '../../core/requests/store.ts';
import { type Migration, migrations, pending } from '../migrations.ts';
import { backoff, chainRows, keepAliveSleep, toAuditEvent } from '../rows.ts';
import { isBusy, isLasting, isStoreError, openError, storeError, toStoreError } from './errors.ts';
import { changesSince, latestSeq } from './feed.ts';

/**
 * Schema versions (src/stores/migrations.ts), applied in order. The version is kept in
 * `PRAGMA user_version` (read without touching a table) and each step is recorded in
 * `schema_migrations` from step 3 on, which records the two before it. The audit table is
 * append-only: triggers refuse UPDATE and DELETE, and this module has no code path that would try
 * (step 4 lifts the UPDATE trigger inside its own transaction to fill in the hashes of the events
 * stored before it, and puts it back).
 */
export const MIGRATIONS: readonly Migration<DatabaseSync>[] = migrations<DatabaseSync>([
  {
    version: 1,
    name: 'requests and audit',
    sql: `CREATE TABLE requests (
     id TEXT PRIMARY KEY,
     status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'executing', 'succeeded', 'failed',
       'unknown', 'denied', 'expired', 'cancelled', 'rejected')),
     version INTEGER NOT NULL,
     delivery_key TEXT UNIQUE,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     expires_at INTEGER,
     data TEXT NOT NULL
   );
   CREATE INDEX requests_by_status ON requests (status, created_at);
   CREATE TABLE audit (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     request_id TEXT NOT NULL,
     actor_platform TEXT NOT NULL,
     actor_id TEXT NOT NULL,
     actor_email TEXT,
     type TEXT NOT NULL,
     from_status TEXT,
     to_status TEXT,
     details TEXT
   );
   CREATE INDEX audit_by_request ON audit (request_id, seq);
   CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
     BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
   CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
     BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;`,
  },
  // One row that the health check writes: proof that the store can still be written.
  {
    version: 2,
    name: 'health',
    sql: 'CREATE TABLE health (id INTEGER PRIMARY KEY CHECK (id = 1), checked_at INTEGER NOT NULL);',
  },
  {
    version: 3,
    name: 'schema_migrations',
    sql: `CREATE TABLE schema_migrations (
     version INTEGER PRIMARY KEY,
     name TEXT NOT NULL,
     applied_at INTEGER NOT NULL
   );
   INSERT INTO schema_migrations (version, name, applied_at) VALUES
     (1, 'requests and audit', CAST(unixepoch('subsec') * 1000 AS INTEGER)),
     (2, 'health', CAST(unixepoch('subsec') * 1000 AS INTEGER));`,
  },
  // The hash chain (src/core/requests/audit-chain.ts): every event's hash, the head as the last
  // append recorded it (seq and hash; the next event's seq and predecessor), and a trigger that
  // refuses events without a hash (an older domainops still writing the file).
  {
    version: 4,
    name: 'audit hash chain',
    sql: `ALTER TABLE audit ADD COLUMN hash TEXT;
   CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
   CREATE TRIGGER audit_hash_required BEFORE INSERT ON audit WHEN NEW.hash IS NULL
     BEGIN SELECT RAISE(ABORT, 'the audit trail is hash-chained: this domainops is older than the store'); END;`,
    code: backfillHashes,
  },
  // \`lastResult\`: the latest succeeded request of a target, action and subject.
  {
    version: 5,
    name: 'last result index',
    sql: `CREATE INDEX requests_last_result ON requests (json_extract(data, '$.target'),
     json_extract(data, '$.action'), json_extract(data, '$.subject'), updated_at) WHERE status = 'succeeded';`,
  },
  // `listByStatus(…, { expiresBy })`: the overdue pending requests, without reading the others.
  {
    version: 6,
    name: 'expiry index',
    sql: 'CREATE INDEX requests_by_expiry ON requests (status, expires_at);',
  },
  // `lastResult` of a batch's item: the batches of a target and action, latest first.
  {
    version: 7,
    name: 'batch result index',
    sql: `CREATE INDEX requests_batch_results ON requests (json_extract(data, '$.target'),
     json_extract(data, '$.action'), updated_at) WHERE json_type(data, '$.items') = 'array';`,
  },
]);

/** The events stored before the chain get their hashes, in seq order, a page at a time. */
function backfillHashes(db: DatabaseSync): void {
  db.exec('DROP TRIGGER audit_no_update');
  const page = db.prepare('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT 1000');
  const set = db.prepare('UPDATE audit SET hash = ? WHERE seq = ?');
  let head: AuditHead = { seq: 0, hash: GENESIS };
  for (;;) {
    const rows = page.all(head.seq);
    if (rows.length === 0) break;
    for (const row of rows) {
      const event = toAuditEvent(row as Record<string, unknown>);
      head = { seq: event.seq!, hash: auditHash(head.hash, event) };
      set.run(head.hash, head.seq);
    }
  }
  db.exec(`CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
     BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;`);
  db.prepare('INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)').run(head.seq, head.hash);
}

export interface SqliteStoreOptions {
  /**
   * How long SQLite itself waits for another connection's lock (default 5 ms). SQLite waits
   * synchronously, blocking the event loop, so this stays short: longer waits are the async
   * retries below.
   */
  busyTimeout?: number;
  /** How long an operation keeps retrying a locked store, asynchronously, before `store_busy` (default 3 s). */
  retryBudget?: number;
  /** The retry budget of the health check's write (default 500 ms). */
  probeRetryBudget?: number;
  /** How often `health()` really writes (default 10 s); in between it answers from the last check. */
  probeInterval?: number;
  /** Free bytes on the store's file system below which `health()` says `store_full` (default 4 MiB). */
  minFreeBytes?: number;
  now?: () => number;
  /** How retries wait; tests pass one that moves a fake clock. */
  sleep?: (ms: number) => Promise<void>;
  /** Runs on the new connection before anything else (tests set `PRAGMA max_page_count` or `query_only`). */
  setup?: (db: DatabaseSync) => void;
}

const DEFAULTS = {
  busyTimeout: 5,
  retryBudget: 3000,
  probeRetryBudget: 500,
  probeInterval: 10_000,
  minFreeBytes: 4 * 1024 * 1024,
};

/** The pages a write may need beyond what the store has; fewer free under `max_page_count` is full. */
const HEADROOM_PAGES = 8;

/** Waits between attempts on a locked store (the timer keeps the process alive). */
const defaultSleep = keepAliveSleep;

/** A bound on attempts as well as on time, whatever the clock does. */
const MAX_ATTEMPTS = 200;

/** Waits between attempts on a locked store: 5, 10, 20, 40, 80, then 100 ms, each with jitter. */
const retryWait = (attempt: number): number => backoff(attempt, 5, 100);

/**
 * Opens (creating it and its folder if needed) the SQLite store at `path`; `:memory:` gives a
 * private in-memory store for tests. Several processes may open the same file: WAL mode and
 * `BEGIN IMMEDIATE` transactions serialise their writes. A lock held by another process never
 * blocks the event loop for more than `busyTimeout`: operations retry asynchronously with
 * backoff and fail with `store_busy` after `retryBudget`. SQLite errors become store errors
 * with stable codes (`store_full`, `store_read_only`, `store_corrupt`, …), and a store file that
 * was deleted or replaced while open is noticed before every write (`store_missing`) instead of
 * writing into a file nobody will open again.
 */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): RequestStore {
  const settings = { ...DEFAULTS, ...options };
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const inMemory = path === ':memory:';

  let db: DatabaseSync;
  let identity: Stats | undefined;
  try {
    if (!inMemory) mkdirSync(dirname(path), { recursive: true });
    db = new DatabaseSync(path, { timeout: settings.busyTimeout });
  } catch (error) {
    // A message naming the setting, not a stack trace (`domainops exec` exits 1 with it).
    throw openError(path, error);
  }
  try {
    options.setup?.(db);
    if (!inMemory) identity = statSync(path);
  } catch (error) {
    db.close();
    throw openError(path, error);
  }

  /**
   * A write transaction. `durable`: committed with synchronous=FULL, synced to the disk before it
   * returns (and with it every commit before it): for a request stored as `executing`, since the
   * vendor may be called right after, and a power loss must never bring back an earlier state
   * from which the request would run again.
   */
  const transaction = <T>(fn: () => T, durable = false): T => {
    if (!durable) return inTransaction(fn);
    db.exec('PRAGMA synchronous = FULL');
    try {
      return inTransaction(fn);
    } finally {
      db.exec('PRAGMA synchronous = NORMAL');
    }
  };
  const inTransaction = <T>(fn: () => T): T => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const value = fn();
      db.exec('COMMIT');
      return value;
    } catch (error) {
      // SQLite may have rolled back already (SQLITE_FULL does): a second ROLLBACK would fail with
      // "no transaction is active" and hide the error that says what happened.
      if (db.isTransaction) {
        try {
          db.exec('ROLLBACK');
        } catch {
          // The first error is the one to report.
        }
      }
      throw error;
    }
  };

  /** Undefined while the file at `path` is the one we opened; otherwise `store_missing`. */
  const fileProblem = (): DomainopsError | undefined => {
    if (identity === undefined) return undefined;
    try {
      const current = statSync(path);
      if (current.ino === identity.ino && current.dev === identity.dev) return undefined;
      return storeError('store_missing');
    } catch (error) {
      return storeError('store_missing', error);
    }
  };

  /** Bumped by every lasting failure, so that `health()` checks again at once. */
  let failures = 0;
  const failed = (error: unknown): unknown => {
    const mapped = toStoreError(error);
    if (isStoreError(mapped) && (isLasting(mapped) || mapped.code === 'store_busy')) failures++;
    return mapped;
  };

  /**
   * Runs `op` (synchronous SQLite work), retrying asynchronously while another connection holds
   * the lock; `write` checks first that the file is still the one we opened.
   */
  const retrying = async <T>(op: () => T, write: boolean, budget = settings.retryBudget): Promise<T> => {
    const started = now();
    for (let attempt = 0; ; attempt++) {
      try {
        if (write) {
          const problem = fileProblem();
          if (problem) throw problem;
        }
        return op();
      } catch (error) {
        if (!isBusy(error)) throw failed(error);
        if (now() - started >= budget || attempt >= MAX_ATTEMPTS)
          throw failed(storeError('store_busy', error));
        await sleep(retryWait(attempt));
      }
    }
  };

  // Opening: WAL mode and the schema. Only a schema change takes the write lock; if another
  // process holds it, the migration waits (asynchronously) for the first operation.
  // synchronous=NORMAL: in WAL mode a commit is not synced to disk at once, only at checkpoints.
  // A process that crashes loses nothing (the WAL is in the operating system's hands); a power
  // loss or an operating system crash may lose the last commits, and never corrupts the file.
  // A request stored as executing is the exception (`transaction(…, durable)`).
  const initialise = (): void => {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    migrate(db, transaction, now);
  };
  let initialised = false;
  let initialising: Promise<void> | undefined;
  try {
    initialise();
    initialised = true;
  } catch (error) {
    if (!isBusy(error)) {
      db.close();
      throw openError(path, error);
    }
  }
  const ready = (): Promise<void> | undefined => {
    if (initialised) return undefined;
    initialising ??= retrying(initialise, true).then(
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

  /** One store operation: after opening finished, with retries on a lock. */
  const op = async <T>(fn: () => T, write: boolean): Promise<T> => {
    await ready();
    return retrying(fn, write);
  };

  // Prepared on first use: until the migrations ran, the tables may not exist yet.
  let prepared: ReturnType<typeof prepare> | undefined;
  const sql = (): ReturnType<typeof prepare> => (prepared ??= prepare(db));

  const head = (): AuditHead => {
    const row = sql().selectHead.get() as { seq: number | bigint; hash: string };
    return { seq: Number(row.seq), hash: row.hash };
  };
  /** Inside a write transaction (`BEGIN IMMEDIATE`: one writer at a time): the next links of the chain. */
  const appendEvents = (events: readonly AuditEvent[]): void => {
    if (events.length === 0) return;
    const chained = chainRows(head(), events);
    for (const r of chained.rows) {
      sql().insertAudit.run(
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
        r.hash,
      );
    }
    sql().updateHead.run(chained.head.seq, chained.head.hash);
  };
  const readOne = (row: Record<string, unknown> | undefined): RequestRecord | undefined =>
    row === undefined ? undefined : (JSON.parse(String(row.data)) as RequestRecord);

  /** Whether the page limit leaves room to grow (`PRAGMA max_page_count`; huge unless someone set it). */
  const pagesLeft = (): number => {
    const pragma = (name: string): number => Number(Object.values(db.prepare(`PRAGMA ${name}`).get()!)[0]);
    return pragma('max_page_count') - pragma('page_count') + pragma('freelist_count');
  };

  /** The full check: room on the disk and under the page limit, then a real write. */
  const probe = async (): Promise<StoreHealth> => {
    try {
      if (!inMemory) {
        const fs = statfsSync(dirname(path));
        if (Number(fs.bavail) * Number(fs.bsize) < settings.minFreeBytes) throw storeError('store_full');
      }
      await ready();
      if (pagesLeft() < HEADROOM_PAGES) throw storeError('store_full');
      await retrying(() => transaction(() => sql().upsertHealth.run(now())), true, settings.probeRetryBudget);
      return { ok: true };
    } catch (error) {
      const mapped = toStoreError(error);
      if (isStoreError(mapped)) return { ok: false, error: mapped };
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, error: storeError('store_unavailable', new Error(message)) };
    }
  };
  let checked: { at: number; failures: number; health: StoreHealth } | undefined;

  return {
    async insert(record, events): Promise<InsertResult> {
      const stored: RequestRecord = { ...record, version: 1 };
      return op(
        () =>
          transaction((): InsertResult => {
            const { changes } = sql().insertRequest.run(
              stored.id,
              stored.status,
              stored.version,
              stored.deliveryKey ?? null,
              stored.createdAt,
              stored.updatedAt,
              stored.approval?.expiresAt ?? null,
              JSON.stringify(stored),
            );
            if (changes === 1) {
              appendEvents(events);
              return { inserted: true, record: stored };
            }
            const existing =
              stored.deliveryKey === undefined
                ? undefined
                : readOne(sql().selectByKey.get(stored.deliveryKey));
            return existing === undefined ? { inserted: false } : { inserted: false, existing };
          }, stored.status === 'executing'),
        true,
      );
    },

    get(id) {
      return op(() => readOne(sql().selectById.get(id)), false);
    },

    findByDeliveryKey(key) {
      return op(() => readOne(sql().selectByKey.get(key)), false);
    },

    compareAndSet(id, expectedVersion, next, events) {
      const stored: RequestRecord = { ...next, id, version: expectedVersion + 1 };
      return op(
        () =>
          transaction(() => {
            const { changes } = sql().updateRequest.run(
              stored.status,
              stored.version,
              stored.updatedAt,
              stored.approval?.expiresAt ?? null,
              JSON.stringify(stored),
              id,
              expectedVersion,
            );
            if (changes !== 1) return undefined;
            appendEvents(events);
            return stored;
          }, stored.status === 'executing'),
        true,
      );
    },

    async listByStatus(statuses, options = {}) {
      if (statuses.length === 0) return [];
      const marks = statuses.map(() => '?').join(', ');
      const limit = options.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(options.limit))}`;
      const params: SQLInputValue[] = [...statuses];
      let due = '';
      if (options.expiresBy !== undefined) {
        due = ' AND expires_at <= ?';
        params.push(options.expiresBy);
      }
      return op(() => {
        const rows = db
          .prepare(
            `SELECT data FROM requests WHERE status IN (${marks})${due} ORDER BY created_at, id${limit}`,
          )
          .all(...params);
        return rows.map((row) => readOne(row)!);
      }, false);
    },

    async countByStatus(statuses) {
      if (statuses.length === 0) return 0;
      const marks = statuses.map(() => '?').join(', ');
      return op(() => {
        const row = db
          .prepare(`SELECT count(*) AS n FROM requests WHERE status IN (${marks})`)
          .get(...(statuses as RequestStatus[])) as { n: number | bigint };
        return Number(row.n);
      }, false);
    },

    lastResult({ target, action, subject }) {
      return op(
        () => readOne(sql().selectLastResult.get(target, action, subject, target, action, subject)),
        false,
      );
    },

    async appendAudit(events) {
      if (events.length === 0) return;
      await op(() => transaction(() => appendEvents(events)), true);
    },

    listAudit({ limit, requestId }) {
      const where = requestId === undefined ? '' : 'WHERE request_id = ?';
      const params: SQLInputValue[] = requestId === undefined ? [] : [requestId];
      return op(
        () =>
          db
            .prepare(
              `SELECT * FROM (SELECT * FROM audit ${where} ORDER BY seq DESC LIMIT ?) ORDER BY seq ASC`,
            )
            .all(...params, Math.max(0, Math.floor(limit)))
            .map(toAuditEvent),
        false,
      );
    },

    changesSince(seq, options = {}) {
      return op(() => changesSince(db, seq, options.limit, toAuditEvent), false);
    },

    latestSeq() {
      return op(() => latestSeq(db), false);
    },

    auditHead() {
      return op(head, false);
    },

    async health() {
      if (!db.isOpen) return { ok: false, error: storeError('store_unavailable') };
      const problem = fileProblem();
      if (problem) return { ok: false, error: problem };
      const fresh =
        checked !== undefined && checked.failures === failures && now() - checked.at < settings.probeInterval;
      if (fresh) return checked!.health;
      const health = await probe();
      checked = { at: now(), failures, health };
      return health;
    },

    async close() {
      if (db.isOpen) db.close();
    },
  };
}

/** The statements every operation uses, prepared once. */
function prepare(db: DatabaseSync) {
  return {
    insertRequest: db.prepare(
      `INSERT INTO requests (id, status, version, delivery_key, created_at, updated_at, expires_at, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    updateRequest: db.prepare(
      `UPDATE requests SET status = ?, version = ?, updated_at = ?, expires_at = ?, data = ?
       WHERE id = ? AND version = ?`,
    ),
    selectById: db.prepare('SELECT data FROM requests WHERE id = ?'),
    selectByKey: db.prepare('SELECT data FROM requests WHERE delivery_key = ?'),
    insertAudit: db.prepare(
      `INSERT INTO audit (seq, at, request_id, actor_platform, actor_id, actor_email, type, from_status, to_status, details, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    selectHead: db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1'),
    updateHead: db.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1'),
    // The later of two indexed reads: the latest succeeded request of the subject (the
    // expressions and the status literal of the index `requests_last_result`), and the latest
    // batch with a succeeded item of the subject (the batches of the target and action through
    // `requests_batch_results`, latest first, until one has such an item).
    selectLastResult: db.prepare(
      `SELECT data FROM (
         SELECT * FROM (
           SELECT data, updated_at, id FROM requests WHERE status = 'succeeded'
             AND json_extract(data, '$.target') = ? AND json_extract(data, '$.action') = ?
             AND json_extract(data, '$.subject') = ?
           ORDER BY updated_at DESC, id DESC LIMIT 1)
         UNION ALL
         SELECT * FROM (
           SELECT data, updated_at, id FROM requests WHERE json_type(data, '$.items') = 'array'
             AND json_extract(data, '$.target') = ? AND json_extract(data, '$.action') = ?
             AND EXISTS (SELECT 1 FROM json_each(data, '$.items') AS item
               WHERE json_extract(item.value, '$.subject') = ? AND json_extract(item.value, '$.status') = 'succeeded')
           ORDER BY updated_at DESC, id DESC LIMIT 1)
       ) ORDER BY updated_at DESC, id DESC LIMIT 1`,
    ),
    upsertHealth: db.prepare(
      `INSERT INTO health (id, checked_at) VALUES (1, ?)
       ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`,
    ),
  };
}

function userVersion(db: DatabaseSync): number {
  return (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
}

/** Brings the schema up to date; takes the write lock only when there is something to do. */
function migrate(db: DatabaseSync, transaction: <T>(fn: () => T) => T, now: () => number): void {
  if (pending(MIGRATIONS, userVersion(db)).length === 0) return;
  transaction(() => {
    // Read again under the lock: another process may have migrated in between.
    for (const step of pending(MIGRATIONS, userVersion(db))) {
      db.exec(step.sql);
      // Synchronous: the transaction is this connection's, and nothing may run in between.
      if (step.code?.(db) instanceof Promise)
        throw new Error(`migration ${step.version} must be synchronous`);
      if (step.version >= 3) {
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          step.version,
          step.name,
          now(),
        );
      }
    }
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
  });
}
