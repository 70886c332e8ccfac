/**
 * Running a batch request (`unclaim a.com b.com c.com`): one request, one approval, and one
 * vendor call per item, a few at a time. Every item runs at most once: its `running` is stored
 * (compare-and-set) before its vendor call, and only an item stored `pending` is ever started;
 * its outcome is stored right after the call, with an `item` audit event. A process that dies
 * mid-batch leaves finished items as they are; recovery (`settleInterrupted`) reports the items
 * in flight `unknown` and those not started `skipped`, and nothing is run again.
 */
import { VendorFailure } from '../errors.ts';
import type { ExecuteOptions, VendorCall, VendorResult } from '../ports.ts';
import {
  type BatchItem,
  batchStatus,
  type ItemStatus,
  itemCounts,
  type RequestError,
  type RequestRecord,
  type RequestStatus,
  rerunSubjects,
} from './model.ts';
import {
  type Change,
  createWriter,
  nextProgress,
  type ProgressTerms,
  type RecordWriter,
} from './progress.ts';
import { STOPPED } from './stopped.ts';
import type { AuditActor, AuditEvent, RequestStore } from './store.ts';
import { SYSTEM, type Transitions } from './transitions.ts';

/** What one item's vendor call came to. */
export type ItemOutcome =
  | { status: 'succeeded'; result: VendorResult }
  | { status: 'failed' | 'unknown'; error: RequestError; result?: VendorResult };

/** How a batch runs. */
export interface BatchTerms extends ProgressTerms {
  /** How many items call the vendor at the same time. */
  concurrency: number;
}

export const DEFAULT_CONCURRENCY = 4;

/**
 * The command that runs the rest of a batch again: the subjects that did not succeed, with the
 * same target, flags and reason (`unclaim b.com c.com in prod`). Undefined when every item
 * succeeded.
 */
export function rerunCommand(record: RequestRecord): string | undefined {
  if (record.items === undefined) return undefined;
  const subjects = rerunSubjects(record.items);
  if (subjects.length === 0) return undefined;
  return [
    record.action,
    ...subjects,
    'in',
    record.target,
    ...(record.flags ?? []),
    ...(record.reason === undefined ? [] : ['because', record.reason]),
  ].join(' ');
}

/** The error a batch that did not wholly succeed carries: what happened to its items, and what to run next. */
export function batchError(record: RequestRecord, items: readonly BatchItem[]): RequestError | undefined {
  const status = batchStatus(items);
  if (status === 'succeeded') return undefined;
  const c = itemCounts(items);
  const parts = [
    `${c.succeeded} of ${c.total} succeeded`,
    ...(c.failed > 0 ? [`${c.failed} failed`] : []),
    ...(c.unknown + c.running > 0 ? [`${c.unknown + c.running} with an unknown outcome`] : []),
    ...(c.skipped + c.pending > 0 ? [`${c.skipped + c.pending} not run (skipped)`] : []),
  ];
  const rest = rerunCommand({ ...record, items: [...items] });
  const unknown = items.filter((i) => i.status === 'unknown' || i.status === 'running').map((i) => i.subject);
  return status === 'unknown'
    ? {
        code: 'batch_outcome_unknown',
        message: `batch ${record.id}: ${parts.join(', ')}; the vendor may have acted on ${listed(unknown)}`,
        hint: `check ${listed(unknown)} in ${record.target} before trying again; to run the rest again: \`${rest}\``,
      }
    : {
        code: 'batch_failed',
        message: `batch ${record.id}: ${parts.join(', ')}`,
        hint: `to run the rest again: \`${rest}\``,
      };
}

function listed(subjects: readonly string[]): string {
  return subjects.length <= 5
    ? subjects.join(', ')
    : `${subjects.slice(0, 5).join(', ')} and ${subjects.length - 5} more`;
}

/** The outcome of an item's vendor call from what it threw (as a single request's would be). */
export function itemFailure(error: unknown, toRequestError: (error: unknown) => RequestError): ItemOutcome {
  const status = error instanceof VendorFailure && error.outcome === 'failed' ? 'failed' : 'unknown';
  // A refusal that carries what it found keeps it, as a single request's does.
  const result = error instanceof VendorFailure ? error.result : undefined;
  return { status, error: toRequestError(error), ...(result === undefined ? {} : { result }) };
}

/** `items` with item `index` replaced. */
function withItem(items: readonly BatchItem[], index: number, item: BatchItem): BatchItem[] {
  const next = [...items];
  next[index] = item;
  return next;
}

/** The item as its outcome leaves it. */
function finished(item: BatchItem, outcome: ItemOutcome): BatchItem {
  const { result: _r, error: _e, ...rest } = item;
  return { ...rest, ...outcome };
}

/** The `item` audit event of a finished item. */
function itemEvent(
  t: Transitions,
  record: RequestRecord,
  item: BatchItem,
  extra: Record<string, unknown> = {},
): AuditEvent {
  return t.event(record, SYSTEM, 'item', undefined, {
    subject: item.subject,
    status: item.status,
    ...(item.error === undefined ? {} : { code: item.error.code }),
    ...extra,
  });
}

