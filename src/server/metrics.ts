import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AttemptRecord } from '../../adapters/http.ts';

/** The Prometheus metrics of one process (its own registry, so tests can make several). */
export interface Metrics {
  registry: Registry;
  /** Counts a command by action and outcome (the JSON status, or `error`). */
  command(action: string, outcome: string): void;
  /** Observes one vendor HTTP attempt (hooked into the shared HTTP layer). */
  vendorAttempt(attempt: AttemptRecord): void;
}

/** Creates the metrics; `pendingCount` is read at every scrape. */
export function createMetrics(pendingCount: () => Promise<number>): Metrics {
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
  new Gauge({
    name: 'domainops_pending_approvals',
    help: 'Requests waiting for approval',
    registers: [registry],
    async collect() {
      this.set(await pendingCount());
    },
  });
  return {
    registry,
    command(action, outcome) {
      commands.inc({ action, outcome });
    },
    vendorAttempt(attempt) {
      latency.observe({ vendor: attempt.vendor, status: String(attempt.status) }, attempt.seconds);
    },
  };
}
