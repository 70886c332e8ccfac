import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type F5Fake, SANDBOX_TOKEN_USER } from '../../adapters/f5xc/sandbox.ts';
import { createHttpClient } from '../../adapters/http.ts';
import { runningSandbox, startFake } from '../../adapters/sandbox-http.ts';
import type { Target } from '../../adapters/types.ts';
import type { WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import type { YandexFake } from '../../adapters/yandex-org/sandbox.ts';
import { type App, createApp } from '../../src/app.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import type { VendorModule } from '../../src/core/ports.ts';
import { compose, modules } from '../../src/modules.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import { acme } from '../contracts/toy/vendor.ts';

const alice: Actor = { platform: 'local', id: 'alice@corp.com', email: 'alice@corp.com' };
const bob: Actor = { platform: 'local', id: 'bob@corp.com', email: 'bob@corp.com' };
const carol: Actor = { platform: 'local', id: 'carol@corp.com', email: 'carol@corp.com' };

let sandbox: Sandbox;
let app: App;
let store: string;

/** The fake of one vendor of the sandbox, as its module started it. */
const fakeOf = <F>(vendor: string): F => sandbox.vendors[vendor]!.fake as F;

/** alice asks, bob approves: the reply to the approval. */
async function approved(command: string) {
  const asked = await app.handle(command, alice);
  expect(asked.status).toBe('pending');
  return app.approve(asked.requestId!, bob);
}

/** Every wait of the app (retries, operation polls): recorded, and returning at once. */
const waits: number[] = [];
const sleep = async (ms: number): Promise<void> => {
  waits.push(ms);
};

beforeAll(async () => {
  store = join(mkdtempSync(join(tmpdir(), 'domainops-sandbox-')), 'playground.db');
  sandbox = await startSandbox({ env: {}, store });
  app = createApp(sandbox.config, { http: createHttpClient(sandbox.config.http, { sleep }), sleep });
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
    expect(sandbox.config.store.location).toBe(store);
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
      expect(other.config.store.location).toBe(join(process.cwd(), 'data', 'playground.db'));
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
    // The sandbox's DNS serves no record for corp.ru: the DNS check refuses, Yandex is not asked.
    const failed = await app.handle('validate corp.ru', carol);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('dns_not_ready');
    expect(failed.text).toMatch(
      /`_yc-domain-validation\.corp\.ru` TXT is not served by every authoritative nameserver/,
    );
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
    const org = [...fakeOf<WebexFake>('webex').state.orgs.values()][0]!;
    expect([...org.claimed]).not.toContain('corp.com');
    expect([...org.verified]).toContain('corp.com');
    expect((await approved('unverify corp.com')).status).toBe('succeeded');
    expect([...org.verified]).not.toContain('corp.com');
  });

  it('F5 XC: the token user is a domain owner and can unassign another owner once', async () => {
    const f5 = fakeOf<F5Fake>('f5xc');
    expect(f5.state.owners.has(SANDBOX_TOKEN_USER)).toBe(true);
    expect((await approved('unassign-owner hello@example.com')).status).toBe('succeeded');
    expect(f5.state.owners.has('hello@example.com')).toBe(false);
    const again = await approved('unassign-owner hello@example.com');
    expect(again.status).toBe('failed');
    expect(again.text).toMatch(/not a domain owner/);
  });

  it('ratelimit(true): vendors answer 429 with Retry-After 1, and the retry succeeds', async () => {
    const yandex = fakeOf<YandexFake>('yandex');
    sandbox.ratelimit(true);
    try {
      const before = yandex.requests.length;
      waits.length = 0;
      const reply = await app.handle('domain abc.com', carol);
      expect(reply.status).toBe('succeeded');
      expect(yandex.requests.length - before).toBe(2);
      // The lease heartbeat of a run waits on the same clock (a third of the lease); the retry waits 1 s.
      expect(waits.filter((ms) => ms !== 20_000)).toEqual([1000]);
    } finally {
      sandbox.ratelimit(false);
    }
    const before = yandex.requests.length;
    expect((await app.handle('domain abc.com', carol)).status).toBe('succeeded');
    expect(yandex.requests.length - before).toBe(1);
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

/** A store path in a fresh temporary folder. */
const tempStore = (): string => join(mkdtempSync(join(tmpdir(), 'domainops-sandbox-')), 'playground.db');

/** A config file with one target of the toy vendor, and a policy that lets alice park. */
function toyConfig(extraTargets = ''): string {
  const file = join(mkdtempSync(join(tmpdir(), 'domainops-sandbox-toy-')), 'domainops.yaml');
  writeFileSync(
    file,
    [
      'targets:',
      '  acme-1: { vendor: acme, url: https://directory.acme.example, auth: { token: env:ACME_TOKEN } }',
      extraTargets,
      'policy:',
      '  groups: { admins: [alice@corp.com] }',
      '  rules: [{ actions: [park], requesters: [admins], approval: none }]',
    ].join('\n'),
  );
  return file;
}

/** The toy vendor with a sandbox: a fake that parks every domain, and a token it issues. */
function toyWithSandbox(events: string[] = []): VendorModule {
  return {
    ...acme,
    sandbox: {
      async start(targets) {
        events.push(`start ${Object.keys(targets).join(',')}`);
        const fake = await startFake({
          route: (request) => ({
            status: 200,
            json: {
              domain: /\/domains\/([^:]+):park/.exec(request.path)?.[1],
              parkedAt: '2026-11-30T10:00:00Z',
            },
          }),
          errorBody: (_s, message) => ({
            contentType: 'application/json',
            body: JSON.stringify({ message }),
          }),
        });
        const running = runningSandbox(fake, {
          targets: Object.fromEntries(
            Object.keys(targets).map((name) => [
              name,
              { url: fake.url, auth: { token: 'env:DOMAINOPS_SANDBOX_ACME_TOKEN' } },
            ]),
          ),
          env: { DOMAINOPS_SANDBOX_ACME_TOKEN: 'acme-sandbox-token' },
        });
        return {
          ...running,
          close: async () => {
            events.push('close');
            await running.close();
          },
        };
      },
    },
  };
}

describe('the sandbox is made of the vendor modules', () => {
  it('src/sandbox names no vendor module', () => {
    const names = modules.vendors.flatMap((m) => [m.vendor, m.title, m.vendor.replace(/-.*/, '')]);
    const pattern = new RegExp(`\\b(${names.map((n) => n.replace(/[^a-z0-9]/gi, '.?')).join('|')})\\b`, 'i');
    const dir = join(import.meta.dirname, '../../src/sandbox');
    for (const file of readdirSync(dir)) {
      expect(pattern.exec(readFileSync(join(dir, file), 'utf8'))?.[0], file).toBeUndefined();
    }
  });

  it('starts the fake of every vendor the config has targets of, from the composition given', async () => {
    const events: string[] = [];
    const composition = compose({ ...modules, vendors: [...modules.vendors, toyWithSandbox(events)] });
    const toy = await startSandbox({
      env: {},
      store: tempStore(),
      configFile: toyConfig(),
      modules: composition,
    });
    try {
      // Only the toy vendor has targets: no other fake is started.
      expect(Object.keys(toy.vendors)).toEqual(['acme']);
      expect(events).toEqual(['start acme-1']);
      const target = toy.config.targets['acme-1'] as unknown as { url: string; token: { reveal(): string } };
      expect(target.url).toBe(toy.vendors.acme!.url);
      expect(target.token.reveal()).toBe('acme-sandbox-token');
      expect(process.env.DOMAINOPS_SANDBOX_ACME_TOKEN).toBeUndefined();
      const toyApp = createApp(toy.config, { modules: composition, sleep });
      try {
        const reply = await toyApp.handle('park abc.com', alice);
        expect(reply).toMatchObject({ status: 'succeeded', result: { action: 'park', domain: 'abc.com' } });
      } finally {
        await toyApp.close();
      }
    } finally {
      await toy.close();
    }
    expect(events).toEqual(['start acme-1', 'close']);
  });

  it('a target whose vendor module has no sandbox is a config error naming it, and no fake stays up', async () => {
    const events: string[] = [];
    const { sandbox: _none, ...withoutSandbox } = modules.vendors.find((m) => m.vendor === 'f5xc')!;
    const composition = compose({
      ...modules,
      vendors: [
        ...modules.vendors.filter((m) => m.vendor !== 'f5xc'),
        toyWithSandbox(events),
        withoutSandbox,
      ],
    });
    const file = toyConfig(
      '  f5-1: { vendor: f5xc, tenantUrl: https://acme.console.ves.volterra.io, auth: { apiToken: env:F5 } }',
    );
    const error = await startSandbox({
      env: {},
      store: tempStore(),
      configFile: file,
      modules: composition,
    }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string; hint?: string },
    );
    expect(error).toMatchObject({ name: 'ConfigError', code: 'config_invalid' });
    expect(error!.message).toContain('targets.f5-1.vendor: vendor f5xc has no built-in sandbox');
    expect(error!.hint).toContain(file);
    expect(events).toEqual(['start acme-1', 'close']);
  });

  it('DOMAINOPS_SANDBOX_RATELIMIT=on starts with every fake throttled', async () => {
    const throttled = await startSandbox({ env: { DOMAINOPS_SANDBOX_RATELIMIT: 'on' }, store: tempStore() });
    try {
      for (const running of Object.values(throttled.vendors)) {
        const res = await fetch(running.url);
        expect(res.status, running.url).toBe(429);
        expect(res.headers.get('retry-after')).toBe('1');
        await res.arrayBuffer();
      }
    } finally {
      await throttled.close();
    }
  });
});