export interface BatchRun {
  /** The run's writer (its last read of the request). */
  writer: RecordWriter;
  /** Every item that ran here, by index, with its outcome (stored or not). */
  outcomes: Map<number, ItemOutcome>;
}

export interface BatchDeps {
  store: RequestStore;
  t: Transitions;
  /** Calls the vendor for one item. */
  call(target: string, call: VendorCall, options: ExecuteOptions): Promise<VendorResult>;
  /** Whether the request is still this process's run (executing under its lease). */
  owned(record: RequestRecord): boolean;
  terms: BatchTerms;
  /** Waits on the process clock (the trailing progress write); rejects when `signal` is aborted. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  toRequestError(error: unknown): RequestError;
  /** Told after every item finished, with the request as this run sees it. */
  onItem?: (record: RequestRecord) => void;
}

/**
 * Runs the `pending` items of an executing batch, `terms.concurrency` at a time. Progress (the
 * item counts) is stored at most once per `terms.interval` with an item's outcome, and once more
 * at the end of that interval when items finished in between (with a `progress` event); the final
 * write (`settleBatch`) stores it always. Stops starting items when the request is no longer
 * this run's (another process reported it unknown) or the store refuses a write.
 */
export async function runBatchItems(executing: RequestRecord, deps: BatchDeps): Promise<BatchRun> {
  const { t, terms } = deps;
  const writer = createWriter(deps.store, t, executing);
  const outcomes = new Map<number, ItemOutcome>();
  const local = [...(executing.items ?? [])];
  const queue = local.flatMap((item, i) => (item.status === 'pending' ? [i] : []));
  let next = 0;
  let stopped = false;
  let shown = executing.progress?.at ?? Number.NEGATIVE_INFINITY;
  let unshown = false;
  const flushStop = new AbortController();
  let flushing: Promise<void> | undefined;

  /** Stores item `index`'s outcome, with the progress when it is due. */
  const store = async (index: number, outcome: ItemOutcome): Promise<void> => {
    // Decided by the attempt that is written (a lost compare-and-set decides again).
    let bumped = false;
    const stored = await writer.update((current) => {
      const item = current.items?.[index];
      if (!deps.owned(current) || item === undefined || item.status !== 'running') return undefined;
      const items = withItem(current.items!, index, finished(item, outcome));
      const now = t.now();
      const next: RequestRecord = { ...current, items };
      bumped = now - shown >= terms.interval;
      if (bumped) next.progress = nextProgress(current, now, { items: itemCounts(items) });
      return { next, events: [itemEvent(t, current, items[index]!)] };
    });
    if (stored === undefined) return;
    if (bumped && stored.progress !== undefined) {
      shown = stored.progress.at;
      unshown = false;
    } else unshown = true;
  };

  /** Items finished since progress was last stored: stored once the interval is over. */
  const trail = (): void => {
    if (!unshown || flushing !== undefined || flushStop.signal.aborted) return;
    const due = Math.max(0, shown + terms.interval - t.now());
    flushing = (async () => {
      try {
        await deps.wait(due, flushStop.signal);
      } catch {
        return;
      }
      try {
        const stored = await writer.update((current) => {
          if (!unshown || !deps.owned(current) || current.items === undefined) return undefined;
          const counts = itemCounts(current.items);
          return {
            next: { ...current, progress: nextProgress(current, t.now(), { items: counts }) },
            events: [
              t.event(current, SYSTEM, 'progress', undefined, { done: counts.done, total: counts.total }),
            ],
          };
        });
        if (stored?.progress !== undefined) shown = stored.progress.at;
        unshown = false;
      } catch {
        // Best effort: the final write stores the progress.
        unshown = false;
      }
    })().finally(() => {
      flushing = undefined;
      // Items that finished while this write was under way wait for the next interval.
      trail();
    });
  };

  const worker = async (): Promise<void> => {
    while (!stopped && next < queue.length) {
      const index = queue[next++]!;
      let started: RequestRecord | undefined;
      try {
        started = await writer.update((current) => {
          const item = current.items?.[index];
          if (!deps.owned(current) || item === undefined || item.status !== 'pending') return undefined;
          return {
            next: { ...current, items: withItem(current.items!, index, { ...item, status: 'running' }) },
            events: [],
          };
        });
      } catch {
        started = undefined;
      }
      if (started === undefined) {
        // Not ours any more, or the store refused: nothing more is started here.
        stopped = true;
        return;
      }
      const item = started.items![index]!;
      local[index] = { ...item };
      let outcome: ItemOutcome;
      try {
        outcome = { status: 'succeeded', result: await deps.call(started.target, item.call, {}) };
      } catch (error) {
        outcome = itemFailure(error, deps.toRequestError);
      }
      outcomes.set(index, outcome);
      local[index] = finished(item, outcome);
      try {
        await store(index, outcome);
      } catch {
        // Kept here: the final write stores it.
      }
      trail();
      try {
        deps.onItem?.({ ...writer.latest, items: [...local] });
      } catch {
        // A listener's failure does not stop the batch.
      }
    }
  };

  await Promise.all(Array.from({ length: Math.min(Math.max(1, terms.concurrency), queue.length) }, worker));
  flushStop.abort(STOPPED);
  await flushing;
  return { writer, outcomes };
}

