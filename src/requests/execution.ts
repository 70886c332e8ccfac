import type { VendorResult } from '../../adapters/types.ts';
import { VendorError } from '../../adapters/vendor-error.ts';
import type { VendorCall } from '../commands/model.ts';
import type { RequestError, RequestRecord } from './model.ts';
import { errorSummary, notFound, type Outcome, outcomeOf } from './outcome.ts';
import type { AuditActor, RequestStore } from './store.ts';
import type { Transitions } from './transitions.ts';

export type Execute = (target: string, call: VendorCall) => Promise<VendorResult>;

type Settled =
  | { status: 'succeeded'; result: VendorResult }
  | { status: 'failed' | 'unknown'; error: RequestError };

/**
 * Runs an approved request: approved → executing is a compare-and-set and only its winner
 * calls the vendor; then → succeeded, failed (the vendor said no) or unknown (it may have
 * acted: a VendorError with outcome `unknown`, or any other exception mid-call).
 */
export function createRunner(store: RequestStore, t: Transitions, execute: Execute) {
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

  return async function run(approved: RequestRecord, trigger: AuditActor): Promise<Outcome> {
    const executing = await t.write(approved, { ...approved, status: 'executing' }, [
      t.event(approved, trigger, 'executing', 'executing'),
    ]);
    if (!executing) {
      const current = await store.get(approved.id);
      return current ? outcomeOf(current) : notFound(approved.id);
    }
    let settled: Settled;
    try {
      settled = { status: 'succeeded', result: await execute(executing.target, executing.call) };
    } catch (error) {
      const status = error instanceof VendorError && error.outcome === 'failed' ? 'failed' : 'unknown';
      settled = { status, error: toRequestError(error) };
    }
    return outcomeOf(await finish(executing, settled, trigger));
  };
}

/** A vendor failure as stored: VendorError details kept, anything else reported as an unknown outcome. */
export function toRequestError(error: unknown): RequestError {
  if (error instanceof VendorError) {
    const out: RequestError = { ...errorSummary(error), vendor: error.vendor };
    if (error.status !== undefined) out.status = error.status;
    if (error.requestId !== undefined) out.requestId = error.requestId;
    return out;
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: 'outcome_unknown',
    message: `the vendor call stopped with an unexpected error (${message}): it may or may not have taken effect`,
    hint: 'check the target before trying again',
  };
}
