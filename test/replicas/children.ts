/**
 * Real OS processes for the replica tests: bot replicas (bot-child.ts, the runtime as `domainops
 * start` runs it) and the command line (src/main.ts), started with the pinned node, their JSON
 * log lines read as they come so that a test waits on what a process says, never for a time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BOT = fileURLToPath(new URL('./bot-child.ts', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** How long a test waits for a process to say something before it fails (a bound for failing runs only). */
const BOUND = 15_000;

export type LogLine = Record<string, unknown>;

export interface Bot {
  readonly name: string;
  url: string;
  pid: number;
  /** Its workflow's owner id (leases, `changedBy`). */
  owner: string;
  lines: LogLine[];
  /** Resolves with the first log line (past or future) that `match` accepts. */
  logged(match: (line: LogLine) => boolean, what?: string): Promise<LogLine>;
  /** Calls `listener` with every line from now on; returns the function that stops it. */
  listen(listener: (line: LogLine) => void): () => void;
  /** Resolves once it has followed (read and told) the store's changes up to `seq`. */
  reached(seq: number): Promise<void>;
  /** Resolves with its exit code (or signal) once it has ended. */
  readonly exited: Promise<number | string | null>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, and waits for it to end (a graceful stop). */
  stop(): Promise<void>;
}

/** Starts one bot replica on `config` (a YAML file) with `env` added to the environment. */
export function startBot(name: string, config: string, env: Record<string, string>): Promise<Bot> {
  const child: ChildProcess = spawn(process.execPath, [BOT, config], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, LOG_FORMAT: 'json' },
  });
  const lines: LogLine[] = [];
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const listeners = new Set<(line: LogLine) => void>();
  let stderr = '';
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    rest += chunk.toString('utf8');
    const parts = rest.split('\n');
    rest = parts.pop() ?? '';
    for (const text of parts) {
      if (text.trim() === '') continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { raw: text };
      }
      lines.push(line);
      for (const listener of listeners) listener(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );

  const logged = (match: (line: LogLine) => boolean, what = 'a log line'): Promise<LogLine> => {
    const found = lines.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${name} did not log ${what} within ${BOUND} ms; stderr: ${stderr.slice(-2000)}`));
      }, BOUND);
      waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(`${name} exited (${code}) before it logged ${what}; stderr: ${stderr.slice(-2000)}`),
        );
      });
    });
  };

  return Promise.race([
    logged((l) => l.msg === 'child ready', 'that it is ready'),
    exited.then((code) => {
      throw new Error(`${name} exited (${code}) before it was ready; stderr: ${stderr.slice(-2000)}`);
    }),
  ]).then((ready) => ({
    name,
    url: String(ready.url),
    pid: child.pid!,
    owner: String(ready.owner),
    lines,
    logged,
    listen: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reached: async (seq: number) => {
      await logged(
        (l) => l.msg === 'changes followed' && typeof l.seq === 'number' && l.seq >= seq,
        `that it followed the changes up to ${seq}`,
      );
    },
    exited,
    kill: (signal) => child.kill(signal),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  }));
}

/** Resolves with the first bot that logs (or logged) a line `match` accepts. */
export function anyLogged(bots: Bot[], match: (line: LogLine) => boolean, what: string): Promise<Bot> {
  const already = bots.find((b) => b.lines.some(match));
  if (already) return Promise.resolve(already);
  return new Promise((resolve, reject) => {
    const stops: (() => void)[] = [];
    const done = () => {
      clearTimeout(timer);
      for (const stop of stops) stop();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no process logged ${what} within ${BOUND} ms`));
    }, BOUND);
    for (const bot of bots) {
      stops.push(
        bot.listen((line) => {
          if (!match(line)) return;
          done();
          resolve(bot);
        }),
      );
    }
  });
}

/** Runs the command line (`domainops <args>`) to its end. */
export function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, LOG_FORMAT: 'json' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Waits until `check` holds, checking again after every turn of the event loop (for a write
 * another process makes right after one the test saw); fails after a bound.
 */
export async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > BOUND) throw new Error(`not within ${BOUND} ms: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
