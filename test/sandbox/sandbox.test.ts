import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFake } from '../../adapters/sandbox-http.ts';
import type { Target } from '../../adapters/types.ts';
import { type App, createApp } from '../../src/app.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { F5_TOKEN_USER, type Sandbox, startSandbox } from '../../src/sandbox/index.ts';

const alice: Actor = { platform: 'local', id: 'alice@corp.com', email: 'alice@corp.com' };
const bob: Actor = { platform: 'local', id: 'bob@corp.com', email: 'bob@corp.com' };
const carol: Actor = { platform: 'local', id: 'carol@corp.com', email: 'carol@corp.com' };

let sandbox: Sandbox;
let app: App;
let store: string;

/** alice asks, bob approves: the reply to the approval. */
async function approved(command: string) {
  const asked = await app.handle(command, alice);
  expect(asked.status).toBe('pending');
  return app.approve(asked.requestId!, bob);
}

beforeAll(async () => {
  store = join(mkdtempSync(join(tmpdir(), 'domainops-sandbox-')), 'playground.db');
  sandbox = await startSandbox({ env: {}, store });
  app = createApp(sandbox.config);
});

afterAll(async () => {
  await app?.close();
  await sandbox?.close();
});

describe('the sandbox config', () => {
  it('is the example config with every target aimed at the local fakes', () => {
    const { targets, server, chat } = sandbox.config;
    expect(Object.keys(targets).sort()).toEqual(['f5-acme', 'webex-prod', 'yc-sso']);
    for (const t of Object.values(targets) as Target[]) {
      const url = t.vendor === 'f5xc' ? t.tenantUrl : t.apiUrl;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    }
    expect(sandbox.config.store).toBe(store);
    expect(server.host).toBe('127.0.0.1');
    expect(chat).toEqual({});
    expect(sandbox.config.policy.groups['identity-admins']).toContain('alice@corp.com');
  });

  it('issues its own tokens without touching process.env', () => {
    for (const secret of sandbox.config.secrets) expect(secret.reveal()).toMatch(/\S{16,}/);
    expect(Object.keys(process.env).filter((k) => k.startsWith('DOMAINOPS_SANDBOX_'))).toEqual([]);
  });

  it('defaults the store to ./data/playground.db and takes a host', async () => {
    const other = await startSandbox({ env: { PORT: '4567' }, host: '::1' });
    try {
      expect(other.config.store).toBe(join(process.cwd(), 'data', 'playground.db'));
      expect(other.config.server).toEqual({ host: '::1', port: 4567 });
    } finally {
      await other.close();
    }
  });
});

describe('the sandbox behaves as the vendor documents say', () => {
  it('Yandex: corp.ru waits for its DNS TXT challenge', async () => {
    const reply = await app.handle('domain corp.ru', carol);
    expect(reply.status).toBe('succeeded');
    const { domain } = reply.result as { domain: { status: string; challenges: unknown[] } };
    expect(domain.status).toBe('NEED_TO_VALIDATE');
    expect(domain.challenges[0]).toMatchObject({
      type: 'DNS_TXT',
      dnsChallenge: { name: '_yc-domain-validation.corp.ru', type: 'TXT', value: expect.any(String) },
    });
  });

  it('Yandex: validate fails until the record is published, and succeeds once it is', async () => {
    const failed = await app.handle('validate corp.ru', carol);
    expect(failed.status).toBe('failed');
    expect(failed.text).toMatch(/DNS TXT record/);
    const valid = await app.handle('validate sso.corp.ru', carol);
    expect(valid.status).toBe('succeeded');
    expect(valid.result).toMatchObject({ domain: { domain: 'sso.corp.ru', status: 'VALID' } });
    expect((await app.handle('domain abc.com', carol)).result).toMatchObject({ domain: { status: 'VALID' } });
  });

  it('Webex: unverify is refused while the domain is claimed, and works after unclaim', async () => {
    const refused = await approved('unverify corp.com');
    expect(refused.status).toBe('failed');
    expect(refused.text).toMatch(/claimed/);
    expect((await approved('unclaim corp.com')).status).toBe('succeeded');
    const org = [...sandbox.webex.state.orgs.values()][0]!;
    expect([...org.claimed]).not.toContain('corp.com');
    expect([...org.verified]).toContain('corp.com');
    expect((await approved('unverify corp.com')).status).toBe('succeeded');
    expect([...org.verified]).not.toContain('corp.com');
  });

  it('F5 XC: the token user is a domain owner and can unassign another owner once', async () => {
    expect(sandbox.f5.state.owners.has(F5_TOKEN_USER)).toBe(true);
    expect((await approved('unassign-owner hello@example.com')).status).toBe('succeeded');
    expect(sandbox.f5.state.owners.has('hello@example.com')).toBe(false);
    const again = await approved('unassign-owner hello@example.com');
    expect(again.status).toBe('failed');
    expect(again.text).toMatch(/not a domain owner/);
  });

  it('ratelimit(true): vendors answer 429 with Retry-After 1, and the retry succeeds', async () => {
    sandbox.ratelimit(true);
    try {
      const before = sandbox.yandex.requests.length;
      const started = Date.now();
      const reply = await app.handle('domain abc.com', carol);
      expect(reply.status).toBe('succeeded');
      expect(sandbox.yandex.requests.length - before).toBe(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      sandbox.ratelimit(false);
    }
    const before = sandbox.yandex.requests.length;
    expect((await app.handle('domain abc.com', carol)).status).toBe('succeeded');
    expect(sandbox.yandex.requests.length - before).toBe(1);
  });
});

describe('fake rate limiting', () => {
  it('throttles an even, deterministic share and never two in a row at 1/3', async () => {
    const fake = await startFake({
      route: () => ({ status: 200, json: {} }),
      errorBody: (_s, message) => ({ contentType: 'application/json', body: JSON.stringify({ message }) }),
    });
    try {
      fake.rateLimit({ share: 1 / 3 });
      const statuses: number[] = [];
      const retryAfter: (string | null)[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(fake.url);
        statuses.push(res.status);
        retryAfter.push(res.headers.get('retry-after'));
        await res.arrayBuffer();
      }
      expect(statuses).toEqual([429, 200, 200, 429, 200, 200]);
      expect(retryAfter[0]).toBe('1');
      fake.rateLimit(undefined);
      expect((await fetch(fake.url)).status).toBe(200);
      expect(() => fake.rateLimit({ share: 0 })).toThrow(RangeError);
    } finally {
      await fake.close();
    }
  });
});