/**
 * The final write of a batch this process ran: every outcome it has that is not stored yet,
 * items it never started `skipped`, the batch's status from its items (succeeded, failed or
 * unknown) with its error, and the final progress. When another process reported the batch
 * unknown meanwhile (this process's lease ran out), outcomes of items it left `unknown` still
 * land, marked late. Undefined when there is nothing to write.
 */
export function settleBatch(
  t: Transitions,
  outcomes: ReadonlyMap<number, ItemOutcome>,
  trigger: AuditActor,
  owned: (record: RequestRecord) => boolean,
) {
  return (current: RequestRecord): Change | undefined => {
    const before = current.items;
    if (before === undefined) return undefined;
    const events: AuditEvent[] = [];
    // Not this run's any more: another process reported it (its lease ran out). Only the items
    // it reported unknown for that reason take their late outcome.
    const late = !owned(current);
    if (late && current.status !== 'unknown' && current.status !== 'failed') return undefined;
    let items = before;
    for (const [index, outcome] of outcomes) {
      const item = items[index];
      if (item === undefined) continue;
      const open = late
        ? item.status === 'unknown' && item.error?.code === 'interrupted'
        : item.status === 'running';
      if (!open) continue;
      items = withItem(items, index, finished(item, outcome));
      events.push(itemEvent(t, current, items[index]!, late ? { late: true } : {}));
    }
    if (late && events.length === 0) return undefined;
    if (!late) {
      items = items.map((item) =>
        item.status === 'pending' ? { ...item, status: 'skipped' as ItemStatus } : item,
      );
    }
    const status: RequestStatus = batchStatus(items);
    const { error: _error, ...rest } = current;
    const error = batchError(current, items);
    const next: RequestRecord = {
      ...rest,
      items,
      status,
      progress: nextProgress(current, t.now(), { items: itemCounts(items) }),
      ...(error === undefined ? {} : { error }),
    };
    // A late outcome keeps the recovery's error code when it stays unknown.
    if (late && status === 'unknown' && current.error?.code === 'interrupted')
      next.error = { ...error!, code: 'interrupted' };
    if (status !== current.status || !late) {
      const c = itemCounts(items);
      const counts = { succeeded: c.succeeded, failed: c.failed, unknown: c.unknown, skipped: c.skipped };
      events.push(
        t.event(current, late ? SYSTEM : trigger, status, status, {
          items: counts,
          ...(error === undefined ? {} : { error: { code: error.code, message: error.message } }),
          ...(late ? { late: true } : {}),
        }),
      );
    }
    return { next, events };
  };
}

/**
 * A batch whose process stopped mid-run (recovery, or a lease that ran out): finished items keep
 * their outcome, the items in flight (`running`) become `unknown` and those not started
 * (`pending`) `skipped`, and the batch's status follows from its items. Nothing is run again.
 */
export function settleInterrupted(
  record: RequestRecord,
  what: string,
): { items: BatchItem[]; status: 'succeeded' | 'failed' | 'unknown'; error?: RequestError } {
  const items = (record.items ?? []).map((item): BatchItem => {
    if (item.status === 'running') {
      return {
        ...item,
        status: 'unknown',
        error: {
          code: 'interrupted',
          message: `${item.subject} was being sent when domainops stopped: it may or may not have taken effect`,
          hint: `check ${item.subject} in ${record.target} before trying again`,
        },
      };
    }
    if (item.status === 'pending') return { ...item, status: 'skipped' };
    return item;
  });
  const status = batchStatus(items);
  if (status === 'succeeded') return { items, status };
  const c = itemCounts(items);
  const rest = rerunCommand({ ...record, items });
  const unknown = items.filter((i) => i.status === 'unknown').map((i) => i.subject);
  return {
    items,
    status,
    error: {
      code: 'interrupted',
      message: `${what}: ${c.succeeded + c.failed} of ${c.total} items had finished and keep their outcome, ${c.unknown} ${c.unknown === 1 ? 'was' : 'were'} in flight (outcome unknown), ${c.skipped} had not started (skipped)`,
      hint: `${unknown.length > 0 ? `check ${listed(unknown)} in ${record.target} before trying again; ` : ''}to run the rest again: \`${rest}\``,
    },
  };
}

/** A batch's `result` in the JSON document: every item's subject and outcome, in order. */
export function batchResult(record: RequestRecord): { items: Record<string, unknown>[] } {
  return {
    items: (record.items ?? []).map((item) => ({
      subject: item.subject,
      status: item.status,
      ...(item.result === undefined ? {} : { result: item.result }),
      ...(item.error === undefined ? {} : { error: item.error }),
    })),
  };
}
