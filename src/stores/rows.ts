/**
 * What the store modules share: an audit row as an event and an event as a row (with its place
 * in the hash chain), and waiting between attempts.
 */
import { auditHash } from '../core/requests/audit-chain.ts';
import type { RequestStatus } from '../core/requests/model.ts';
import type { AuditEvent, AuditHead } from '../core/requests/store.ts';

/**
 * An `audit` table row (the same columns in every store) as an AuditEvent. Never throws: a row
 * edited behind domainops' back (details that are no JSON object, a time that is no number)
 * still reads, as an event whose content cannot match its hash. The unreadable column's raw text
 * is kept under `details.unreadable` (`{ "unreadable": "<raw>" }` for the details alone,
 * `{ …, "unreadable": { "at": "<raw>", … } }` by column otherwise), so `audit verify` names the row
 * as edited and `audit --json` shows what is there.
 */
export function toAuditEvent(row: Record<string, unknown>): AuditEvent {
  const unreadable: Record<string, string> = {};
  const at = Number(row.at);
  // An instant JavaScript dates can show (±8.64e15 ms); anything else shows as the epoch.
  const readableAt = Number.isFinite(at) && Math.abs(at) <= 8.64e15;
  if (!readableAt) unreadable.at = String(row.at);
  const event: AuditEvent = {
    seq: Number(row.seq),
    at: readableAt ? at : 0,
    requestId: String(row.request_id),
    actor: { platform: row.actor_platform as AuditEvent['actor']['platform'], id: String(row.actor_id) },
    type: row.type as AuditEvent['type'],
  };
  if (row.actor_email !== null && row.actor_email !== undefined) event.actor.email = String(row.actor_email);
  if (row.from_status !== null && row.from_status !== undefined)
    event.from = row.from_status as RequestStatus;
  if (row.to_status !== null && row.to_status !== undefined) event.to = row.to_status as RequestStatus;
  let details: Record<string, unknown> | undefined;
  if (row.details !== null && row.details !== undefined) {
    const raw = String(row.details);
    details = parseObject(raw);
    if (details === undefined) unreadable.details = raw;
  }
  if (Object.keys(unreadable).length > 0) {
    // The details alone: their raw text; other columns too: each one's raw text by column.
    const only = Object.keys(unreadable).length === 1 && unreadable.details !== undefined;
    details = { ...details, unreadable: only ? unreadable.details : unreadable };
  }
  if (details !== undefined) event.details = details;
  if (row.hash !== null && row.hash !== undefined) event.hash = String(row.hash);
  return event;
}

/** `text` as a JSON object; undefined when it is not JSON, or JSON of anything but an object. */
function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
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
