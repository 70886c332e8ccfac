/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): where the time went, by function (self time)
 * and by package or source folder (self time, and the share of samples in which it is on the
 * stack at all), so that "where does the pipeline spend its time" has an answer in numbers.
 *
 *   node bench/profile.ts <file.cpuprofile> [--top 25] [--focus <regexp>] [--callers <regexp>]
 *
 * `--focus` keeps only samples whose stack has a frame whose function or URL matches, e.g. the
 * work of one command.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** `node_modules/<pkg>`, `src/<folder>`, `adapters/<folder>`, `node:<module>`, or the frame kind. */
export function area(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url.split('/')[0]!;
  const own = /\/(src|adapters|bench|test)\/(.*)$/.exec(url);
  if (own) {
    const parts = own[2]!.split('/');
    return parts.length > 1 ? `${own[1]}/${parts.slice(0, -1).join('/')}` : `${own[1]}/${parts[0]}`;
  }
  return url;
}

export interface Summary {
  totalMs: number;
  idleMs: number;
  functions: { name: string; selfMs: number }[];
  /** For `callersOf`: the self time of matching leaf frames, by the first caller outside node: and native code. */
  callers: { name: string; selfMs: number }[];
  areas: { area: string; selfMs: number; inclusiveShare: number }[];
}

export function summarise(profile: Profile, focus?: RegExp, callersOf?: RegExp): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const areaSelf = new Map<string, number>();
  const areaIncl = new Map<string, number>();
  const callers = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let counted = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    total += dt;
    const name = node.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') {
      if (name === '(idle)') idle += dt;
      if (focus) continue;
    }
    const stack: ProfileNode[] = [];
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id))
      stack.push(byId.get(id)!);
    if (focus && !stack.some((f) => focus.test(f.callFrame.functionName) || focus.test(f.callFrame.url)))
      continue;
    counted += dt;
    const where = area(node.callFrame.url, name);
    const key = `${name || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    areaSelf.set(where, (areaSelf.get(where) ?? 0) + dt);
    for (const a of new Set(stack.map((f) => area(f.callFrame.url, f.callFrame.functionName))))
      areaIncl.set(a, (areaIncl.get(a) ?? 0) + dt);
    if (callersOf?.test(name)) {
      const caller = stack.find((f) => f.callFrame.url !== '' && !f.callFrame.url.startsWith('node:'));
      const label = caller
        ? `${caller.callFrame.functionName || '(anonymous)'} ${area(caller.callFrame.url, '')}:${caller.callFrame.lineNumber + 1}`
        : '(no caller outside node)';
      callers.set(label, (callers.get(label) ?? 0) + dt);
    }
  }
  const base = counted || 1;
  return {
    totalMs: total,
    idleMs: idle,
    functions: [...self].map(([name, selfMs]) => ({ name, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
    callers: [...callers].map(([name, selfMs]) => ({ name, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
    areas: [...areaSelf]
      .map(([a, selfMs]) => ({ area: a, selfMs, inclusiveShare: (areaIncl.get(a) ?? 0) / base }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: 'string', default: '25' },
      focus: { type: 'string' },
      callers: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (file === undefined) {
    console.error('usage: node bench/profile.ts <file.cpuprofile> [--top N] [--focus <regexp>]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const s = summarise(
    profile,
    values.focus === undefined ? undefined : new RegExp(values.focus),
    values.callers === undefined ? undefined : new RegExp(values.callers),
  );
  const top = Number(values.top);
  const busy = s.totalMs - s.idleMs;
  console.log(`profile: ${(s.totalMs / 1000).toFixed(1)} s, busy ${(busy / 1000).toFixed(1)} s`);
  console.log('\nself time by area (and share of busy samples with the area anywhere on the stack):');
  for (const a of s.areas.slice(0, top))
    console.log(
      `  ${a.selfMs.toFixed(0).padStart(7)} ms  ${(a.inclusiveShare * 100).toFixed(0).padStart(3)}%  ${a.area}`,
    );
  console.log('\nself time by function:');
  for (const f of s.functions.slice(0, top))
    console.log(`  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}`);
  if (values.callers !== undefined) {
    console.log(`\nself time of ${values.callers}, by its first caller outside Node's own code:`);
    for (const c of s.callers.slice(0, top))
      console.log(`  ${c.selfMs.toFixed(0).padStart(7)} ms  ${c.name}`);
  }
}
