import type { AuditEvent } from './store.ts';

/**
 * The audit trail as JSON Lines: one event per line, oldest first, with `at` as an ISO 8601
 * timestamp. Ends with a newline when there is at least one event.
 */
export function auditToJsonLines(events: readonly AuditEvent[]): string {
  return auditDocuments(events)
    .map((doc) => `${JSON.stringify(doc)}\n`)
    .join('');
}

/** The audit events as the JSON documents show them: oldest first, `at` in ISO 8601. */
export function auditDocuments(events: readonly AuditEvent[]): Record<string, unknown>[] {
  return events.map((e) => ({
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    requestId: e.requestId,
    actor: e.actor,
    type: e.type,
    from: e.from,
    to: e.to,
    details: e.details,
  }));
}
