/**
 * Where a command's memory is allocated (a diagnostic beside bench 5): runs `domain corp.ru`
 * (no approval, the vendor fake answering at once) through the pipeline `--runs` times under V8's
 * sampling heap profiler, counting objects the collector freed too, and prints the functions that
 * allocated the most per command, by their own allocations and with what they called.
 *
 *   node bench/allocations.ts [--runs 3000] [--store memory|file] [--top 30] [--text 'domain corp.ru']
 *                             [--callers sort]   # who called the functions of that name, by what they allocated
 */

import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { createApp } from '../src/app.ts';
import { parseConfig } from '../src/config/load.ts';
import type { Actor } from '../src/core/policy/actor.ts';
import { startFakes } from './lib/procs.ts';
import { aimedTargets, POLICY, removeWorkdir, workdir } from './lib/setup.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3000' },
    store: { type: 'string', default: 'file' },
    top: { type: 'string', default: '30' },
    text: { type: 'string', default: 'domain corp.ru' },
    callers: { type: 'string' },
  },
});
const runs = Number(values.runs);

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const fakes = await startFakes();
const dir = workdir('allocations');
const session = new Session();
session.connect();
try {
  const store = values.store === 'memory' ? ':memory:' : join(dir, 'alloc.db');
  const config = parseConfig(
    stringify({ store, targets: aimedTargets(fakes.info), policy: POLICY }),
    join(dir, 'alloc.yaml'),
    { ...fakes.info.env },
  );
  const app = createApp(config);
  const actor: Actor = { platform: 'slack', id: 'U0ALICE', email: 'alice@corp.com' };
  const once = async () => {
    const reply = await app.handle(values.text, actor);
    if (reply.status !== 'succeeded') throw new Error(`${values.text}: ${reply.status}: ${reply.text}`);
  };
  for (let i = 0; i < 300; i++) await once();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 512,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  for (let i = 0; i < runs; i++) await once();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
  await app.close();

  const short = (url: string) => url.replace(/^file:\/\/.*?\/(node_modules|src|adapters)\//, '$1/');
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  const walk = (node: ProfileNode, stack: Set<string>): number => {
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${short(f.url)}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + node.selfSize);
    all += node.selfSize;
    let sum = node.selfSize;
    const inner = new Set(stack).add(key);
    for (const child of node.children) sum += walk(child, inner);
    if (!stack.has(key)) total.set(key, (total.get(key) ?? 0) + sum);
    return sum;
  };
  walk(profile.head, new Set());
  const callers = new Map<string, number>();
  const findCallers = (node: ProfileNode, path: string[]): void => {
    const f = node.callFrame;
    const here = `${f.functionName || '(anonymous)'} ${short(f.url)}:${f.lineNumber + 1}`;
    if (f.functionName === values.callers && node.selfSize > 0) {
      const key = path.slice(-4).join(' < ');
      callers.set(key, (callers.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) findCallers(child, [here, ...path].slice(0, 4));
  };
  const kb = (bytes: number) => (bytes / runs / 1024).toFixed(1).padStart(7);
  if (values.callers !== undefined) {
    findCallers(profile.head, []);
    console.log(`${values.callers}, by its callers (KB per command):`);
    for (const [key, bytes] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 15))
      console.log(`${kb(bytes)}  ${key}`);
    console.log();
  }
  const top = Number(values.top);
  console.log(
    `${values.text}, ${values.store} store: ${kb(all).trim()} KB allocated per command (sampled)\n`,
  );
  console.log('by own allocations (KB per command):');
  for (const [key, bytes] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${kb(bytes)}  ${key}`);
  console.log('\nwith what they called (KB per command), ours only:');
  for (const [key, bytes] of [...total]
    .filter(([k]) => / (src|adapters)\//.test(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    console.log(`${kb(bytes)}  ${key}`);
} finally {
  session.disconnect();
  await fakes.stop();
  removeWorkdir(dir);
}
