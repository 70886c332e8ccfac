/**
 * Node's heap settings compared (a diagnostic beside bench 2): for each set of flags, a Slack-only
 * `node <flags> src/main.ts start` (compile cache filled) is measured for its idle RSS, the CPU it
 * spends per `help` (closed loop, 8 at a time) and per `domain corp.ru` with the vendor fake
 * answering at once (64 at a time, until every answer is posted), then its peak RSS under bench
 * 2's load: `domain corp.ru` as fast as it is acked while the vendor takes 2 s (it is stopped
 * then: the backlog is not drained). The sets are measured in turn, `--rounds` times.
 *
 *   node bench/heap-flags.ts [--rounds 2] [-- '--max-semi-space-size=2' 'MALLOC_ARENA_MAX=2 --max-semi-space-size=2' …]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { closedLoop, httpOp, pool } from './lib/load.ts';
import { cpuMs, freePort, MAIN, memory, startFakes, startProcess } from './lib/procs.ts';
import { markdownTable } from './lib/report.ts';
import { removeWorkdir, slashCommand, USERS, workdir, writeBotConfig } from './lib/setup.ts';

const { values, positionals } = parseArgs({
  options: { rounds: { type: 'string', default: '2' } },
  allowPositionals: true,
});
const sets =
  positionals.length > 0
    ? positionals
    : [
        '--max-semi-space-size=2',
        'MALLOC_ARENA_MAX=2 --max-semi-space-size=2',
        'MALLOC_ARENA_MAX=2 --max-semi-space-size=2 --max-old-space-size=128',
        'MALLOC_ARENA_MAX=2 --max-semi-space-size=2 --max-old-space-size=96',
      ];
const ANSWERS = ['chat.postMessage', 'chat.postEphemeral', 'chat.update', 'respond'];

const fakes = await startFakes();
const dir = workdir('heap-flags');
interface Measured {
  idle: number[];
  help: number[];
  vendor: number[];
  /** VmHWM after the `help` phase. */
  helpPeak: number[];
  peak: number[];
  /** Of the highest sample: anonymous memory (heap, buffers) and file-backed (code), MB. */
  parts: string[];
}
const results = new Map<string, Measured>();

const words = (flags: string): string[] => flags.split(' ').filter(Boolean);

