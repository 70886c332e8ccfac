import { DomainopsError, VendorFailure } from '../errors.ts';
import type { ExecuteOptions, VendorCall, VendorResult } from '../ports.ts';
import { scrub } from '../scrub.ts';
import { type BatchTerms, DEFAULT_CONCURRENCY, runBatchItems, settleBatch } from './batch.ts';
import type { RequestError, RequestRecord } from './model.ts';
import { errorSummary, notFound, type Outcome, outcomeOf } from './outcome.ts';
import { createWriter, DEFAULT_PROGRESS, interimReporter, type ProgressTerms } from './progress.ts';
import { STOPPED } from './stopped.ts';
import type { AuditActor, RequestStore } from './store.ts';
import { contention, type LeaseTerms, MAX_ATTEMPTS, type Transitions } from './transitions.ts';

export type Execute = (target: string, call: VendorCall, options?: ExecuteOptions) => Promise<VendorResult>;

/** What a running request has got to, as the process running it sees it (the command line prints it). */
export interface ProgressUpdate {
  /** The request as this run sees it (a batch: its items as they are now). */
  record: RequestRecord;
  /** A long call's latest interim result (absent for a batch's item counts). */
  interim?: VendorResult;
}

/** What the caller of one run hears while it runs. */
export interface RunHooks {
  /** Every change of progress: a batch item finished, a long call reported an interim result. */
  onProgress?: (update: ProgressUpdate) => void;
}

type Settled =
  | { status: 'succeeded'; result: VendorResult }
  | { status: 'failed' | 'unknown'; error: RequestError; result?: VendorResult };

export interface RunnerOptions {
  /** How the background retry waits between attempts to store a result. */
  sleep: (ms: number) => Promise<void>;
  /**
   * A result could not be stored after the vendor call: the caller is told the outcome is
   * unknown, and the result is stored later in the background (then `onLateResult`).
   */
  onResultNotStored?: (request: RequestRecord, error: unknown) => void;
  /** The background retry stored a result that could not be stored at first. */
  onLateResult?: (record: RequestRecord) => void;
  /** The lease this process takes on what it runs, and how it keeps it. */
  lease: LeaseKeeping;
  /** How batches run (concurrency) and how often progress is stored (defaults: 4, 1 s, 1 min). */
  batch?: Partial<BatchTerms>;
}

/** What a lease renewal came to: `renewed`; `lost` (another process reported the request unknown); `failed` (the store said no: tried again at the next beat). */
export type LeaseRenewal = 'renewed' | 'lost' | 'failed';

export interface LeaseKeeping extends LeaseTerms {
  /** Waits `ms` on the process clock; rejects when `signal` is aborted. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
  /** Told of every renewal attempt (the lease renewals of /metrics). */
  onRenewal?: (outcome: LeaseRenewal) => void;
}

/** The first wait of the background retry; it doubles up to RETRY_MAX. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;

/**
 * Runs approved requests: approved → executing is a compare-and-set and only its winner calls
 * the vendor; then → succeeded, failed (the vendor said no) or unknown (it may have acted: a
 * VendorFailure with outcome `unknown`, or any other exception mid-call). A result that cannot be
 * stored (the disk is full, the store is locked for long) is reported as outcome unknown, never
 * as an internal error, and stored in the background as soon as the store takes writes again.
 */
