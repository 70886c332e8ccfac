import type { AuditEvent } from './store.ts';

/**
 * The audit trail as JSON Lines: one event per line, oldest first, with `at` as an ISO 8601
 * timestamp. Ends with a newline when there is at least one event.
 */
export function auditToJsonLines(events: readonly AuditEvent[]): string {
  return events
    .map((e) =>
      JSON.stringify({
        seq: e.seq,
        at: new Date(e.at).toISOString(),
        requestId: e.requestId,
        actor: e.actor,
        type: e.type,
        from: e.from,
        to: e.to,
        details: e.details,
      }),
    )
    .map((line) => `${line}\n`)
    .join('');
}
