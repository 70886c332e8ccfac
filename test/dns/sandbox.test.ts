/**
 * The built-in sandbox's DNS: what each vendor fake counts as published is served by the
 * sandbox's nameserver, so dns-check and the precheck of validate/verify agree with the fakes, in
 * a mix: sso.corp.ru and abc.com served, corp.ru not; Webex records of corp.com and below served
 * once their token is issued, partner.org's only once it is published.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../adapters/http.ts';
import type { WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { type App, createApp, replyDocument } from '../../src/app.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

const carol: Actor = { platform: 'local', id: 'carol@corp.com', email: 'carol@corp.com' };
const alice: Actor = { platform: 'local', id: 'alice@corp.com', email: 'alice@corp.com' };
const bob: Actor = { platform: 'local', id: 'bob@corp.com', email: 'bob@corp.com' };

let sandbox: Sandbox;
let app: App;

beforeAll(async () => {
  const store = join(mkdtempSync(join(tmpdir(), 'domainops-dns-sandbox-')), 'playground.db');
  sandbox = await startSandbox({ env: {}, store });
  const sleep = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  app = createApp(sandbox.config, { http: createHttpClient(sandbox.config.http, { sleep }), sleep });
});
afterAll(async () => {
  await app?.close();
  await sandbox?.close();
});

type Check = { ready: boolean; servers: { nameserver: string; status: string }[] };
const checkOf = (reply: Awaited<ReturnType<App['handle']>>): Check => replyDocument(reply).result as Check;

describe('the sandbox’s DNS', () => {
  it('aims dns: at the sandbox’s own server', () => {
    expect(sandbox.config.dns.resolvers).toEqual([{ host: '127.0.0.1', port: sandbox.dns.fake.port }]);
    expect(sandbox.config.dns.port).toBe(sandbox.dns.fake.port);
    expect(sandbox.config.dns.precheck).toBe(true);
  });

  it('Yandex: sso.corp.ru and abc.com are served, corp.ru is not', async () => {
    for (const domain of ['sso.corp.ru', 'abc.com']) {
      const reply = await app.handle(`dns-check ${domain} in yc-sso`, carol);
      expect(reply.status, reply.text).toBe('succeeded');
      expect(checkOf(reply).servers[0]).toMatchObject({
        nameserver: 'ns1.sandbox.invalid',
        status: 'served',
      });
    }
    const missing = await app.handle('dns-check corp.ru in yc-sso', carol);
    expect(missing.status).toBe('failed');
    expect(missing.exitCode).toBe(4);
    expect(missing.error?.code).toBe('dns_not_ready');
    expect(checkOf(missing).servers.every((s) => s.status === 'missing')).toBe(true);
  });

  it('Webex: a token issued for a name under corp.com is served at once; partner.org only once published', async () => {
    expect((await app.handle('verify-token shop.corp.com', alice)).status).toBe('succeeded');
    const served = await app.handle('dns-check shop.corp.com in webex-prod', carol);
    expect(served.status, served.text).toBe('succeeded');

    const asked = await app.handle('verify partner.org', alice);
    const refused = await app.approve(asked.requestId!, bob);
    expect(refused.error?.code).toBe('dns_not_ready');
    (sandbox.vendors.webex!.fake as WebexFake).publish('partner.org');
    const again = await app.handle('verify partner.org', alice);
    const verified = await app.approve(again.requestId!, bob);
    expect(verified.status, verified.text).toBe('succeeded');
  });
});
