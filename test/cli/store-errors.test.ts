/**
 * What the CLI says when the store is in the way: a lock held too long (`store_busy`, exit 1,
 * nothing done), a result the vendor produced but the store refused (outcome unknown, exit 5),
 * a request another process is running (`executing`, exit 6), and a store `start` cannot open
 * (the code and the way out, no stack trace).
 */
import { writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { createApp } from '../../src/app.ts';
import type { RequestRecord } from '../../src/core/requests/model.ts';
import { fileStore } from '../stores/sqlite/store-helpers.ts';
import { cli, writeConfig } from './helpers.ts';

const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const TOKEN = 'wx-token-for-store-errors';
const env = { WEBEX_IDENTITY_TOKEN: TOKEN };

let webex: WebexFake;
beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['abc.com', 'def.com'] } } });
  webex.state.accessTokens.add(TOKEN);
});
afterAll(() => webex?.close());

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

/** alice may unclaim without approval; bob needs alice's. */
function configText(store = './data/domainops.db'): string {
  return `
store: ${store}
http: { retries: 0 }
targets:
  webex-prod: { vendor: webex, orgId: ${ORG}, apiUrl: ${webex.apiUrl}, auth: { accessToken: env:WEBEX_IDENTITY_TOKEN } }
policy:
  rules:
    - { actions: [unclaim], requesters: [alice@corp.com], approval: none }
    - { actions: [unclaim], requesters: [bob@corp.com], approval: { approvers: [alice@corp.com] } }
`;
}

/** Runs the CLI with `exec`-style arguments against a test store (fake time, a handle on its connection). */
async function withStore(argv: string[]) {
  const s = fileStore();
  cleanups.push(s.remove, () => void s.store.close());
  const file = writeConfig(configText());
  const run = (args: string[]) =>
    cli([...args, '--config', file, '--json'], env, {
      createApp: (config) => createApp(config, { store: s.store }),
    });
  return { s, run, first: argv.length ? await run(argv) : undefined };
}

describe('the CLI and a store in the way', () => {
  it('store_busy (exit 1) when another process keeps the store locked; nothing was sent', async () => {
    const { s, run } = await withStore([]);
    await s.store.listByStatus(['pending']);
    const blocker = new DatabaseSync(s.file);
    cleanups.push(() => blocker.close());
    blocker.exec('BEGIN IMMEDIATE');
    const before = webex.requests.length;
    const busy = await run(['exec', '--as', 'alice@corp.com', 'unclaim abc.com']);
    blocker.exec('ROLLBACK');
    expect(busy.code).toBe(1);
    expect(JSON.parse(busy.stdout)).toMatchObject({
      status: 'failed',
      error: {
        code: 'store_busy',
        message: 'the store is busy (another process holds a write lock); try again',
      },
    });
    expect(webex.requests.length).toBe(before);
  });

  it('outcome unknown (exit 5), not an internal error, when the store refuses the result', async () => {
    const { s, run } = await withStore([]);
    // The vendor acts; meanwhile the store stops taking writes.
    webex.fault(
      {
        kind: 'rewrite',
        edit: (reply) => {
          s.db.exec('PRAGMA query_only = 1');
          return reply;
        },
      },
      { path: /unclaimDomain$/ },
    );
    const result = await run(['exec', '--as', 'alice@corp.com', 'unclaim def.com']);
    expect(result.code).toBe(5);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({
      status: 'unknown',
      action: 'unclaim',
      target: 'webex-prod',
      error: {
        code: 'result_not_stored',
        store: 'store_read_only',
        message: expect.stringMatching(/its result could not be stored .*: the outcome is unknown/),
      },
    });
    expect(webex.state.orgs.get(ORG)!.claimed.has('def.com')).toBe(false);
    // Still executing in the store (the CLI closed it): recovery at the next start settles it.
    const raw = new DatabaseSync(s.file);
    expect(raw.prepare('SELECT status FROM requests WHERE id = ?').get(doc.requestId)).toEqual({
      status: 'executing',
    });
    raw.close();
  });

  it('executing (exit 6) for approving a request another process is running', async () => {
    const { s, run } = await withStore([]);
    const running: RequestRecord = {
      id: 'r-runn1ng0',
      action: 'unclaim',
      target: 'webex-prod',
      call: { action: 'unclaim', domain: 'abc.com' },
      subject: 'abc.com',
      requester: { platform: 'cli', id: 'bob@corp.com', email: 'bob@corp.com' },
      status: 'executing',
      approval: { approvers: ['alice@corp.com'], count: 1, expiresAt: Date.now() + 60_000 },
      approvals: [{ actor: { platform: 'cli', id: 'alice@corp.com' }, at: Date.now() }],
      createdAt: Date.now(),
      updatedAt: Date.now(),
      version: 0,
    };
    await s.store.insert(running, []);
    const again = await run(['approve', running.id, '--as', 'alice@corp.com']);
    expect(again.code).toBe(6);
    expect(JSON.parse(again.stdout)).toMatchObject({
      status: 'executing',
      requestId: running.id,
      error: { code: 'request_not_open', message: expect.stringMatching(/approved and running/) },
    });
  });

  it('start names a corrupt store and the way out, without a stack trace', async () => {
    const s = fileStore();
    await s.store.close();
    cleanups.push(s.remove);
    writeFileSync(s.file, 'garbage '.repeat(1000));
    const file = writeConfig(configText(JSON.stringify(s.file)));
    const run = await cli(['start', '--config', file], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^domainops could not start: store_corrupt: store: cannot open .*domainops\.db \(file is not a database\)/,
    );
    expect(run.stderr).toMatch(/restore the store from a backup/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
