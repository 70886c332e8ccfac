/**
 * Bench 3, start-up: `node src/main.ts start` as the playground (no config: the example config
 * against the built-in sandbox), as a Slack-only process (HTTP mode) and with Webex enabled
 * (webhook mode, against a fake of the Webex messaging API), each started a few times: the time
 * from spawn to the first 200 from `/readyz`, and the memory when ready, after a second idle, and
 * the peak (VmHWM). The Slack-only process's peak under load is bench 2's.
 *
 *   node bench/startup.ts [--quick] [--json out.json]
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchOptions, main } from './lib/cli.ts';
import { summarise } from './lib/load.ts';
import { domainopsNode, freePort, MAIN, type Memory, memory, startFakes, startProcess } from './lib/procs.ts';
import { check, mb, ms, type Section } from './lib/report.ts';
import { baseEnv, removeWorkdir, workdir, writeBotConfig } from './lib/setup.ts';

const SLACK_ONLY = 'Slack-only (HTTP mode)';

/** The budgets (Slack-only). */
const READY_MS = 500;
const IDLE_MB = 100;

interface Kind {
  label: string;
  /** Start once, unmeasured, before the measured starts (to fill a cache). */
  prime?: boolean;
  start(port: number, dir: string): { args: string[]; env: NodeJS.ProcessEnv; cwd?: string };
}

export async function run(options: BenchOptions): Promise<Section> {
  const fakes = await startFakes();
  const dir = workdir('startup');
  const runs = options.scale < 1 ? 1 : 3;
  try {
    // Node's compile cache, as src/main.ts enables it, in a folder of this bench's own, filled
    // by a first (unmeasured) start of each kind, as the Docker image fills its own when built.
    const cache = { NODE_COMPILE_CACHE: join(dir, 'compile-cache') };
    const kinds: Kind[] = [
      {
        label: 'playground (no config: built-in sandbox)',
        prime: true,
        start: (port, where) => {
          // A folder with no domainops.yaml: the playground, its store in ./data of that folder.
          const cwd = join(where, 'playground');
          mkdirSync(cwd, { recursive: true });
          return { args: ['start'], env: { ...baseEnv(), ...cache, PORT: String(port) }, cwd };
        },
      },
      {
        label: SLACK_ONLY,
        prime: true,
        start: (port, where) => {
          const c = writeBotConfig(where, fakes.info, { name: `slack-${port}`, port, slack: true });
          return { args: ['start', '--config', c.file], env: { ...c.env, ...cache } };
        },
      },
      {
        // What the compile cache saves (a diagnostic): every module stripped and compiled again.
        label: 'Slack-only, compile cache off (NODE_DISABLE_COMPILE_CACHE=1)',
        start: (port, where) => {
          const c = writeBotConfig(where, fakes.info, { name: `slack-${port}`, port, slack: true });
          return {
            args: ['start', '--config', c.file],
            env: { ...c.env, NODE_DISABLE_COMPILE_CACHE: '1' },
          };
        },
      },
      {
        label: 'Webex enabled (webhook mode)',
        prime: true,
        start: (port, where) => {
          const c = writeBotConfig(where, fakes.info, { name: `webex-${port}`, port, webex: true });
          return { args: ['start', '--config', c.file], env: { ...c.env, ...cache } };
        },
      },
    ];
    const rows: string[][] = [];
    const checks = [];
    for (const kind of kinds) {
      const ready: number[] = [];
      let atReady: Memory | undefined;
      let idle: Memory | undefined;
      for (let i = kind.prime ? -1 : 0; i < runs; i++) {
        const port = await freePort();
        const how = kind.start(port, dir);
        const started = await startProcess({
          script: MAIN,
          nodeArgs: domainopsNode().flags,
          ...how,
          env: { ...how.env, ...domainopsNode().env },
          url: `http://127.0.0.1:${port}`,
          log: join(dir, `start-${port}.log`),
        });
        if (i < 0) {
          await started.stop();
          continue;
        }
        ready.push(started.readyMs);
        atReady = started.atReady;
        await new Promise((r) => setTimeout(r, 1000));
        idle = memory(started.pid);
        await started.stop();
      }
      const s = summarise(ready);
      rows.push([
        kind.label,
        ms(s.p50),
        `${ms(Math.min(...ready))}–${ms(Math.max(...ready))}`,
        mb(atReady?.rss),
        mb(idle?.rss),
        mb(idle?.hwm),
      ]);
      if (kind.label === SLACK_ONLY) {
        checks.push(
          check(
            'Slack-only ready',
            `${ms(s.p50)} ms (median of ${runs})`,
            `< ${READY_MS} ms`,
            s.p50 < READY_MS,
          ),
        );
        checks.push(
          check(
            'Slack-only idle RSS',
            `${mb(idle?.rss)} MB`,
            `< ${IDLE_MB} MB`,
            idle !== undefined && idle.rss / 1024 < IDLE_MB,
          ),
        );
      }
    }
    return {
      name: 'startup',
      title: '3. Start-up: time to /readyz and memory',
      tables: [
        {
          title: `node src/main.ts start, ${runs} start(s) each`,
          columns: [
            'process',
            'ready ms (median)',
            'range ms',
            'RSS at ready MB',
            'RSS idle 1 s MB',
            'peak MB',
          ],
          rows,
        },
      ],
      checks,
      notes: [
        "ready: from spawn to the first 200 from /readyz (polled every 5 ms). Node's compile cache (src/main.ts enables it) is filled by one unmeasured start of each kind, as the Docker image fills it when it is built.",
      ],
    };
  } finally {
    await fakes.stop();
    removeWorkdir(dir);
  }
}

if (import.meta.main) await main(run);
