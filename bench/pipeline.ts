/**
 * Bench 1, the core pipeline: `unverify` (Webex) and `domain` (Yandex) through the whole core
 * (parse, policy, store, vendor module, store, reply) against the loopback vendor fakes, versus a
 * plain undici request of the same method, URL, headers and body to the same fake. Both run in
 * this process under the same closed-loop load; the fakes run in a process of their own.
 *
 *   node bench/pipeline.ts [--quick] [--json out.json]
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createApp } from '../src/app.ts';
import { parseConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/types.ts';
import type { Actor } from '../src/core/policy/actor.ts';
import { type BenchOptions, main, scaled } from './lib/cli.ts';
import { closedLoop, httpOp, type LoadResult, pool } from './lib/load.ts';
import { startFakes } from './lib/procs.ts';
import { check, ms, rate, ratio, type Section } from './lib/report.ts';
import { aimedTargets, issuedCredential, POLICY, removeWorkdir, workdir } from './lib/setup.ts';

const CONCURRENCY = 8;
/** The budget: the pipeline costs at most this much of a plain undici request. */
const BUDGET = 1.5;

const COMMANDS = [
  // A domain with a requested token that is not verified: Webex answers 200 every time.
  { text: 'unverify eu.corp.com', vendor: 'Webex' },
  { text: 'domain corp.ru', vendor: 'Yandex' },
];

const actor: Actor = { platform: 'cli', id: 'alice@corp.com', email: 'alice@corp.com' };

/** Throughput plus the CPU this process spent per operation. */
async function measure(
  op: (i: number) => Promise<unknown>,
  options: BenchOptions,
): Promise<LoadResult & { cpuUs: number }> {
  const warmupMs = scaled(options, 1000);
  // Warm up apart, so that the CPU measured is the measured part's.
  await closedLoop(op, { concurrency: CONCURRENCY, durationMs: warmupMs });
  const cpu0 = process.cpuUsage();
  const result = await closedLoop(op, { concurrency: CONCURRENCY, durationMs: scaled(options, 4000) });
  const cpu = process.cpuUsage(cpu0);
  return { ...result, cpuUs: (cpu.user + cpu.system) / Math.max(1, result.count) };
}

export async function run(options: BenchOptions): Promise<Section> {
  const fakes = await startFakes();
  const dir = workdir('pipeline');
  try {
    const configFor = (store: string): Config =>
      parseConfig(
        stringify({ store, targets: aimedTargets(fakes.info), policy: POLICY }),
        join(dir, 'pipeline.yaml'),
        { ...fakes.info.env },
      );
    const rows: string[][] = [];
    const checks = [];
    for (const command of COMMANDS) {
      const app = createApp(configFor(join(dir, 'pipeline.db')));
      // The request the pipeline sends, as its dry run shows it (credential redacted): the plain
      // undici request sends exactly this, with the credential the fake issued.
      const dry = await app.handle(command.text, actor, { dryRun: true });
      if (dry.kind !== 'dry-run') throw new Error(`${command.text}: no dry run: ${dry.text}`);
      const credential = issuedCredential(fakes.info.targets[dry.target ?? ''], fakes.info.env);
      const headers = Object.fromEntries(
        Object.entries(dry.request.headers).map(([k, v]) => [k, v.replace('[REDACTED]', credential)]),
      );
      const url = new URL(dry.request.url);
      const plainPool = pool(url.origin, CONCURRENCY);
      const plainRequest = httpOp(plainPool, () => ({
        method: dry.request.method as 'GET' | 'POST',
        path: `${url.pathname}${url.search}`,
        headers,
        ...(dry.request.body === undefined ? {} : { body: dry.request.body }),
      }));
      const plain = async (i: number) => JSON.parse(await plainRequest(i)) as unknown;
      await plain(0);

      const first = await app.handle(command.text, actor);
      if (first.status !== 'succeeded') throw new Error(`${command.text}: ${first.status}: ${first.text}`);
      const pipeline = await measure(async () => {
        const reply = await app.handle(command.text, actor);
        if (reply.status !== 'succeeded') throw new Error(`${reply.status}: ${reply.text}`);
      }, options);
      const baseline = await measure(plain, options);
      await plainPool.close();
      await app.close();

      const cost = baseline.throughput / pipeline.throughput;
      const row = (what: string, r: LoadResult & { cpuUs: number }, vs: string) => [
        `${command.text} (${command.vendor})`,
        what,
        rate(r.throughput),
        ms(r.p50),
        ms(r.p99),
        r.cpuUs.toFixed(0),
        vs,
        String(r.errors),
      ];
      rows.push(row('plain undici', baseline, '1.00x'));
      rows.push(row('pipeline', pipeline, `${ratio(cost)} (CPU ${ratio(pipeline.cpuUs / baseline.cpuUs)})`));
      checks.push(
        check(
          `pipeline cost, ${command.text} vs plain undici`,
          `${ratio(cost)} (${rate(pipeline.throughput)} vs ${rate(baseline.throughput)}/s)`,
          `≤ ${BUDGET.toFixed(1)}x`,
          cost <= BUDGET,
        ),
      );
    }
    return {
      name: 'pipeline',
      title: '1. Core pipeline vs plain undici (same fake, same load)',
      tables: [
        {
          title: `concurrency ${CONCURRENCY}, ${scaled(options, 4000) / 1000} s each after a ${scaled(options, 1000) / 1000} s warm-up; SQLite store in a file`,
          columns: ['command', 'path', 'ops/s', 'p50 ms', 'p99 ms', 'CPU µs/op', 'cost', 'errors'],
          rows,
        },
      ],
      checks,
      notes: [
        "cost: plain undici throughput / pipeline throughput (CPU: this process's CPU time per operation, pipeline / undici)",
      ],
    };
  } finally {
    await fakes.stop();
    removeWorkdir(dir);
  }
}

if (import.meta.main) await main(run);