export function createRunner(store: RequestStore, t: Transitions, execute: Execute, options: RunnerOptions) {
  let closed = false;
  const { lease } = options;
  /** Requests this process is running now: their leases are renewed, and never taken over here. */
  const running = new Set<string>();

  /**
   * Stores the result. The request may have changed since it was read (a lease renewal, a card
   * claim: no state change), so a lost write reads it again and retries while it is still this
   * process's run. If another process reported it `unknown` meanwhile (the lease ran out), the
   * late result still lands, marked late.
   */
  const finish = async (executing: RequestRecord, settled: Settled, trigger: AuditActor) => {
    const details = 'error' in settled ? { error: settled.error } : undefined;
    let current: RequestRecord | undefined = executing;
    for (let i = 0; current !== undefined && i < MAX_ATTEMPTS; i++) {
      if (current.status === 'executing' && (current.lease?.owner ?? lease.owner) === lease.owner) {
        const stored = await t.write(current, { ...current, ...settled }, [
          t.event(current, trigger, settled.status, settled.status, details),
        ]);
        if (stored) return stored;
      } else if (current.status === 'unknown' && current.error?.code === 'interrupted') {
        const { error: _interrupted, ...rest } = current;
        const late = await t.write(current, { ...rest, ...settled }, [
          t.event(current, trigger, settled.status, settled.status, { ...details, late: true }),
        ]);
        if (late) return late;
      } else {
        return current;
      }
      current = await store.get(executing.id);
    }
    if (current !== undefined) throw contention(executing.id);
    return { ...executing, ...settled };
  };

  /**
   * Writes a new lease deadline on a request this process runs (a compare-and-set, no audit
   * event, no state change); undefined when the request is no longer this process's run (another
   * process reported it unknown after the lease ran out).
   */
  const renew = async (record: RequestRecord): Promise<RequestRecord | undefined> => {
    let current: RequestRecord | undefined = record;
    for (let i = 0; current !== undefined && i < MAX_ATTEMPTS; i++) {
      if (current.status !== 'executing' || current.lease?.owner !== lease.owner) return undefined;
      const until = t.now() + lease.duration;
      const stored = await store.compareAndSet(
        current.id,
        current.version,
        { ...current, lease: { owner: lease.owner, until } },
        [],
      );
      if (stored) return stored;
      current = await store.get(record.id);
    }
    if (current === undefined) return undefined;
    throw contention(record.id);
  };

  /**
   * The heartbeat of one run: every third of the lease, on the process clock, the lease is
   * renewed, until `release` (which waits for a renewal under way and returns the request as
   * last written, so the result is written over the latest version). A clock whose waits return
   * before its time has moved on (a test's instant waits) is made up for in real time: the
   * heartbeat never spins, and never starves the vendor call's I/O of the event loop.
   */
  const keepLease = (executing: RequestRecord) => {
    let current = executing;
    const stop = new AbortController();
    const beat = Math.max(1, Math.floor(lease.duration / 3));
    const beating = (async () => {
      for (;;) {
        try {
          const from = t.now();
          await lease.wait(beat, stop.signal);
          // At least one turn of the event loop between beats, whatever the clock does.
          await realTimeWait(Math.max(0, beat - (t.now() - from)), stop.signal);
        } catch {
          return;
        }
        if (stop.signal.aborted) return;
        try {
          const renewed = await renew(current);
          if (renewed === undefined) {
            lease.onRenewal?.('lost');
            return;
          }
          current = renewed;
          lease.onRenewal?.('renewed');
        } catch {
          lease.onRenewal?.('failed');
        }
      }
    })();
    return {
      async release(): Promise<RequestRecord> {
        stop.abort(STOPPED);
        await beating;
        return current;
      },
    };
  };

  /** Keeps trying to store a result (`store`) until it is stored or the workflow is closed. */
  const keepTrying = (store: () => Promise<RequestRecord>): void => {
    void (async () => {
      for (let attempt = 0; !closed; attempt++) {
        await options.sleep(Math.min(RETRY_FIRST_MS * 2 ** attempt, RETRY_MAX_MS));
        if (closed) return;
        let stored: RequestRecord;
        try {
          stored = await store();
        } catch {
          continue;
        }
        try {
          options.onLateResult?.(stored);
        } catch {
          // A listener's failure does not undo the stored result.
        }
        return;
      }
    })();
  };

  const progress: ProgressTerms = {
    interval: options.batch?.interval ?? DEFAULT_PROGRESS.interval,
    eventInterval: options.batch?.eventInterval ?? DEFAULT_PROGRESS.eventInterval,
  };
  /** Whether the request is still this process's run: executing under its lease. */
  const owned = (record: RequestRecord): boolean =>
    record.status === 'executing' && (record.lease?.owner ?? lease.owner) === lease.owner;

  /**
   * Runs a batch stored as `executing` (by this caller): its items a few at a time, each stored
   * `running` before its call and with its outcome after it; then the batch's status.
   */
  const performBatch = async (
    executing: RequestRecord,
    trigger: AuditActor,
    hooks: RunHooks,
  ): Promise<Outcome> => {
    running.add(executing.id);
    try {
      const held = keepLease(executing);
      let run: Awaited<ReturnType<typeof runBatchItems>>;
      try {
        run = await runBatchItems(executing, {
          store,
          t,
          call: (target, call, callOptions) => execute(target, call, callOptions),
          owned,
          terms: { ...progress, concurrency: options.batch?.concurrency ?? DEFAULT_CONCURRENCY },
          wait: lease.wait,
          toRequestError,
          ...(hooks.onProgress ? { onItem: (record: RequestRecord) => hooks.onProgress?.({ record }) } : {}),
        });
      } finally {
        await held.release();
      }
      const settle = settleBatch(t, run.outcomes, trigger, owned);
      const write = async (): Promise<RequestRecord> =>
        (await run.writer.update(settle)) ?? (await store.get(executing.id)) ?? run.writer.latest;
      try {
        return outcomeOf(await write());
      } catch (error) {
        const latest = run.writer.latest;
        options.onResultNotStored?.(latest, error);
        if (!closed) keepTrying(write);
        return notStored(latest, error);
      }
    } finally {
      running.delete(executing.id);
    }
  };

  /** Calls the vendor for a request stored as `executing` (by this caller), then stores the outcome. */
  const perform = async (
    executing: RequestRecord,
    trigger: AuditActor,
    hooks: RunHooks = {},
  ): Promise<Outcome> => {
    if (executing.items !== undefined) return performBatch(executing, trigger, hooks);
    running.add(executing.id);
    try {
      const held = keepLease(executing);
      // A long call's interim results: shown at once to the caller, stored at a bounded rate.
      const reporter = interimReporter(
        createWriter(store, t, executing),
        t,
        owned,
        progress,
        (interim, record) => hooks.onProgress?.({ record, interim }),
      );
      let settled: Settled;
      try {
        settled = {
          status: 'succeeded',
          result: await execute(executing.target, executing.call, { progress: reporter.report }),
        };
      } catch (error) {
        const status = error instanceof VendorFailure && error.outcome === 'failed' ? 'failed' : 'unknown';
        settled = { status, error: toRequestError(error) };
        // A refusal that carries what it found (a DNS table) keeps it as the request's result.
        if (error instanceof VendorFailure && error.result !== undefined) settled.result = error.result;
      }
      await reporter.close();
      const latest = await held.release();
      try {
        return outcomeOf(await finish(latest, settled, trigger));
      } catch (error) {
        options.onResultNotStored?.(latest, error);
        if (!closed) keepTrying(() => finish(latest, settled, trigger));
        return notStored(latest, error);
      }
    } finally {
      running.delete(executing.id);
    }
  };

  /** approved → executing (only the winner of the compare-and-set goes on), then `perform`. */
  const run = async (
    approved: RequestRecord,
    trigger: AuditActor,
    hooks: RunHooks = {},
  ): Promise<Outcome> => {
    const executing = await t.write(approved, { ...approved, status: 'executing' }, [
      t.event(approved, trigger, 'executing', 'executing'),
    ]);
    if (!executing) {
      const current = await store.get(approved.id);
      return current ? outcomeOf(current) : notFound(approved.id);
    }
    return perform(executing, trigger, hooks);
  };

  return {
    run,
    perform,
    /** Whether this process is running the request now (its lease is renewed here). */
    running: (id: string): boolean => running.has(id),
    /** Stops the background retries (the store is about to close). */
    close() {
      closed = true;
    },
  };
}

