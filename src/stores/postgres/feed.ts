/**
 * The change feed of the PostgreSQL store: the audit sequence read from a point on. Appends take
 * `seq` (one more than the head's) under the row lock of `audit_head`, held until they commit, so
 * events commit in `seq` order without gaps. Followers still read again from a gap should one
 * show (src/core/requests/replicas.ts): a database written before the hash chain has gaps of
 * transactions that rolled back, and a reader must never rely on the writer's locking alone.
 */

/** The default and the largest page of one read. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** Audit events after $1, oldest first, at most $2 (an index range scan of the primary key). */
export const CHANGES_SINCE = 'SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2';

/** The latest audit seq, 0 when there is none. */
export const LATEST_SEQ = 'SELECT coalesce(max(seq), 0)::bigint AS seq FROM audit';

/** The parameters of CHANGES_SINCE. */
export function changesParams(seq: number, limit: number | undefined): [number, number] {
  return [Math.max(0, Math.floor(seq)), Math.min(MAX_LIMIT, Math.max(1, Math.floor(limit ?? DEFAULT_LIMIT)))];
}
