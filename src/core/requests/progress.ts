/**
 * Writing to a request while it runs, without changing its state: the serialised writer that
 * a run's own concurrent writes share (batch items finishing together, interim results, the
 * final write), and the interim reporter of a long vendor call (`ExecuteOptions.progress`).
 */
import type { VendorResult } from '../ports.ts';
import type { RequestProgress, RequestRecord } from './model.ts';
import type { AuditEvent, RequestStore } from './store.ts';
import { contention, MAX_ATTEMPTS, SYSTEM, type Transitions } from './transitions.ts';

/** A change a writer makes: the next record and the audit events that go with it. */
export interface Change {
  next: RequestRecord;
  events: AuditEvent[];
}

/**
 * One process's writes to one request, one at a time: each applies `mutate` to the request as
 * last read and writes it with a compare-and-set; when another writer (another process, a lease
 * renewal, a card claim) got there first, it reads the request again and applies `mutate` again.
 * `mutate` returns undefined to write nothing (the request is no longer this run's, say).
 */
export interface RecordWriter {
  update(mutate: (current: RequestRecord) => Change | undefined): Promise<RequestRecord | undefined>;
  /** The request as this writer last read or wrote it. */
  readonly latest: RequestRecord;
}

export function createWriter(store: RequestStore, t: Transitions, initial: RequestRecord): RecordWriter {
  let latest = initial;
  let chain: Promise<unknown> = Promise.resolve();
  const attempt = async (
    mutate: (current: RequestRecord) => Change | undefined,
  ): Promise<RequestRecord | undefined> => {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const change = mutate(latest);
      if (change === undefined) return undefined;
      const stored = await t.write(latest, change.next, change.events);
      if (stored) {
        latest = stored;
        return stored;
      }
      const fresh = await store.get(initial.id);
      if (fresh === undefined) return undefined;
      latest = fresh;
    }
    throw contention(initial.id);
  };
  return {
    update(mutate) {
      const result = chain.then(() => attempt(mutate));
      // The next write waits for this one, whether it succeeded or not.
      chain = result.catch(() => undefined);
      return result;
    },
    get latest() {
      return latest;
    },
  };
}

/** The next progress of a request: `seq` one more than before. */
export function nextProgress(
  record: RequestRecord,
  at: number,
  what: Omit<RequestProgress, 'seq' | 'at'>,
): RequestProgress {
  return { seq: (record.progress?.seq ?? 0) + 1, at, ...what };
}

/** How often progress is stored and shown. */
export interface ProgressTerms {
  /** At most one stored progress change per request in this many ms (cards follow it). */
  interval: number;
  /**
   * At most one `progress` audit event per request in this many ms for a long call's interim
   * results (the change feed sees them, and so other processes' cards).
   */
  eventInterval: number;
}

export const DEFAULT_PROGRESS: ProgressTerms = { interval: 1000, eventInterval: 60_000 };

/**
 * The `progress` callback of one single request's vendor call: every new interim result goes to
 * `onInterim` at once (the command line prints it), and is stored on the request at most once
 * per `interval` (without an audit event; with a `progress` event at most once per
 * `eventInterval`), with no state change. Storing is best effort: a store that fails leaves the
 * call alone. `close` waits for a write under way.
 */
export function interimReporter(
  writer: RecordWriter,
  t: Transitions,
  owned: (record: RequestRecord) => boolean,
  terms: ProgressTerms,
  onInterim: ((interim: VendorResult, record: RequestRecord) => void) | undefined,
): { report(interim: VendorResult): void; close(): Promise<void> } {
  let shown: string | undefined;
  let stored = Number.NEGATIVE_INFINITY;
  let evented = Number.NEGATIVE_INFINITY;
  let writing: Promise<unknown> | undefined;
  let closed = false;
  return {
    report(interim) {
      if (closed) return;
      let text: string;
      try {
        text = JSON.stringify(interim);
      } catch {
        return;
      }
      if (text === shown) return;
      shown = text;
      try {
        onInterim?.(interim, writer.latest);
      } catch {
        // A listener's failure does not stop the call.
      }
      const now = t.now();
      if (writing !== undefined || now - stored < terms.interval) return;
      stored = now;
      const withEvent = now - evented >= terms.eventInterval;
      if (withEvent) evented = now;
      writing = writer
        .update((current) => {
          if (!owned(current)) return undefined;
          const next = { ...current, progress: nextProgress(current, now, { interim }) };
          const events = withEvent
            ? [t.event(current, SYSTEM, 'progress', undefined, { interim: true })]
            : [];
          return { next, events };
        })
        .catch(() => undefined)
        .finally(() => {
          writing = undefined;
        });
    },
    async close() {
      closed = true;
      await writing;
    },
  };
}

/**
 * For a platform that shows progress as new messages rather than by editing a card (replies
 * in the card's thread): lets at most one progress update per request through per `interval`
 * (ms on `now`). A request's state change (not progress) should `end` it.
 */
export function progressThrottle(interval: number, now: () => number) {
  const last = new Map<string, number>();
  return {
    /** Whether to show this progress update of the request now (and remember that it was shown). */
    allow(requestId: string): boolean {
      const at = now();
      const before = last.get(requestId);
      if (before !== undefined && at - before < interval) return false;
      last.delete(requestId);
      last.set(requestId, at);
      // Forget the oldest: a request that ended without a final update must not be kept forever.
      if (last.size > 1000) last.delete(last.keys().next().value!);
      return true;
    },
    /** The request left its running state: forget it. */
    end(requestId: string): void {
      last.delete(requestId);
    },
  };
}
