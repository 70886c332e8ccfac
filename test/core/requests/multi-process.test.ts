import { spawn } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkflow } from '../../../src/core/requests/workflow.ts';
import { openSqliteStore } from '../../../src/stores/sqlite/store.ts';
import { alice, bob, carol, tempDir, testPolicy, unclaim } from './helpers.ts';

const CHILD = fileURLToPath(new URL('./approve-child.ts', import.meta.url));

/**
 * A local "vendor" that counts POSTs per domain, and the two processes' meeting point. Each round
 * (one request) both processes wait at `/ready` until both are there and leave it together; then
 * they approve at once. A vendor call is held until the round is decided: until each process
 * either called the vendor or reported its approve done at `/done`, so the loser's approve always
 * runs while the winner's vendor call is in flight. No timers: the processes release each other.
 */
const hits = new Map<string, number>();
interface Round {
  ready: ServerResponse[];
  held: ServerResponse[];
  decided: number;
}
const rounds = new Map<string, Round>();
const round = (id: string): Round => {
  let r = rounds.get(id);
  if (!r) {
    r = { ready: [], held: [], decided: 0 };
    rounds.set(id, r);
  }
  return r;
};
/** Every process has called the vendor or finished its approve: the held vendor calls answer. */
const decide = (r: Round): void => {
  r.decided += 1;
  if (r.decided === 2) for (const res of r.held.splice(0)) res.end('{}');
};
/** A process ended: nothing may wait for it any more (a crash fails the test instead of hanging it). */
const releaseAll = (): void => {
  for (const r of rounds.values())
    for (const res of [...r.ready.splice(0), ...r.held.splice(0)]) res.end('{}');
};
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    const message = JSON.parse(body) as { id: string };
    if (req.url === '/ready') {
      const r = round(message.id);
      r.ready.push(res);
      if (r.ready.length === 2) for (const waiting of r.ready.splice(0)) waiting.end('go');
      return;
    }
    if (req.url === '/done') {
      decide(round(message.id));
      res.end('{}');
      return;
    }
    const { id, call } = message as unknown as { id: string; call: { domain: string } };
    hits.set(call.domain, (hits.get(call.domain) ?? 0) + 1);
    const r = round(id);
    r.held.push(res);
    decide(r);
  });
});

beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function runChild(job: object): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'pipe'],
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
    child.on('close', (code) => {
      releaseAll();
      resolve({ code, stdout, stderr });
    });
  });
}

describe('two OS processes approving the same requests at the same moment', () => {
  it('call the vendor exactly once per request', async () => {
    const { dir, remove } = tempDir();
    try {
      const db = join(dir, 'domainops.db');
      const store = openSqliteStore(db);
      const workflow = createWorkflow({
        policy: testPolicy(1),
        store,
        execute: async () => Promise.reject(new Error('not here')),
      });
      const domains = ['one.com', 'two.com', 'three.com', 'four.com'];
      const ids: string[] = [];
      for (const domain of domains) {
        ids.push(
          (await workflow.submit({ target: 'webex-prod', call: unclaim(domain), actor: alice })).request!.id,
        );
      }
      await store.close();

      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const common = { db, ids, url };
      const results = await Promise.all([
        runChild({ ...common, approver: bob }),
        runChild({ ...common, approver: carol }),
      ]);
      for (const r of results) expect(r.code, r.stderr).toBe(0);

      for (const domain of domains) expect(hits.get(domain), domain).toBe(1);
      const outcomes = results.flatMap(
        (r) => JSON.parse(r.stdout) as { id: string; status: string; refusal?: string }[],
      );
      for (const id of ids) {
        const mine = outcomes.filter((o) => o.id === id);
        expect(
          mine.filter((o) => o.status === 'succeeded' && o.refusal === undefined),
          id,
        ).toHaveLength(1);
        expect(
          mine.filter((o) => o.refusal === 'not_open'),
          id,
        ).toHaveLength(1);
      }

      const after = openSqliteStore(db);
      expect((await after.listByStatus(['succeeded'])).map((r) => r.id).sort()).toEqual([...ids].sort());
      const executing = (await after.listAudit({ limit: 100 })).filter((e) => e.type === 'executing');
      expect(executing.map((e) => e.requestId).sort()).toEqual([...ids].sort());
      await after.close();
    } finally {
      remove();
    }
  });
});
