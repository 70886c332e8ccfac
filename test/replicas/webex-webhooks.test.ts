/**
 * Webex webhook mode with several replicas: the real webex-node-bot-framework and Webex SDK aimed
 * at the local fake Webex API, two platform instances (two replicas of one config) sharing the
 * bot's webhooks. Registration is idempotent (found by name and target URL, updated or created,
 * duplicates removed), and a replica that stops leaves the webhooks to the others unless
 * `deleteWebhooksOnStop` says otherwise. One file: the SDK reads its service URLs when loaded.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import { createChatService } from '../../src/core/chat.ts';
import { createWebexPlatform, type WebexPlatform } from '../../src/platforms/webex/index.ts';
import { createLogger } from '../../src/server/logger.ts';
import { startWebexApiFake, type WebexApiFake } from '../fakes/webex-api.ts';

const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const BOT_TOKEN = `MzFmYWtlYm90dG9rZW4_PF84_${ORG}`;
const SECRET = 'whsec-5b2e9c1d7f3a4e60b8c2d4f6';
const TARGET = 'https://bot.example.com/webex/events';

let api: WebexApiFake;
const running: WebexPlatform[] = [];

beforeAll(async () => {
  api = await startWebexApiFake();
  // The SDK reads these when it is loaded, which createWebexPlatform does.
  process.env.HYDRA_SERVICE_URL = api.apiUrl;
  process.env.U2C_SERVICE_URL = api.u2cUrl;
  process.env.WEBEX_LOG_LEVEL = 'error';
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  await api?.close();
});

beforeEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
  api.webhooks.length = 0;
});

function config(extra = '', secret = SECRET): Config {
  const dir = mkdtempSync(join(tmpdir(), 'domainops-webex-hooks-'));
  return parseConfig(
    `
store: ":memory:"
server: { host: 127.0.0.1, port: 0 }
targets: {}
policy: { rules: [] }
chat:
  webex:
    botToken: env:WEBEX_BOT_TOKEN
    webhookUrl: ${TARGET}
    webhookSecret: env:WEBEX_WEBHOOK_SECRET
    apiUrl: ${api.apiUrl}${extra}
`,
    join(dir, 'domainops.yaml'),
    { WEBEX_BOT_TOKEN: BOT_TOKEN, WEBEX_WEBHOOK_SECRET: secret },
  );
}

/** One replica's Webex platform, started. */
async function replica(c: Config = config()): Promise<WebexPlatform> {
  const logger = createLogger({ level: 'silent' });
  const chat = createChatService(createApp(c), { logger });
  const platform = await createWebexPlatform({ config: c, chat, logger, sandbox: false });
  await platform.start();
  running.push(platform);
  return platform;
}

const stop = async (p: WebexPlatform): Promise<void> => {
  running.splice(running.indexOf(p), 1);
  await p.stop();
};

/** The bot's webhooks as Webex has them: resource, target, secret, status. */
const hooks = () =>
  api.webhooks
    .map((w) => ({ resource: w.resource, targetUrl: w.targetUrl, secret: w.secret, status: w.status }))
    .sort((a, b) => a.resource.localeCompare(b.resource));
const calls = (method: string) =>
  api.requests.filter((r) => r.method === method && r.path.startsWith('/v1/webhooks')).length;

const BOTH = [
  { resource: 'all', targetUrl: TARGET, secret: SECRET, status: 'active' },
  { resource: 'attachmentActions', targetUrl: TARGET, secret: SECRET, status: 'active' },
];

describe('Webex webhooks shared by replicas', () => {
  it('two replicas of one config share one pair of webhooks; a replica that stops leaves them', async () => {
    const a = await replica();
    expect(hooks()).toEqual(BOTH);
    const ids = api.webhooks.map((w) => w.id).sort();
    const deletes = calls('DELETE');
    const b = await replica();
    // Found by name and target URL: nothing removed, nothing created again.
    expect(hooks()).toEqual(BOTH);
    expect(api.webhooks.map((w) => w.id).sort()).toEqual(ids);
    await stop(a);
    expect(calls('DELETE')).toBe(deletes);
    expect(hooks()).toEqual(BOTH);
    expect(b.ready()).toBe(true);
    await stop(b);
    expect(hooks()).toEqual(BOTH);
  }, 30_000);

  it('updates a webhook whose secret changed or that Webex disabled, instead of adding one', async () => {
    await stop(await replica(config('', 'whsec-an-old-secret-0000000000')));
    api.webhooks.find((w) => w.resource === 'all')!.status = 'inactive';
    const ids = api.webhooks.map((w) => w.id).sort();
    const puts = calls('PUT');
    await replica();
    expect(hooks()).toEqual(BOTH);
    expect(api.webhooks.map((w) => w.id).sort()).toEqual(ids);
    expect(calls('PUT') - puts).toBe(2);
  }, 30_000);

  it('keeps the oldest of duplicate webhooks (two replicas created one at the same moment)', async () => {
    await stop(await replica());
    const [all] = api.webhooks.filter((w) => w.resource === 'all');
    api.webhooks.push({
      ...all!,
      id: 'Y2lzY29zcGFyazovL3VzL1dFQkhPT0svZHVwbGljYXRl',
      created: '2999-01-01T00:00:00.000Z',
    });
    const p = await replica();
    expect(hooks()).toEqual(BOTH);
    expect(api.webhooks.map((w) => w.id)).toContain(all!.id);
    await stop(p);
  }, 30_000);

  it('leaves webhooks of this bot for another target URL alone', async () => {
    api.webhooks.push({
      id: 'Y2lzY29zcGFyazovL3VzL1dFQkhPT0svb3RoZXI',
      name: Buffer.from(`bot.example.com ${api.bot.emails[0]}`).toString('base64'),
      targetUrl: 'https://bot.example.com/staging/webex/events',
      resource: 'all',
      event: 'all',
      secret: 'whsec-staging',
      status: 'active',
      created: new Date().toISOString(),
    });
    await replica();
    expect(api.webhooks.filter((w) => w.targetUrl !== TARGET)).toHaveLength(1);
    expect(hooks().filter((h) => h.targetUrl === TARGET)).toEqual(BOTH);
  }, 30_000);

  it('removes them when it stops with deleteWebhooksOnStop: true', async () => {
    const p = await replica(config('\n    deleteWebhooksOnStop: true'));
    expect(hooks()).toEqual(BOTH);
    await stop(p);
    expect(hooks()).toEqual([]);
  }, 30_000);
});
