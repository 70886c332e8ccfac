import { chainedMembers, follows, GENESIS } from './audit-chain.ts';
import { STOPPED } from './stopped.ts';
import type { AuditEvent, RequestStore } from './store.ts';

/**
 * The audit trail as JSON Lines: one event per line, oldest first, with `at` as an ISO 8601
 * timestamp. Ends with a newline when there is at least one event.
 */
export function auditToJsonLines(events: readonly AuditEvent[]): string {
  return auditDocuments(events)
    .map((doc) => `${JSON.stringify(doc)}\n`)
    .join('');
}

/**
 * The audit events as the JSON documents show them: oldest first, `at` in ISO 8601, and the
 * chain's `hash` (./audit-chain.ts) of every stored event.
 */
export function auditDocuments(events: readonly AuditEvent[]): Record<string, unknown>[] {
  return events.map(auditDocument);
}

/** One event's JSON document: `seq`, `at`, `requestId`, `actor`, `type`, `from`, `to`, `details`, `hash`. */
export function auditDocument(e: AuditEvent): Record<string, unknown> {
  return { ...chainedMembers(e), hash: e.hash };
}

export interface FollowAuditOptions {
  /** Events after this seq are followed (0: from the first). */
  after: number;
  /** Takes events in seq order, each once; resolves when they may be followed by more (backpressure). */
  emit(events: readonly AuditEvent[]): Promise<void>;
  /** Ends the following. */
  signal: AbortSignal;
  now(): number;
  /** Resolves after `ms`, or rejects when `signal` is aborted. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** How often the store is read when it sends no notifications (default 500 ms). */
  interval?: number;
  /** How long a gap in the sequence is waited for before the events after it are passed on (default 30 s). */
  gapWait?: number;
  /** Told when a read fails (`first`: the first failure since the last read that worked). */
  onError?(error: unknown, first: boolean): void;
}

/** How many events one read takes. */
const PAGE = 500;

/**
 * Follows the audit trail: every event after `after`, then each new one as any process appends
 * it, in seq order and each once, until `signal` is aborted. Reads the change feed at every
 * `interval`, and at once when the store notifies (`watch`). Never passes over a gap that may
 * still fill (a server database may show an event before one with a smaller seq has committed):
 * an event that follows from the last one passed on (the hash chain proves nothing is between
 * them, also over seqs that were never used) goes on at once; otherwise the gap is waited for,
 * for at most `gapWait`. Returns the seq of the last event passed on.
 */
export async function followAudit(store: RequestStore, options: FollowAuditOptions): Promise<number> {
  const interval = options.interval ?? 500;
  const gapWait = options.gapWait ?? 30_000;
  const { signal } = options;
  let from = options.after;
  let last: string | undefined;
  let gapSince: number | undefined;
  let failing = false;
  let wake: (() => void) | undefined;
  const unwatch = store.watch?.(() => wake?.());
  try {
    let started = false;
    while (!signal.aborted) {
      let more = false;
      try {
        if (!started) {
          // The hash of the event to follow on from: the first new one must follow from it.
          last =
            from === 0
              ? GENESIS
              : (await store.changesSince(from - 1, { limit: 1 })).find((e) => e.seq === from)?.hash;
          started = true;
        }
        const events = await store.changesSince(from, { limit: PAGE });
        const ready: AuditEvent[] = [];
        for (const event of events) {
          const seq = event.seq!;
          const next = seq === from + 1 || (last !== undefined && follows(last, event));
          if (!next) {
            gapSince ??= options.now();
            if (options.now() - gapSince < gapWait) break;
          }
          ready.push(event);
          from = seq;
          last = event.hash;
          gapSince = undefined;
        }
        if (ready.length > 0) await options.emit(ready);
        failing = false;
        more = events.length === PAGE && ready.length === events.length;
      } catch (error) {
        if (signal.aborted) break;
        options.onError?.(error, !failing);
        failing = true;
      }
      if (more || signal.aborted) continue;
      const waiting = new AbortController();
      wake = () => waiting.abort(STOPPED);
      try {
        await options.sleep(interval, AbortSignal.any([signal, waiting.signal]));
      } catch {
        // Woken by a notification, or stopped.
      }
      wake = undefined;
    }
  } finally {
    unwatch?.();
  }
  return from;
}
