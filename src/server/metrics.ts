import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';
import type { AttemptRecord } from '../../adapters/http.ts';

// The four classes used, not prom-client's index, which also loads the default process metrics
// (with @opentelemetry/api), the push gateway, summaries and cluster aggregation: 8 modules
// instead of 88, a tenth of the load time, at every start.
const load = createRequire(import.meta.url);
const Registry = load('prom-client/lib/registry') as typeof Prom.Registry;
const Counter = load('prom-client/lib/counter') as typeof Prom.Counter;
const Gauge = load('prom-client/lib/gauge') as typeof Prom.Gauge;
const Histogram = load('prom-client/lib/histogram') as typeof Prom.Histogram;
type Registry = Prom.Registry;

/** The Prometheus metrics of one process (its own registry, so tests can make several). */
export interface Metrics {
  registry: Registry;
  /** Counts a command by action and outcome (the JSON status, or `error`). */
  command(action: string, outcome: string): void;
  /** Observes one vendor HTTP attempt (hooked into the shared HTTP layer). */
  vendorAttempt(attempt: AttemptRecord): void;
  /** Observes one store operation (`insert`, `compareAndSet`, `health`, …): the store latency. */
  storeOperation(operation: string, seconds: number, ok: boolean): void;
  /**
   * Counts one renewal of a lease on an executing request: `renewed`, `lost` (another process
   * reported the request unknown) or `failed` (the store said no; tried again at the next beat).
   */
  leaseRenewal(outcome: 'renewed' | 'lost' | 'failed'): void;
}

/**
 * Creates the metrics. `storeWritable` and `pendingCount` are read at every scrape (the count is
 * one indexed count in the store, no request read); a reading that fails leaves the gauge as it
 * was, so a broken store does not break the scrape.
 */
export function createMetrics(
  pendingCount: () => Promise<number>,
  storeWritable?: () => Promise<boolean>,
): Metrics {
  const registry = new Registry();
  const commands = new Counter({
    name: 'domainops_commands_total',
    help: 'Commands handled, by action and outcome',
    labelNames: ['action', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'domainops_vendor_request_duration_seconds',
    help: 'Vendor API request latency per attempt, by vendor and HTTP status (error: no response)',
    labelNames: ['vendor', 'status'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const storeLatency = new Histogram({
    name: 'domainops_store_operation_duration_seconds',
    help: 'Store operation latency (retries included), by operation and outcome (ok or error)',
    labelNames: ['operation', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const leaseRenewals = new Counter({
    name: 'domainops_lease_renewals_total',
    help: 'Renewals of the lease on a request this process is executing, by outcome (renewed; lost: another process reported it unknown; failed: the store could not be written)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  // Shown at 0 from the start, so that a dashboard's rate() has a series before the first renewal.
  for (const outcome of ['renewed', 'lost', 'failed']) leaseRenewals.inc({ outcome }, 0);
  new Gauge({
    name: 'domainops_pending_approvals',
    help: 'Requests waiting for approval',
    registers: [registry],
    async collect() {
      try {
        this.set(await pendingCount());
      } catch {
        // The store cannot be read: domainops_store_writable says so.
      }
    },
  });
  if (storeWritable) {
    new Gauge({
      name: 'domainops_store_writable',
      help: 'Whether the store takes writes (1) or not (0: full, read-only, missing, corrupt or locked; /readyz fails)',
      registers: [registry],
      async collect() {
        this.set((await storeWritable().catch(() => false)) ? 1 : 0);
      },
    });
  }
  return {
    registry,
    command(action, outcome) {
      commands.inc({ action, outcome });
    },
    vendorAttempt(attempt) {
      latency.observe({ vendor: attempt.vendor, status: String(attempt.status) }, attempt.seconds);
    },
    storeOperation(operation, seconds, ok) {
      storeLatency.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds);
    },
    leaseRenewal(outcome) {
      leaseRenewals.inc({ outcome });
    },
  };
}
