import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { DomainopsError } from '../errors.ts';
import type { RequestRecord, RequestStatus } from './model.ts';
import type { AuditEvent, InsertResult, RequestStore } from './store.ts';

/**
 * Schema versions, applied in order and recorded in `PRAGMA user_version`. Never edit a
 * shipped step: add a new one. The audit table is append-only: triggers refuse UPDATE and
 * DELETE, and this module has no code path that would try.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE requests (
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
];

/** How long a writer waits for another process's lock before SQLite reports "database is locked". */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating it and its folder if needed) the SQLite store at `path`; `:memory:` gives a
 * private in-memory store for tests. Several processes may open the same file: WAL mode, a busy
 * timeout and `BEGIN IMMEDIATE` transactions serialise their writes.
 */
export function openSqliteStore(path: string): RequestStore {
  let db: DatabaseSync;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec('PRAGMA journal_mode = WAL');
  } catch (error) {
    // A message naming the setting, not a stack trace (`domainops exec` exits 1 with it).
    const e = error as NodeJS.ErrnoException;
    const reason = e.syscall !== undefined && e.code !== undefined ? e.code : e.message;
    throw new DomainopsError('store_unavailable', `store: cannot open ${path} (${reason})`, {
      hint: 'point store: in domainops.yaml at a file in a folder domainops can write',
      cause: error,
    });
  }
  const transaction = <T>(fn: () => T): T => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const value = fn();
      db.exec('COMMIT');
      return value;
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  };
  transaction(() => migrate(db));

  const insertRequest = db.prepare(
    `INSERT INTO requests (id, status, version, delivery_key, created_at, updated_at, expires_at, data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const updateRequest = db.prepare(
    `UPDATE requests SET status = ?, version = ?, updated_at = ?, expires_at = ?, data = ?
     WHERE id = ? AND version = ?`,
  );
  const selectById = db.prepare('SELECT data FROM requests WHERE id = ?');
  const selectByKey = db.prepare('SELECT data FROM requests WHERE delivery_key = ?');
  const insertAudit = db.prepare(
    `INSERT INTO audit (at, request_id, actor_platform, actor_id, actor_email, type, from_status, to_status, details)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  const appendEvents = (events: readonly AuditEvent[]): void => {
    for (const e of events) {
      insertAudit.run(
        e.at,
        e.requestId,
        e.actor.platform,
        e.actor.id,
        e.actor.email ?? null,
        e.type,
        e.from ?? null,
        e.to ?? null,
        e.details === undefined ? null : JSON.stringify(e.details),
      );
    }
  };
  const readOne = (row: Record<string, unknown> | undefined): RequestRecord | undefined =>
    row === undefined ? undefined : (JSON.parse(String(row.data)) as RequestRecord);

  return {
    async insert(record, events): Promise<InsertResult> {
      const stored: RequestRecord = { ...record, version: 1 };
      return transaction(() => {
        const { changes } = insertRequest.run(
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
          stored.deliveryKey === undefined ? undefined : readOne(selectByKey.get(stored.deliveryKey));
        return existing === undefined ? { inserted: false } : { inserted: false, existing };
      });
    },

    async get(id) {
      return readOne(selectById.get(id));
    },

    async findByDeliveryKey(key) {
      return readOne(selectByKey.get(key));
    },

    async compareAndSet(id, expectedVersion, next, events) {
      const stored: RequestRecord = { ...next, id, version: expectedVersion + 1 };
      return transaction(() => {
        const { changes } = updateRequest.run(
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
      });
    },

    async listByStatus(statuses, options = {}) {
      if (statuses.length === 0) return [];
      const marks = statuses.map(() => '?').join(', ');
      const limit = options.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(options.limit))}`;
      const rows = db
        .prepare(`SELECT data FROM requests WHERE status IN (${marks}) ORDER BY created_at, id${limit}`)
        .all(...(statuses as RequestStatus[]));
      return rows.map((row) => readOne(row)!);
    },

    async appendAudit(events) {
      transaction(() => appendEvents(events));
    },

    async listAudit({ limit, requestId }) {
      const where = requestId === undefined ? '' : 'WHERE request_id = ?';
      const params: SQLInputValue[] = requestId === undefined ? [] : [requestId];
      const rows = db
        .prepare(`SELECT * FROM (SELECT * FROM audit ${where} ORDER BY seq DESC LIMIT ?) ORDER BY seq ASC`)
        .all(...params, Math.max(0, Math.floor(limit)));
      return rows.map(toAuditEvent);
    },

    async close() {
      if (db.isOpen) db.close();
    },
  };
}

function migrate(db: DatabaseSync): void {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  if (row.user_version > MIGRATIONS.length) {
    throw new DomainopsError(
      'store_schema_newer',
      `the store was written by a newer domainops (schema ${row.user_version}, this one knows ${MIGRATIONS.length})`,
      { hint: 'run the newer domainops, or point `store:` at another file' },
    );
  }
  for (let v = row.user_version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
  db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
}

function toAuditEvent(row: Record<string, unknown>): AuditEvent {
  const event: AuditEvent = {
    seq: Number(row.seq),
    at: Number(row.at),
    requestId: String(row.request_id),
    actor: { platform: row.actor_platform as AuditEvent['actor']['platform'], id: String(row.actor_id) },
    type: row.type as AuditEvent['type'],
  };
  if (row.actor_email !== null) event.actor.email = String(row.actor_email);
  if (row.from_status !== null) event.from = row.from_status as RequestStatus;
  if (row.to_status !== null) event.to = row.to_status as RequestStatus;
  if (row.details !== null) event.details = JSON.parse(String(row.details)) as Record<string, unknown>;
  return event;
}
