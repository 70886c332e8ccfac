/**
 * `domainops audit --follow --jsonl [--after <seq>]` as a real process on a SQLite file: the
 * events after the seq, then an event another process writes, one JSON line each; SIGINT or
 * SIGTERM ends it with exit 0. The test waits on the lines the process prints, never for a time.
 * In this process, with a stream of its own: a reader that does not take the output holds the
 * output back instead of letting it pile up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { auditHash, GENESIS } from '../../src/core/requests/audit-chain.ts';
import type { AuditEvent, RequestStore } from '../../src/core/requests/store.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { event } from '../contracts/store.ts';
import { runCli } from '../replicas/children.ts';
import { cli, UNCLAIM_ENV, unclaimConfig, writeConfig } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

type Line = Record<string, unknown> & { seq: number; hash: string };

/** A running `domainops audit --follow`, its stdout read line by line. */
interface Follower {
  lines: Line[];
  /** Resolves once a line `match` accepts has been printed. */
  printed(match: (line: Line) => boolean): Promise<Line>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  child: ChildProcess;
}

function follow(args: string[]): Follower {
  const child = spawn(process.execPath, [MAIN, 'audit', '--follow', '--jsonl', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...UNCLAIM_ENV },
  });
  const lines: Line[] = [];
  const waiters: { match: (line: Line) => boolean; resolve: (line: Line) => void }[] = [];
  let rest = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    rest += chunk.toString('utf8');
    const parts = rest.split('\n');
    rest = parts.pop()!;
    for (const text of parts) {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      for (const w of [...waiters]) {
        if (!w.match(line)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  const printed = (match: (line: Line) => boolean): Promise<Line> => {
    const found = lines.find(match);
    if (found) return Promise.resolve(found);
    return Promise.race([
      new Promise<Line>((resolve) => waiters.push({ match, resolve })),
      exited.then(({ code, stderr: err }) => {
        throw new Error(`audit --follow exited (${code}) before printing the line; stderr: ${err}`);
      }),
    ]);
  };
  return { lines, printed, exited, child };
}

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A config with a SQLite store next to it, and that store opened by this process. */
function setup(): { file: string; store: RequestStore } {
  const file = writeConfig(unclaimConfig());
  const store = openSqliteStore(join(dirname(file), 'data', 'domainops.db'));
  cleanups.push(() => store.close());
  return { file, store };
}

/** Checks that the lines are the chain as stored: each hash follows from the one before. */
function chained(lines: readonly Line[], previous: string): void {
  for (const line of lines) {
    const { hash, at, ...rest } = line;
    const e = { ...rest, at: Date.parse(String(at)) } as unknown as AuditEvent;
    expect(hash).toBe(auditHash(previous, e));
    previous = hash;
  }
}

describe('audit --follow --jsonl', () => {
  it('prints the events after --after, then one another process writes; SIGINT ends it with exit 0', async () => {
    const { file, store } = setup();
    await store.appendAudit([event('r-seed0001', 'refused', 1), event('r-seed0002', 'refused', 2)]);
    await store.appendAudit([event('r-seed0003', 'refused', 3)]);
    const f = follow(['--after', '1', '--config', file]);
    cleanups.push(() => {
      if (f.child.exitCode === null && f.child.signalCode === null) f.child.kill('SIGKILL');
    });
    await f.printed((l) => l.seq === 3);
    expect(f.lines.map((l) => [l.seq, l.requestId])).toEqual([
      [2, 'r-seed0002'],
      [3, 'r-seed0003'],
    ]);
    expect(f.lines[0]).toEqual({
      seq: 2,
      at: '1970-01-01T00:00:00.002Z',
      requestId: 'r-seed0002',
      actor: { platform: 'slack', id: 'UALICE', email: 'alice@corp.com' },
      type: 'refused',
      to: 'pending',
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const [first] = await store.changesSince(0, { limit: 1 });
    chained(f.lines, first!.hash!);

    // Another domainops process (the command line) stores a request: its event follows.
    const exec = await runCli(
      ['exec', '--as', 'alice@corp.com', 'unclaim abc.com', '--config', file],
      UNCLAIM_ENV,
    );
    expect(exec.code).toBe(0);
    const submitted = await f.printed((l) => l.type === 'submitted');
    expect(submitted).toMatchObject({
      seq: 4,
      actor: { platform: 'cli', email: 'alice@corp.com' },
      to: 'pending',
    });
    chained(f.lines, first!.hash!);

    f.child.kill('SIGINT');
    expect(await f.exited).toEqual({ code: 0, signal: null, stderr: '' });
    expect(f.lines.map((l) => l.seq)).toEqual([2, 3, 4]);
  }, 30_000);

  it('starts from the first event without --after, and SIGTERM ends it with exit 0', async () => {
    const { file, store } = setup();
    await store.appendAudit([event('r-seed0001', 'refused', 1)]);
    const f = follow(['--config', file]);
    cleanups.push(() => {
      if (f.child.exitCode === null && f.child.signalCode === null) f.child.kill('SIGKILL');
    });
    await f.printed((l) => l.seq === 1);
    chained(f.lines, GENESIS);
    await store.appendAudit([event('r-seed0002', 'refused', 2)]);
    await f.printed((l) => l.seq === 2);
    f.child.kill('SIGTERM');
    expect(await f.exited).toEqual({ code: 0, signal: null, stderr: '' });
  }, 30_000);

  it('a reader that goes away (`| head -1`, EPIPE) ends it with exit 1 and one line on stderr, no stack', async () => {
    const { file, store } = setup();
    await store.appendAudit([event('r-seed0001', 'refused', 1)]);
    const f = follow(['--config', file]);
    cleanups.push(() => {
      if (f.child.exitCode === null && f.child.signalCode === null) f.child.kill('SIGKILL');
    });
    await f.printed((l) => l.seq === 1);
    // The reader closes its end, as `head -1` does after its line; the next event written fails.
    f.child.stdout!.destroy();
    await store.appendAudit([event('r-seed0002', 'refused', 2)]);
    const exited = await f.exited;
    expect(exited.code).toBe(1);
    expect(exited.signal).toBe(null);
    expect(exited.stderr).toMatch(/^audit --follow: the output was closed \(EPIPE\)/);
    expect(exited.stderr.trim().split('\n')).toHaveLength(1);
    expect(exited.stderr).not.toMatch(/at |Error:/);
  }, 30_000);

  it('waits for a reader that does not take the output, instead of piling it up', async () => {
    const { file, store } = setup();
    const many = Array.from({ length: 1200 }, (_, i) => event(`r-many${i}`, 'refused', i));
    await store.appendAudit(many);
    const writes: string[] = [];
    let take: (() => void) | undefined;
    let firstWrite!: () => void;
    const written = new Promise<void>((resolve) => {
      firstWrite = resolve;
    });
    // A reader that takes one chunk and then nothing until the test lets it.
    const out = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        writes.push(chunk.toString('utf8'));
        firstWrite();
        take = callback;
      },
    });
    const stop = new AbortController();
    const running = cli(['audit', '--follow', '--jsonl', '--config', file], UNCLAIM_ENV, {
      out,
      stop: stop.signal,
    });
    await written;
    // The first page went out in one write; the stream is full and nothing more is written
    // while it stays full, however many events wait.
    await store.appendAudit([event('r-more', 'refused')]);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
    expect(out.writableLength).toBe(Buffer.byteLength(writes[0]!));
    const linesIn = (): number => writes.join('').split('\n').filter(Boolean).length;
    // Let the reader take everything: every event arrives, in order, once.
    const drained = new Promise<void>((resolve) => {
      const pump = (): void => {
        if (linesIn() >= 1201) {
          resolve();
          return;
        }
        const next = take;
        take = undefined;
        next?.();
        setImmediate(pump);
      };
      pump();
    });
    await drained;
    stop.abort();
    take?.();
    const run = await running;
    expect(run.code).toBe(0);
    const seqs = writes
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as Line).seq);
    expect(seqs).toEqual(Array.from({ length: 1201 }, (_, i) => i + 1));
  });
});
