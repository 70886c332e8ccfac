/**
 * A process killed in the middle of a batch: `domainops approve` (a real OS process) runs a batch
 * of 10 unclaims two at a time against the Webex module's fake, which answers the first three and
 * holds the next two open; the process is killed with SIGKILL while they are held, and domainops
 * starts again on the same SQLite store. The finished items keep their outcomes untouched, the
 * two in flight become `unknown`, the five not started `skipped`, nothing is sent twice, and the
 * card shows the command that runs the rest again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { loadConfig } from '../../src/config/load.ts';
import { cardForReply } from '../../src/core/cards/build.ts';
import type { RequestRecord } from '../../src/core/requests/model.ts';
import { renderBlockKit } from '../../src/platforms/slack/render.ts';
import { renderAdaptiveCard } from '../../src/platforms/webex/render.ts';
import { startRuntime } from '../../src/runtime.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { assertAdaptiveCard, assertBlockKitLimits } from '../cards/limits.ts';
import { cli, writeConfig } from '../cli/helpers.ts';
import { createGate } from '../helpers/gate.ts';
import { until } from '../replicas/children.ts';
import { capturedLogger } from '../server/helpers.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const TOKEN = 'wx-token-for-the-crash-test';
const DOMAINS = Array.from({ length: 10 }, (_, i) => `d${String(i).padStart(2, '0')}.corp.com`);
const UNCLAIM_PATH = /\/actions\/unclaimDomain$/;

let fake: WebexFake;
let configFile: string;

beforeAll(async () => {
  fake = await startWebexFake({ orgs: { [ORG]: { claimed: DOMAINS } } });
  fake.state.accessTokens.add(TOKEN);
  configFile = writeConfig(`
store: ./data/domainops.db
server: { host: 127.0.0.1, port: 0 }
http: { connectTimeout: 2s, timeout: 60s, retries: 0 }
batch: { concurrency: 2 }
targets:
  webex-prod:
    vendor: webex
    orgId: ${ORG}
    apiUrl: ${fake.apiUrl}
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com]
  rules:
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
`);
});

afterAll(async () => {
  await fake?.close();
});

const env = { WEBEX_IDENTITY_TOKEN: TOKEN };
const unclaims = () => fake.requests.filter((r) => UNCLAIM_PATH.test(r.path));
const sentDomains = () => unclaims().map((r) => (JSON.parse(r.body) as { domain: string }).domain);

async function stored(id: string): Promise<RequestRecord> {
  const store = openSqliteStore(loadConfig(configFile, env).store.location);
  try {
    return (await store.get(id))!;
  } finally {
    await store.close();
  }
}

describe('a process killed mid-batch', () => {
  it('keeps finished items, reports the ones in flight unknown and the rest skipped, and sends nothing twice', async () => {
    const asked = await cli(
      ['exec', '--as', 'alice@corp.com', '--json', '--config', configFile, `unclaim ${DOMAINS.join(' ')}`],
      env,
    );
    expect(asked.code, asked.stderr).toBe(0);
    const id = (JSON.parse(asked.stdout) as { requestId: string }).requestId;

    // The first three unclaims are answered as usual (an identity rewrite uses up the fault);
    // the next two are held open until the test says so; nothing is queued after them.
    fake.fault({ kind: 'rewrite', edit: (reply) => reply }, { path: UNCLAIM_PATH, times: 3 });
    const held = createGate();
    let holding = 0;
    fake.fault(
      {
        kind: 'hold',
        until: () => {
          holding++;
          return held.wait();
        },
      },
      { path: UNCLAIM_PATH, times: 2 },
    );

    const child: ChildProcess = spawn(
      process.execPath,
      [MAIN, 'approve', id, '--as', 'bob@corp.com', '--config', configFile],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env, LOG_FORMAT: 'json' },
      },
    );
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );

    // Three items finished and stored (the process says so), two held at the vendor.
    await until(
      async () => stderr.includes('3/10 done: 3 succeeded, 0 failed') && holding === 2,
      'three done, two held',
    );
    const before = await stored(id);
    expect(before.status).toBe('executing');
    expect(before.lease?.owner).toContain(`:${child.pid}:`);
    const finished = before.items!.filter((i) => i.status === 'succeeded');
    const inFlight = before.items!.filter((i) => i.status === 'running').map((i) => i.subject);
    expect(finished).toHaveLength(3);
    expect(inFlight).toHaveLength(2);
    expect(before.items!.filter((i) => i.status === 'pending')).toHaveLength(5);
    expect(new Set(sentDomains())).toEqual(new Set([...finished.map((i) => i.subject), ...inFlight]));

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // domainops starts again on the same store: recovery settles the batch.
    const { logger, lines } = capturedLogger();
    const runtime = await startRuntime({ config: loadConfig(configFile, env), platforms: [], logger });
    try {
      expect(lines.some((l) => l.includes('request was executing when the process stopped'))).toBe(true);
      const after = await stored(id);
      expect(after.status).toBe('unknown');
      for (const item of finished) {
        expect(after.items!.find((i) => i.subject === item.subject)).toEqual(item);
      }
      for (const item of after.items!) {
        if (finished.some((f) => f.subject === item.subject)) continue;
        if (inFlight.includes(item.subject)) {
          expect(item.status, item.subject).toBe('unknown');
          expect(item.error?.code).toBe('interrupted');
        } else expect(item.status, item.subject).toBe('skipped');
      }
      const rest = after.items!.filter((i) => i.status !== 'succeeded').map((i) => i.subject);
      expect(rest).toHaveLength(7);
      const rerun = `unclaim ${rest.join(' ')} in webex-prod`;
      expect(after.error).toMatchObject({ code: 'interrupted' });
      expect(after.error?.hint).toContain(`to run the rest again: \`${rerun}\``);

      // The card: each item's outcome and the command that runs the rest again, within the limits.
      const card = cardForReply(runtime.app.replyFor(after), {
        present: runtime.app.present,
        now: Date.now(),
      });
      const blocks = renderBlockKit(card).blocks;
      const adaptive = renderAdaptiveCard(card);
      assertBlockKitLimits(blocks);
      assertAdaptiveCard(adaptive);
      const shown = JSON.stringify([blocks, adaptive]);
      expect(card.title).toBe('Outcome unknown for 2 of 10: unclaim 10 domains in webex-prod');
      expect(shown).toContain('Outcome unknown (2)');
      expect(shown).toContain('Skipped (not run) (5)');
      expect(shown).toContain('Succeeded (3)');
      expect(shown).toContain(rerun);

      // Nothing is sent again: not by recovery, not by another approval.
      const again = await cli(['approve', id, '--as', 'bob@corp.com', '--json', '--config', configFile], env);
      expect(again.code).toBe(6);
      const doc = JSON.parse(again.stdout) as {
        status: string;
        result: { items: { subject: string; status: string }[] };
      };
      expect(doc.status).toBe('unknown');
      expect(doc.result.items.map((i) => i.status).sort()).toEqual(
        [...Array(3).fill('succeeded'), ...Array(5).fill('skipped'), ...Array(2).fill('unknown')].sort(),
      );
      held.open();
      expect(sentDomains()).toHaveLength(5);
      expect(new Set(sentDomains()).size).toBe(5);
    } finally {
      held.open();
      await runtime.stop();
    }
  });
});
