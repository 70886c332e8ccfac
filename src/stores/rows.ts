/** What the store modules share: reading an audit row back, and waiting between attempts. */
import type { RequestStatus } from '../core/requests/model.ts';
import type { AuditEvent } from '../core/requests/store.ts';

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
  return event;
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