/** RssAnon and RssFile of a process, MB. */
function rssParts(pid: number): { anon: number; file: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024;
    return { anon: field('RssAnon'), file: field('RssFile') };
  } catch {
    return { anon: Number.NaN, file: Number.NaN };
  }
}
try {
  const port = await freePort();
  const responseBase = fakes.info.slackApiUrl.replace(/api\/$/, '');
  let runs = 0;
  // Each process with a store of its own: one that ran before would start with its requests.
  const start = (flags: string) => {
    const config = writeBotConfig(dir, fakes.info, { name: `slack-${runs++}`, port, slack: true });
    return startProcess({
      script: MAIN,
      args: ['start', '--config', config.file],
      env: {
        ...config.env,
        NODE_COMPILE_CACHE: join(dir, 'compile-cache'),
        // NAME=value words set the environment (MALLOC_ARENA_MAX=2).
        ...Object.fromEntries(
          words(flags)
            .filter((w) => /^[A-Z_]+=/.test(w))
            .map((w) => w.split('=', 2)),
        ),
      },
      url: `http://127.0.0.1:${port}`,
      log: join(dir, 'domainops.log'),
      nodeArgs: words(flags).filter((w) => !/^[A-Z_]+=/.test(w)),
    });
  };
  await (await start('')).stop();
  const answered = async (): Promise<number> => {
    const calls = await fakes.call<Record<string, number>>({ type: 'slackCalls' });
    return ANSWERS.reduce((n, m) => n + (calls[m] ?? 0), 0);
  };

  for (let round = 0; round < Number(values.rounds); round++) {
    for (const flags of sets) {
      const r = results.get(flags) ?? { idle: [], help: [], vendor: [], helpPeak: [], peak: [], parts: [] };
      results.set(flags, r);
      const send = (url: string, text: string, connections: number) => {
        const p = pool(url, connections);
        const op = httpOp(p, (i) => slashCommand(text, USERS[Math.abs(i) % USERS.length]!, responseBase));
        return { p, op };
      };
      // As bench 2 runs it: idle, `help`, then the vendor command while the vendor takes 2 s.
      const bot = await start(flags);
      try {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        r.idle.push((memory(bot.pid)?.rss ?? Number.NaN) / 1024);
        {
          const { p, op } = send(bot.url, 'help', 8);
          await closedLoop(op, { concurrency: 8, durationMs: 1000 });
          const cpu0 = cpuMs(bot.pid) ?? 0;
          const done = await closedLoop(op, { concurrency: 8, durationMs: 4000 });
          r.help.push((((cpuMs(bot.pid) ?? 0) - cpu0) * 1000) / done.count);
          await p.close();
          r.helpPeak.push((memory(bot.pid)?.hwm ?? Number.NaN) / 1024);
        }
        await fakes.call({ type: 'slow', vendor: 'yandex', ms: 2000 });
        const { p, op } = send(bot.url, 'domain corp.ru', 8);
        let peak = 0;
        let parts = '';
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            const now = memory(bot.pid)?.rss ?? 0;
            if (now > peak) {
              const { anon, file } = rssParts(bot.pid);
              parts = `${anon.toFixed(0)} + ${file.toFixed(0)}`;
            }
            peak = Math.max(peak, now);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        })();
        await closedLoop(op, { concurrency: 8, warmupMs: 1000, durationMs: 4000 });
        sampling = false;
        await sampler;
        r.peak.push(peak / 1024);
        r.parts.push(parts);
        await p.close();
      } finally {
        await bot.stop();
        await fakes.call({ type: 'fast' });
      }
      // CPU per vendor command in a fresh process, everything until its answer is posted. Acks
      // come back far faster than the commands run: at most 256 are let wait at a time, so that
      // none is turned away (COMMANDS_WAITING).
      const fresh = await start(flags);
      try {
        let posted = await answered();
        let polling = true;
        const poller = (async () => {
          while (polling) {
            posted = await answered();
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })();
        const measure = async (count: number): Promise<number> => {
          const from = posted;
          let sent = 0;
          const p = pool(fresh.url, 64);
          const send = httpOp(p, (i) =>
            slashCommand('domain corp.ru', USERS[Math.abs(i) % USERS.length]!, responseBase),
          );
          const op = async (i: number) => {
            while (sent - (posted - from) >= 256) await new Promise((resolve) => setTimeout(resolve, 2));
            sent++;
            await send(i);
          };
          const cpu0 = cpuMs(fresh.pid) ?? 0;
          await closedLoop(op, { concurrency: 64, durationMs: 600_000, count });
          while (posted - from < count) await new Promise((resolve) => setTimeout(resolve, 5));
          await p.close();
          return (((cpuMs(fresh.pid) ?? 0) - cpu0) * 1000) / count;
        };
        await measure(500);
        r.vendor.push(await measure(6000));
        polling = false;
        await poller;
      } finally {
        await fresh.stop();
      }
      console.log(
        `${flags || '(none)'}: idle ${r.idle.at(-1)?.toFixed(0)} MB, help ${r.help.at(-1)?.toFixed(0)} µs, domain ${r.vendor.at(-1)?.toFixed(0)} µs, peak ${r.peak.at(-1)?.toFixed(0)} MB (anon + file ${r.parts.at(-1)}), after help ${r.helpPeak.at(-1)?.toFixed(0)} MB`,
      );
    }
  }
  const range = (v: number[], digits = 0) => {
    const lo = Math.min(...v).toFixed(digits);
    const hi = Math.max(...v).toFixed(digits);
    return lo === hi ? lo : `${lo}–${hi}`;
  };
  console.log(
    `\n${markdownTable({
      title: '',
      columns: [
        'flags',
        'peak RSS under load MB',
        'peak after help MB',
        'idle RSS MB',
        'CPU per help µs',
        'CPU per domain corp.ru µs',
      ],
      rows: [...results].map(([flags, r]) => [
        flags || '(none)',
        range(r.peak),
        range(r.helpPeak),
        range(r.idle),
        range(r.help),
        range(r.vendor),
      ]),
    })}`,
  );
} finally {
  await fakes.stop();
  removeWorkdir(dir);
}
