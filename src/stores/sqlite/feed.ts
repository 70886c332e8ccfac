/**
 * The change feed of the SQLite store: the audit sequence read from a point on. SQLite commits
 * one writer at a time (`BEGIN IMMEDIATE`) and each append takes the next `seq` after the chain's
 * head inside its transaction, so events become visible in `seq` order; each read is one range
 * scan of the primary key, cheap enough for every process on the machine to poll twice a second.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { AuditEvent } from '../../core/requests/store.ts';

/** The default and the largest page of one read. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

const statements = new WeakMap<DatabaseSync, { since: StatementSync; latest: StatementSync }>();

function prepared(db: DatabaseSync): { since: StatementSync; latest: StatementSync } {
  let s = statements.get(db);
  if (s === undefined) {
    s = {
      since: db.prepare('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?'),
      latest: db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM audit'),
    };
    statements.set(db, s);
  }
  return s;
}

/** Audit events after `seq`, oldest first, at most `limit`, converted by `toEvent`. */
export function changesSince(
  db: DatabaseSync,
  seq: number,
  limit: number | undefined,
  toEvent: (row: Record<string, unknown>) => AuditEvent,
): AuditEvent[] {
  const n = Math.min(MAX_LIMIT, Math.max(1, Math.floor(limit ?? DEFAULT_LIMIT)));
  return prepared(db)
    .since.all(Math.max(0, Math.floor(seq)), n)
    .map((row) => toEvent(row as Record<string, unknown>));
}

/** The seq of the latest audit event, 0 when there is none. */
export function latestSeq(db: DatabaseSync): number {
  return Number((prepared(db).latest.get() as { seq: number | bigint }).seq);
}
