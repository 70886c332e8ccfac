/**
 * What the store modules share: an audit row as an event and an event as a row (with its place
 * in the hash chain), and waiting between attempts.
 */
import { auditHash } from '../core/requests/audit-chain.ts';
import type { RequestStatus } from '../core/requests/model.ts';
import type { AuditEvent, AuditHead } from '../core/requests/store.ts';

/** An `audit` table row (the same columns in every store) as an AuditEvent. */
export function toAuditEvent(row: Record<string, unknown>): AuditEvent {
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
  if (row.hash !== null && row.hash !== undefined) event.hash = String(row.hash);
  return event;
}

/** An `audit` table row about to be inserted (the same columns in every store). */
export interface AuditRow {
  seq: number;
  at: number;
  request_id: string;
  actor_platform: string;
  actor_id: string;
  actor_email: string | null;
  type: string;
  from_status: string | null;
  to_status: string | null;
  details: string | null;
  hash: string;
}

/**
 * The rows of `events` appended after `head`: each gets the next `seq` and its chain hash,
 * computed from the row exactly as it reads back (`toAuditEvent`), so that what is verified
 * later is what was hashed. Returns the rows and the new head.
 */
export function chainRows(
  head: AuditHead,
  events: readonly AuditEvent[],
): { rows: AuditRow[]; head: AuditHead } {
  let { seq, hash } = head;
  const rows = events.map((e): AuditRow => {
    seq++;
    const row: Omit<AuditRow, 'hash'> = {
      seq,
      at: e.at,
      request_id: e.requestId,
      actor_platform: e.actor.platform,
      actor_id: e.actor.id,
      actor_email: e.actor.email ?? null,
      type: e.type,
      from_status: e.from ?? null,
      to_status: e.to ?? null,
      details: e.details === undefined ? null : JSON.stringify(e.details),
    };
    hash = auditHash(hash, toAuditEvent(row as unknown as Record<string, unknown>));
    return { ...row, hash };
  });
  return { rows, head: { seq, hash } };
}

/** The wait before attempt `attempt` (0, 1, …): `first` ms doubling up to `cap`, each with jitter. */
export function backoff(attempt: number, first: number, cap: number): number {
  const base = Math.min(first * 2 ** attempt, cap);
  return Math.round(base * (0.5 + Math.random() / 2));
}

/**
 * Waits between attempts. The timer keeps the process alive: somebody awaits the operation, and a
 * command line run whose only pending work is this wait must not exit mid-command (Node ends a
 * process whose event loop holds only unreferenced timers).
 */
export const keepAliveSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
