/**
 * A small closed-loop load generator: `concurrency` workers each run `op` back to back for a
 * fixed time (after a warm-up whose results are dropped), or until `count` operations started.
 * Reports throughput and latency percentiles. HTTP load goes through undici (`httpOp`).
 */
import { Pool } from 'undici';

export interface LoadOptions {
  concurrency: number;
  /** How long the measured part runs. */
  durationMs: number;
  /** Run (and drop) this long first, for the JIT and the connection pools. */
  warmupMs?: number;
  /** Stop starting operations after this many (measured part). */
  count?: number;
}

export interface LoadResult {
  /** Operations that completed without an error in the measured part. */
  count: number;
  errors: number;
  firstError?: string;
  seconds: number;
  /** Completed operations per second. */
  throughput: number;
  p50: number;
  p99: number;
  max: number;
}

/** The `p`-th percentile (0–100) of sorted values, nearest rank. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Latency statistics of a list of durations (ms). */
export function summarise(durations: number[]): { p50: number; p99: number; max: number } {
  const sorted = Float64Array.from(durations).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

async function phase(
  op: (i: number) => Promise<unknown>,
  concurrency: number,
  durationMs: number,
  count: number,
  record: boolean,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let started = 0;
  const begin = performance.now();
  const end = begin + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < end && started < count) {
      const i = started++;
      const t0 = performance.now();
      try {
        await op(i);
        if (record) latencies.push(performance.now() - t0);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - begin) / 1000;
  return {
    count: latencies.length,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    seconds,
    throughput: latencies.length / seconds,
    ...summarise(latencies),
  };
}

/** Runs `op` under closed-loop load; `i` numbers the operations (warm-up ones are negative). */
export async function closedLoop(
  op: (i: number) => Promise<unknown>,
  options: LoadOptions,
): Promise<LoadResult> {
  if (options.warmupMs) {
    let n = 0;
    await phase(() => op(-1 - n++), options.concurrency, options.warmupMs, Number.POSITIVE_INFINITY, false);
  }
  return phase(op, options.concurrency, options.durationMs, options.count ?? Number.POSITIVE_INFINITY, true);
}

/**
 * Open-loop load: starts `op` at a fixed `rate` per second for `durationMs`, whether or not the
 * earlier ones have finished (as chat users would), so a slow answer does not slow the sender
 * down. Latency runs from when each operation was due, so time spent queued behind a stalled
 * event loop is counted.
 */
export async function openLoop(
  op: (i: number) => Promise<unknown>,
  options: { rate: number; durationMs: number },
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const interval = 1000 / options.rate;
  const total = Math.floor((options.durationMs / 1000) * options.rate);
  const begin = performance.now();
  const running: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = begin + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    running.push(
      op(i).then(
        () => {
          latencies.push(performance.now() - due);
        },
        (error: unknown) => {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        },
      ),
    );
  }
  await Promise.all(running);
  const seconds = (performance.now() - begin) / 1000;
  return {
    count: latencies.length,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    seconds,
    throughput: latencies.length / seconds,
    ...summarise(latencies),
  };
}

export interface HttpRequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * An operation that sends one request (built by `make`) on a keep-alive pool and reads the whole
 * answer; a status other than `expect` is an error.
 */
export function httpOp(
  pool: Pool,
  make: (i: number) => HttpRequestSpec,
  expect = 200,
): (i: number) => Promise<string> {
  return async (i) => {
    const spec = make(i);
    const res = await pool.request({
      method: spec.method,
      path: spec.path,
      ...(spec.headers === undefined ? {} : { headers: spec.headers }),
      ...(spec.body === undefined ? {} : { body: spec.body }),
    });
    const text = await res.body.text();
    if (res.statusCode !== expect) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    return text;
  };
}

/** A keep-alive pool to `origin` with one connection per worker. */
export function pool(origin: string, connections: number): Pool {
  return new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
}
