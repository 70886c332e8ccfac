import { DomainopsError, VendorFailure } from '../errors.ts';
import type { VendorCall, VendorResult } from '../ports.ts';
import { scrub } from '../scrub.ts';
import type { RequestError, RequestRecord } from './model.ts';
import { errorSummary, notFound, type Outcome, outcomeOf } from './outcome.ts';
import type { AuditActor, RequestStore } from './store.ts';
import type { Transitions } from './transitions.ts';

export type Execute = (target: string, call: VendorCall) => Promise<VendorResult>;

type Settled =
  | { status: 'succeeded'; result: VendorResult }
  | { status: 'failed' | 'unknown'; error: RequestError };

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

  /** Stores the result; if recovery marked the request `unknown` meanwhile, the late result still lands. */
  const finish = async (executing: RequestRecord, settled: Settled, trigger: AuditActor) => {
    const details = 'error' in settled ? { error: settled.error } : undefined;
    const stored = await t.write(executing, { ...executing, ...settled }, [
      t.event(executing, trigger, settled.status, settled.status, details),
    ]);
    if (stored) return stored;
    const current = await store.get(executing.id);
    if (current?.status === 'unknown' && current.error?.code === 'interrupted') {
      const { error: _interrupted, ...rest } = current;
      const late = await t.write(current, { ...rest, ...settled }, [
        t.event(current, trigger, settled.status, settled.status, { ...details, late: true }),
      ]);
      if (late) return late;
    }
    return (await store.get(executing.id)) ?? { ...executing, ...settled };
  };

  /** Keeps trying to store a result until it is stored or the workflow is closed. */
  const keepTrying = (executing: RequestRecord, settled: Settled, trigger: AuditActor): void => {
    void (async () => {
      for (let attempt = 0; !closed; attempt++) {
        await options.sleep(Math.min(RETRY_FIRST_MS * 2 ** attempt, RETRY_MAX_MS));
        if (closed) return;
        let stored: RequestRecord;
        try {
          stored = await finish(executing, settled, trigger);
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

  /** Calls the vendor for a request stored as `executing` (by this caller), then stores the outcome. */
  const perform = async (executing: RequestRecord, trigger: AuditActor): Promise<Outcome> => {
    let settled: Settled;
    try {
      settled = { status: 'succeeded', result: await execute(executing.target, executing.call) };
    } catch (error) {
      const status = error instanceof VendorFailure && error.outcome === 'failed' ? 'failed' : 'unknown';
      settled = { status, error: toRequestError(error) };
    }
    try {
      return outcomeOf(await finish(executing, settled, trigger));
    } catch (error) {
      options.onResultNotStored?.(executing, error);
      if (!closed) keepTrying(executing, settled, trigger);
      return notStored(executing, error);
    }
  };

  /** approved → executing (only the winner of the compare-and-set goes on), then `perform`. */
  const run = async (approved: RequestRecord, trigger: AuditActor): Promise<Outcome> => {
    const executing = await t.write(approved, { ...approved, status: 'executing' }, [
      t.event(approved, trigger, 'executing', 'executing'),
    ]);
    if (!executing) {
      const current = await store.get(approved.id);
      return current ? outcomeOf(current) : notFound(approved.id);
    }
    return perform(executing, trigger);
  };

  return {
    run,
    perform,
    /** Stops the background retries (the store is about to close). */
    close() {
      closed = true;
    },
  };
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
