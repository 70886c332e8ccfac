/**
 * A store whose every operation is timed: what `/metrics` reports as store latency
 * (`domainops_store_operation_duration_seconds`), whichever store module is behind it.
 */
import type { RequestStore } from '../core/requests/store.ts';

/** One finished store operation: its name, how long it took, and whether it succeeded. */
export type StoreObserver = (operation: string, seconds: number, ok: boolean) => void;

const TIMED = [
  'insert',
  'get',
  'findByDeliveryKey',
  'compareAndSet',
  'listByStatus',
  'countByStatus',
  'lastResult',
  'appendAudit',
  'listAudit',
  'changesSince',
  'latestSeq',
  'auditHead',
  'health',
] as const satisfies readonly (keyof RequestStore)[];

/** `store` with each operation (but `close`) reported to `observe`. */
export function timedStore(store: RequestStore, observe: StoreObserver): RequestStore {
  const timed = { close: () => store.close() } as RequestStore;
  // Notifications are not an operation: passed on as they are.
  if (store.watch) timed.watch = (onChange) => store.watch!(onChange);
  for (const name of TIMED) {
    const operation = store[name] as (...args: unknown[]) => Promise<unknown>;
    (timed as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const started = performance.now();
      let ok = false;
      try {
        const value = await operation.apply(store, args);
        // A health answer that says "not ready" is a failed operation too.
        ok = name !== 'health' || (value as { ok: boolean }).ok;
        return value;
      } finally {
        observe(name, (performance.now() - started) / 1000, ok);
      }
    };
  }
  return timed;
}
