/**
 * Child processes of the bench: domainops itself (`node src/main.ts start`), the bare Bolt
 * baseline and the fakes, each on loopback ports. Readiness is polled on `/readyz`, memory is
 * read from /proc/<pid>/status (VmRSS: now; VmHWM: the peak since the process started).
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/**
 * How domainops runs, as the Docker image runs it: the Node flags of `npm start` (package.json:
 * `node <flags> src/main.ts start`, which the Dockerfile's NODE_OPTIONS repeats) and the
 * Dockerfile's glibc allocator settings (`ENV MALLOC_…=`); or as BENCH_NODE_FLAGS says, to try
 * others (`BENCH_NODE_FLAGS='--max-semi-space-size=8'`; NAME=value words set the environment:
 * `'MALLOC_ARENA_MAX=8 --max-semi-space-size=2'`; an empty value: none).
 */
export function domainopsNode(): { flags: string[]; env: Record<string, string> } {
  const assignment = /^([A-Z_][A-Z0-9_]*)=(.*)$/;
  const chosen = process.env.BENCH_NODE_FLAGS;
  if (chosen !== undefined) {
    const words = chosen.split(' ').filter(Boolean);
    const env: Record<string, string> = {};
    for (const word of words) {
      const m = assignment.exec(word);
      if (m !== null) env[m[1]!] = m[2]!;
    }
    return { flags: words.filter((w) => !assignment.test(w)), env };
  }
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const start = /^node((?: --\S+)*) src\/main\.ts start$/.exec(pkg.scripts.start ?? '');
  if (start === null) throw new Error('package.json: scripts.start is not `node [flags] src/main.ts start`');
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  return {
    flags: start[1]!.split(' ').filter(Boolean),
    env: Object.fromEntries(
      [...dockerfile.matchAll(/^ENV (MALLOC_[A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
    ),
  };
}

/** A free loopback port (bound and released: another process could take it in between, rarely). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Memory {
  /** Resident set now, kB. */
  rss: number;
  /** The peak resident set since start, kB. */
  hwm: number;
}

/** VmRSS and VmHWM of a process, or undefined once it is gone. */
export function memory(pid: number): Memory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** How many file descriptors (sockets, files) a process has open; undefined once it is gone. */
export function openFds(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in ms; undefined once it is gone. */
export function cpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** USER_HZ: /proc reports CPU times in these ticks (100 on Linux). */
const CLOCK_TICKS = 100;

export interface Started {
  child: ChildProcess;
  pid: number;
  /** From spawn to the first 200 from `/readyz`. */
  readyMs: number;
  /** Memory right when it was ready. */
  atReady: Memory | undefined;
  url: string;
  log: string;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Stops a child: SIGTERM, then SIGKILL when it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Spawns `node <script> <args>` with its output in `log`, then polls `${url}${readyPath}` every
 * few milliseconds until it answers 200 (or the child exits, or `timeoutMs` passes).
 */
export async function startProcess(options: {
  script: string;
  args?: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  url: string;
  readyPath?: string;
  log: string;
  timeoutMs?: number;
  /** Node options (e.g. --cpu-prof) placed before the script. */
  nodeArgs?: string[];
}): Promise<Started> {
  const fd = openSync(options.log, 'w');
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])],
    {
      cwd: options.cwd ?? ROOT,
      env: options.env,
      stdio: ['ignore', fd, fd],
    },
  );
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.script}`);
  const stop = () => stopChild(child);
  const deadline = t0 + (options.timeoutMs ?? 30_000);
  const readyUrl = `${options.url}${options.readyPath ?? '/readyz'}`;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${options.script} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(options.log)}`,
      );
    try {
      const res = await request(readyUrl, { headersTimeout: 2000, bodyTimeout: 2000 });
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      await stop();
      throw new Error(
        `${options.script} was not ready within ${options.timeoutMs ?? 30_000} ms:\n${tail(options.log)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - t0;
  return { child, pid, readyMs, atReady: memory(pid), url: options.url, log: options.log, stop };
}

/** The running fakes process (bench/fakes/server.ts), spoken to over IPC. */
export interface FakesProcess {
  info: FakesInfo;
  call<T = unknown>(command: FakesCommand): Promise<T>;
  stop(): Promise<void>;
}

export type FakesCommand =
  | { type: 'slow'; vendor: 'webex' | 'yandex'; ms: number }
  | { type: 'fast' }
  | { type: 'slackCalls' }
  | { type: 'reset' };

export interface FakesInfo {
  /** Target fields for each bench target (URLs, auth as env: references), by target name. */
  targets: Record<string, Record<string, unknown>>;
  /** The credentials the vendor fakes issued, by env name. */
  env: Record<string, string>;
  /** `http://127.0.0.1:<port>/api/`: chat.slack.apiUrl. */
  slackApiUrl: string;
  /** `http://127.0.0.1:<port>/v1`: the Webex messaging API (HYDRA_SERVICE_URL, chat.webex.apiUrl). */
  webexApiUrl: string;
  /** The Webex SDK's service catalog (U2C_SERVICE_URL). */
  webexU2cUrl: string;
  /** Each vendor fake's root URL. */
  vendors: Record<string, string>;
  pid: number;
}

/** Forks bench/fakes/server.ts and waits for its URLs. */
export async function startFakes(): Promise<FakesProcess> {
  const child = fork(fileURLToPath(new URL('../fakes/server.ts', import.meta.url)), [], {
    execPath: process.execPath,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 0;
  const waiting = new Map<number, (value: unknown) => void>();
  const info = await new Promise<FakesInfo>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the fakes process exited (${code}) before it was ready`)));
    child.on('message', (message: { type: string; id?: number; value?: unknown; info?: FakesInfo }) => {
      if (message.type === 'ready' && message.info) resolve(message.info);
      if (message.type === 'answer' && message.id !== undefined) {
        waiting.get(message.id)?.(message.value);
        waiting.delete(message.id);
      }
    });
  });
  let gone = false;
  child.once('exit', () => {
    gone = true;
    for (const answer of waiting.values()) answer(Promise.reject(new Error('the fakes process exited')));
    waiting.clear();
  });
  return {
    info,
    call<T>(command: FakesCommand): Promise<T> {
      if (gone) return Promise.reject(new Error('the fakes process exited'));
      const id = next++;
      return new Promise<T>((resolve) => {
        waiting.set(id, resolve as (value: unknown) => void);
        child.send({ ...command, id });
      });
    },
    stop: () => stopChild(child, 5000),
  };
}
