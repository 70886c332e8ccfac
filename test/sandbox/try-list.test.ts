/**
 * The "Try" list of README.md (Quick start: the playground), step by step, as a new user types
 * it: the example config against the built-in sandbox, one domain brought in and taken away
 * again. Each command of the list must be in the README's Try list, and do what it says there.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../adapters/http.ts';
import { type App, createApp, type Reply } from '../../src/app.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

const person = (name: string): Actor => ({
  platform: 'local',
  id: `${name}@corp.com`,
  email: `${name}@corp.com`,
});
const alice = person('alice');
const bob = person('bob');
const carol = person('carol');

/** The Try list as the README writes it. */
const TRY = (() => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('**Try:**');
  const end = readme.indexOf('**Rate limits:**', start);
  return readme.slice(start, end);
})();

let sandbox: Sandbox;
let app: App;

beforeAll(async () => {
  const store = join(mkdtempSync(join(tmpdir(), 'domainops-try-')), 'playground.db');
  sandbox = await startSandbox({ env: {}, store });
  // Every wait (retries, operation polls, the lease heartbeat) ends at the next turn of the event
  // loop: no real time passes, and a loop that waits never starves the vendor's answer.
  const sleep = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  app = createApp(sandbox.config, { http: createHttpClient(sandbox.config.http, { sleep }), sleep });
});
afterAll(async () => {
  await app?.close();
  await sandbox?.close();
});

/** Runs a command of the Try list (it must be in the README's list) as `who`. */
async function type(text: string, who: Actor): Promise<Reply> {
  expect(TRY, `README's Try list names \`${text}\``).toContain(`\`${text}\``);
  return app.handle(text, who);
}

/** alice asks; her own Approve is refused; bob approves. The reply to bob's approval. */
async function change(text: string): Promise<Reply> {
  const asked = await type(text, alice);
  expect(asked.status, `${text}: ${asked.text}`).toBe('pending');
  const own = await app.approve(asked.requestId!, alice);
  expect(own.error?.code).toBe('approve_own_request');
  return app.approve(asked.requestId!, bob);
}

describe("README's Try list, in the playground's sandbox", () => {
  it('1. Webex: verify-token shows the TXT record (no approval), then verify and claim', async () => {
    const token = await type('verify-token shop.corp.com', alice);
    expect(token.status).toBe('succeeded');
    expect(token.text).toMatch(/cisco-ci-domain-verification=\S+/);
    const verified = await change('verify shop.corp.com');
    expect(verified.status, verified.text).toBe('succeeded');
    expect(verified.text).toContain('Verified shop.corp.com');
    const claimed = await change('claim shop.corp.com');
    expect(claimed.status, claimed.text).toBe('succeeded');
    expect(claimed.text).toContain('Claimed shop.corp.com');
  });

  it('2. Yandex: add-domain shows the challenge; validate fails until the record is seen, then succeeds', async () => {
    const added = await change('add-domain shop.corp.com');
    expect(added.status, added.text).toBe('succeeded');
    expect(added.text).toContain('_yc-domain-validation.shop.corp.com');
    const early = await type('validate shop.corp.com', carol);
    expect(early.status).toBe('failed');
    expect(early.error?.hint).toContain('_yc-domain-validation.shop.corp.com');
    expect((await type('domain shop.corp.com', carol)).status).toBe('succeeded');
    const valid = await type('validate shop.corp.com', carol);
    expect(valid.status, valid.text).toBe('succeeded');
    const list = await type('list-domains', carol);
    expect(list.status).toBe('succeeded');
    expect(list.text).toMatch(/shop\.corp\.com: valid/);
  });

  it('3. F5 XC: assign-owner warns on the approval card, bob approves', async () => {
    const asked = await type('assign-owner carol@corp.com', alice);
    expect(asked.status).toBe('pending');
    expect(asked.text).toContain('admin roles in the system, shared and all namespaces');
    expect(asked.text).toContain('email to set a password');
    const done = await app.approve(asked.requestId!, bob);
    expect(done.status, done.text).toBe('succeeded');
    expect(done.text).toContain('carol@corp.com is now a domain owner');
  });

  it('4. and back: unassign-owner, unclaim (it stays verified), unverify, delete-domain', async () => {
    expect((await change('unassign-owner carol@corp.com')).status).toBe('succeeded');
    const unclaimed = await change('unclaim shop.corp.com');
    expect(unclaimed.status).toBe('succeeded');
    expect(unclaimed.text).toContain('it stays verified');
    expect((await change('unverify shop.corp.com')).status).toBe('succeeded');
    expect((await change('delete-domain shop.corp.com')).status).toBe('succeeded');
    const gone = await type('list-domains', carol);
    expect(gone.text).not.toContain('shop.corp.com');
  });

  it('also: unverify corp.com is refused while claimed; validate corp.ru fails; the meta commands answer', async () => {
    const refused = await change('unverify corp.com');
    expect(refused.status).toBe('failed');
    expect(refused.error?.hint).toContain('unclaim');
    expect((await type('validate corp.ru', carol)).status).toBe('failed');
    for (const text of ['pending', 'audit 5', 'whoami', 'help', 'help claim']) {
      expect((await type(text, alice)).status, text).toBe('succeeded');
    }
  });
});
