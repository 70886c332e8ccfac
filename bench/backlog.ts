/**
 * What a backlog of commands costs in memory (a diagnostic, not one of the five benches): a
 * Slack-only runtime in this process, its vendor holding every answer, gets `--count` signed
 * slash commands (`domain corp.ru`), all acked; then the live heap (after a full collection)
 * per command acked, running or waiting, and the constructors that hold the most.
 *
 *   node --expose-gc bench/backlog.ts [--count 1000] [--snapshot /tmp/backlog.heapsnapshot]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { loadConfig } from '../src/config/load.ts';
import { startRuntime } from '../src/runtime.ts';
import { createLogger } from '../src/server/logger.ts';
import { httpOp, pool } from './lib/load.ts';
import { freePort, startFakes } from './lib/procs.ts';
import { removeWorkdir, slashCommand, USERS, workdir, writeBotConfig } from './lib/setup.ts';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '1000' }, snapshot: { type: 'string' } },
});
const count = Number(values.count);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const live = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const fakes = await startFakes();
const dir = workdir('backlog');
try {
  const port = await freePort();
  const config = writeBotConfig(dir, fakes.info, { name: 'slack', port, slack: true });
  Object.assign(process.env, config.env);
  const runtime = await startRuntime({
    config: loadConfig(config.file, config.env as Record<string, string>),
    logger: createLogger({ level: 'warn' }),
  });
  // The vendor answers nothing during the measurement.
  await fakes.call({ type: 'slow', vendor: 'yandex', ms: 600_000 });
  const responseBase = fakes.info.slackApiUrl.replace(/api\/$/, '');
  const p = pool(runtime.url, 8);
  const send = httpOp(p, (i) => slashCommand('domain corp.ru', USERS[i % USERS.length]!, responseBase));
  // One first, so that every module, connection and cache is in place before the baseline.
  await send(0);
  await new Promise((r) => setTimeout(r, 200));
  const before = live();
  const rss0 = process.memoryUsage().rss;
  for (let i = 1; i <= count; i += 8)
    await Promise.all(Array.from({ length: Math.min(8, count + 1 - i) }, (_, k) => send(i + k)));
  await new Promise((r) => setTimeout(r, 500));
  const after = live();
  const state = runtime.chat.commands();
  console.log(
    JSON.stringify({
      count,
      commands: state,
      liveKbPerCommand: Math.round((after - before) / count / 102.4) / 10,
      liveMb: Math.round(after / 1048576),
      rssGrowthMb: Math.round((process.memoryUsage().rss - rss0) / 1048576),
    }),
  );
  if (values.snapshot !== undefined) {
    const file = writeHeapSnapshot(values.snapshot);
    console.log(`heap snapshot: ${file}`);
    summarise(file);
  }
  await p.close();
  await fakes.call({ type: 'fast' });
  process.exit(0);
} finally {
  removeWorkdir(dir);
}

/** The constructors whose objects take the most (self size), and how many there are. */
function summarise(file: string): void {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const nameAt = fields.indexOf('name');
  const typeAt = fields.indexOf('type');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const by = new Map<string, { n: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const name =
      type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + nameAt]!]! : `(${type})`;
    const key = `${type}:${name}`;
    const entry = by.get(key) ?? { n: 0, bytes: 0 };
    entry.n++;
    entry.bytes += snap.nodes[i + sizeAt]!;
    by.set(key, entry);
  }
  const top = [...by].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 40);
  for (const [key, { n, bytes }] of top)
    console.log(`${(bytes / 1024).toFixed(0).padStart(8)} KB ${String(n).padStart(8)}  ${key}`);
}