/**
 * Waits `ms` of real time without keeping the process alive (a command line run ends when its
 * command is answered); rejects when `signal` is aborted. Always lets the event loop turn once.
 */
export function realTimeWait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The outcome of a request whose vendor call finished but whose result could not be stored:
 * unknown (exit 5), with the store's error code in `error.store`. The request is still stored as
 * `executing`: the background retry, or recovery at the next start, settles it.
 */
function notStored(executing: RequestRecord, error: unknown): Outcome {
  const store = error instanceof DomainopsError ? error.code : 'store_error';
  const reason = scrub(error instanceof Error ? error.message : String(error));
  const stored: RequestError = {
    code: 'result_not_stored',
    message: `${executing.action} ${executing.subject} was sent to ${executing.target}, but its result could not be stored (${reason}): the outcome is unknown`,
    hint: `check ${executing.target} before trying again; domainops keeps trying to store the result`,
  };
  const request: RequestRecord = { ...executing, status: 'unknown', error: stored };
  return { status: 'unknown', request, error: { ...errorSummary(stored), store } };
}

/**
 * A vendor failure as stored: its details kept (vendor modules scrub their own text), anything
 * else reported as an unknown outcome, its message scrubbed of secrets and credential shapes: an
 * error from below the vendor layer (a bug, a library, a socket) may quote a token or a request.
 */
export function toRequestError(error: unknown): RequestError {
  if (error instanceof VendorFailure) {
    const out: RequestError = { ...errorSummary(error), vendor: error.vendor };
    if (error.status !== undefined) out.status = error.status;
    if (error.requestId !== undefined) out.requestId = error.requestId;
    return out;
  }
  const message = scrub(error instanceof Error ? error.message : String(error));
  return {
    code: 'outcome_unknown',
    message: `the vendor call stopped with an unexpected error (${message}): it may or may not have taken effect`,
    hint: 'check the target before trying again',
  };
}
