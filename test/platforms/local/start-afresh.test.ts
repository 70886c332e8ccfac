/**
 * `domainops start` with no config file: the playground on the built-in sandbox. The sandbox's
 * vendors keep their state in memory and begin from their seed at every start, so the
 * playground's store begins afresh with them; a restart never shows requests about vendor state
 * that is gone. A start that cannot listen leaves the store of the running one alone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { post } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../../../src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'domainops-start-'));
const store = join(dir, 'data', 'playground.db');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  stop(): Promise<number | null>;
}

/** `domainops start` in `dir` (no domainops.yaml there); resolves once it listens, or with its exit. */
function start(port: number): Promise<Started | { exitCode: number | null; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, 'start'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const url = /domainops is listening on (\S+)/.exec(stderr)?.[1];
      if (url) {
        resolve({
          child,
          url,
          stderr: () => stderr,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    exited.then((exitCode) => resolve({ exitCode, stderr }));
  });
}

async function started(port = 0): Promise<Started> {
  const result = await start(port);
  if (!('url' in result)) throw new Error(`domainops did not start (${result.exitCode}): ${result.stderr}`);
  return result;
}

const history = async (url: string) =>
  ((await (await fetch(`${url}/api/history`)).json()) as { entries: unknown[] }).entries;

const say = async (url: string, as: string, text: string) =>
  (await post(url, '/api/command', { as, text })).json.entry as {
    reply: { status: string; requestId?: string };
    cards: { text: string };
  };

describe('domainops start on the sandbox', () => {
  it('begins afresh at every start: no requests, audit or conversation about a vendor state that is gone', async () => {
    const first = await started();
    const asked = await say(first.url, 'alice@corp.com', 'unclaim abc.com');
    expect(asked.reply.status).toBe('pending');
    expect(await first.stop()).toBe(0);
    expect(readFileSync(store).includes(Buffer.from(asked.reply.requestId!))).toBe(true);

    const second = await started();
    try {
      expect(second.stderr()).toMatch(/Starting afresh.*requests and audit/);
      expect(await history(second.url)).toEqual([]);
      const pending = await say(second.url, 'alice@corp.com', 'pending');
      expect(pending.cards.text).toMatch(/Nothing is waiting for approval/);
      const audit = await say(second.url, 'alice@corp.com', 'audit 5');
      expect(audit.cards.text).toMatch(/The audit trail is empty/);
      // The vendor is back at its seed too: abc.com is claimed again, so it can be unclaimed again.
      expect((await say(second.url, 'alice@corp.com', 'unclaim abc.com')).reply.status).toBe('pending');
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it('leaves the store alone when it cannot listen (another domainops may be using it)', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      expect(existsSync(store)).toBe(true);
      const before = statSync(store);
      const result = await start(port);
      expect('url' in result).toBe(false);
      const failed = result as { exitCode: number | null; stderr: string };
      expect(failed.exitCode).not.toBe(0);
      expect(failed.stderr).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is taken`));
      expect(failed.stderr).not.toMatch(/Starting afresh/);
      expect(statSync(store).ino).toBe(before.ino);
      expect(statSync(store).size).toBe(before.size);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
