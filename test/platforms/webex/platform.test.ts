/**
 * The Webex platform with the real webex-node-bot-framework and Webex SDK aimed at a local fake
 * Webex messaging API (HYDRA_SERVICE_URL, U2C_SERVICE_URL). Webhook mode runs through the real
 * runtime and its one HTTP server (signed deliveries to `POST /webex/events`), with the Webex
 * Identity vendor fake for the vendor call; websocket mode and start failures run alone. One file,
 * because the SDK reads its service URLs once, when it is loaded.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startWebexFake, type WebexFake } from '../../../adapters/webex-identity/sandbox.ts';
import { parseConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/types.ts';
import { DomainopsError } from '../../../src/core/errors.ts';
import { createWebexPlatform, type WebexPlatform } from '../../../src/platforms/webex/index.ts';
import type { WebexConversation } from '../../../src/platforms/webex/translate.ts';
import { type Runtime, startRuntime } from '../../../src/runtime.ts';
import { createLogger } from '../../../src/server/logger.ts';
import {
  type FakeMessage,
  type FakePerson,
  type FakeRoom,
  sparkSignature,
  startWebexApiFake,
  type WebexApiFake,
} from '../../fakes/webex-api.ts';
import { createTestClock } from '../../helpers/clock.ts';

const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const BOT_TOKEN = `MzFmYWtlYm90dG9rZW4_PF84_${ORG}`;
const SECRET = 'whsec-3a7c0f0e9b5d4e2f8a1c6b0d';
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';

let api: WebexApiFake;
let identity: WebexFake;
let runtime: Runtime;
let webex: WebexPlatform;
let logs = '';
const env: NodeJS.ProcessEnv = { WEBEX_BOT_TOKEN: BOT_TOKEN, WEBEX_WEBHOOK_SECRET: SECRET };
let alice: FakePerson;
let bob: FakePerson;
let admins: FakeRoom;
/** The runtime's clock: requests expire, and the expiry sweep runs, only when a test moves it. */
const clock = createTestClock();

beforeAll(async () => {
  api = await startWebexApiFake();
  identity = await startWebexFake({
    orgs: {
      [ORG]: {
        verified: ['corp.com', 'late.com'],
        claimed: ['abc.com', 'corp.com', 'typed.com', 'elsewhere.com', 'button.com'],
      },
    },
  });
  // The SDK reads these when it is loaded, which createWebexPlatform does.
  process.env.HYDRA_SERVICE_URL = api.apiUrl;
  process.env.U2C_SERVICE_URL = api.u2cUrl;
  // The SDK logs at trace level to the console when NODE_ENV is test (vitest sets it).
  process.env.WEBEX_LOG_LEVEL = 'error';
  env.WEBEX_IDENTITY_TOKEN = identity.issueAccessToken();
  const config = configWith(
    `
  webex:
    botToken: env:WEBEX_BOT_TOKEN
    webhookUrl: https://bot.example.com/webex/events
    webhookSecret: env:WEBEX_WEBHOOK_SECRET
    apiUrl: ${api.apiUrl}
`,
  );
  const stream = new Writable({
    write(chunk, _enc, done) {
      logs += String(chunk);
      done();
    },
  });
  runtime = await startRuntime({
    config,
    logger: createLogger({ level: 'debug', stream }),
    platforms: [createWebexPlatform],
    sweepInterval: 100,
    clock,
  });
  webex = runtime.platforms[0] as WebexPlatform;
  alice = api.addPerson('alice@corp.com', 'Alice Admin');
  bob = api.addPerson('bob@corp.com', 'Bob Admin');
  admins = api.addRoom('group', [alice, bob]);
}, 30_000);

afterAll(async () => {
  await runtime?.stop();
  await Promise.all([api?.close(), identity?.close()]);
});

/** A config with the identity fake as target `webex-prod`, two admins, and this `chat:` section. */
function configWith(chat: string): Config {
  const dir = mkdtempSync(join(tmpdir(), 'domainops-webex-'));
  const text = `
store: ${join(dir, 'domainops.db')}
server: { host: 127.0.0.1, port: 0 }
http: { connectTimeout: 1s, timeout: 3s, retries: 0, maxRetryAfter: 1s }
targets:
  webex-prod:
    vendor: webex
    orgId: ${ORG}
    apiUrl: ${identity.apiUrl}
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com]
  rules:
    - actions: [help, whoami, pending]
      requesters: [admins]
      approval: none
    - actions: [unverify]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 2s }
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
chat:${chat}`;
  return parseConfig(text, join(dir, 'domainops.yaml'), env);
}

/** Posts a delivery to the shared server, signed with `secret` unless a signature is given. */
async function deliver(
  body: unknown,
  signature: string | null = sparkSignature(JSON.stringify(body), SECRET),
) {
  const raw = JSON.stringify(body);
  const response = await fetch(`${runtime.url}/webex/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { 'x-spark-signature': signature }),
    },
    body: raw,
  });
  await webex.settled();
  return response.status;
}

type Card = { actions?: { type: string; data?: { domainops?: string; requestId?: string } }[] };
const cardOf = (m: FakeMessage): Card | undefined =>
  m.attachments?.find((a) => a.contentType === ADAPTIVE)?.content as Card | undefined;
const vendorCalls = () => identity.requests.filter((r) => r.path.includes('/actions/'));
const lastBotMessage = () => api.botMessages().at(-1)!;

describe('Webex webhook mode', () => {
  it('registers its webhooks with the secret on start, and is ready', async () => {
    expect(api.requests[0]).toMatchObject({ method: 'GET', path: '/v1/people/me' });
    expect(api.webhooks.map((w) => w.resource).sort()).toEqual(['all', 'attachmentActions']);
    for (const hook of api.webhooks) {
      expect(hook).toMatchObject({ targetUrl: 'https://bot.example.com/webex/events', secret: SECRET });
    }
    expect(webex.mode).toBe('webhook');
    const ready = (await (await fetch(`${runtime.url}/readyz`)).json()) as {
      checks: Record<string, boolean>;
    };
    expect(ready.checks.webex).toBe(true);
  });

  it('rejects a wrong or missing signature with 401 and fetches nothing', async () => {
    const message = api.say(admins, alice, 'unclaim abc.com');
    const body = api.delivery(message);
    const before = api.requests.length;
    expect(await deliver(body, sparkSignature(JSON.stringify(body), 'not-the-secret'))).toBe(401);
    expect(await deliver(body, null)).toBe(401);
    expect(await deliver(body, 'zz')).toBe(401);
    // Signed over different bytes than were sent (the framework's re-serialised JSON is not enough).
    expect(await deliver(body, sparkSignature(JSON.stringify(body, null, 1), SECRET))).toBe(401);
    expect(api.since(before)).toEqual([]);
    expect(await runtime.app.workflow().pending()).toEqual([]);
  });

  let command: FakeMessage;
  let card: FakeMessage;
  let requestId: string;

  it('turns a signed mention into a request and an approval card with Action.Submit buttons', async () => {
    command = api.say(admins, alice, 'unclaim abc.com');
    expect(await deliver(api.delivery(command))).toBe(200);
    expect(api.since(0).some((r) => r.path === `/v1/messages/${command.id}`)).toBe(true);
    card = lastBotMessage();
    expect(card.roomId).toBe(admins.id);
    expect(card.parentId).toBeUndefined();
    expect(card.markdown).toContain('abc.com');
    const buttons = cardOf(card)?.actions?.filter((a) => a.type === 'Action.Submit') ?? [];
    expect(buttons.map((b) => b.data?.domainops)).toEqual(['approve', 'deny']);
    requestId = buttons[0]!.data!.requestId!;
    const request = await runtime.app.workflow().get(requestId);
    expect(request).toMatchObject({ status: 'pending', action: 'unclaim', subject: 'abc.com' });
    expect(request?.requester).toMatchObject({ platform: 'webex', id: alice.id, email: 'alice@corp.com' });
    expect(request?.conversation).toEqual({
      platform: 'webex',
      roomId: admins.id,
      messageId: card.id,
    } satisfies WebexConversation);
    expect(vendorCalls()).toEqual([]);
  });

  it('ignores a duplicate delivery of the same message', async () => {
    const before = api.botMessages().length;
    expect(await deliver(api.delivery(command))).toBe(200);
    expect(api.botMessages().length).toBe(before);
    expect((await runtime.app.workflow().pending()).map((r) => r.id)).toEqual([requestId]);
  });

  it("refuses the requester's own Approve with an explanation in the card's thread", async () => {
    const action = api.submit(alice, card, { domainops: 'approve', requestId });
    expect(await deliver(api.delivery(action))).toBe(200);
    const reply = lastBotMessage();
    expect(reply.parentId).toBe(card.id);
    expect(reply.markdown).toMatch(/cannot approve your own request/);
    expect(vendorCalls()).toEqual([]);
    expect((await runtime.app.workflow().get(requestId))?.status).toBe('pending');
  });

  it("approves on a second admin's button: one vendor call, the decision in the card's thread", async () => {
    const action = api.submit(bob, card, { domainops: 'approve', requestId });
    const body = api.delivery(action);
    expect(await deliver(body)).toBe(200);
    const reply = lastBotMessage();
    expect(reply.parentId).toBe(card.id);
    expect(reply.markdown).toContain('Unclaimed abc.com');
    expect(vendorCalls().map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /v1/identity/organizations/${ORG}/actions/unclaimDomain`,
    ]);
    const request = await runtime.app.workflow().get(requestId);
    expect(request?.status).toBe('succeeded');
    expect(request?.approvals.map((a) => a.actor.email)).toEqual(['bob@corp.com']);

    // The same click delivered again is answered once.
    const posted = api.botMessages().length;
    expect(await deliver(body)).toBe(200);
    expect(api.botMessages().length).toBe(posted);
    expect(vendorCalls()).toHaveLength(1);
  });

  it('answers a later press on the decided card with "no longer open", and calls nothing', async () => {
    const action = api.submit(bob, card, { domainops: 'deny', requestId });
    expect(await deliver(api.delivery(action))).toBe(200);
    const reply = lastBotMessage();
    expect(reply.parentId).toBe(card.id);
    expect(reply.markdown).toMatch(/is no longer open: it has already run: it succeeded/);
    expect(vendorCalls()).toHaveLength(1);
  });

  it('answers in a 1:1 space and in the thread a command was written in', async () => {
    const direct = api.addRoom('direct', [bob]);
    expect(await deliver(api.delivery(api.say(direct, bob, 'whoami')))).toBe(200);
    expect(lastBotMessage()).toMatchObject({ roomId: direct.id });
    expect(lastBotMessage().markdown).toContain('bob@corp.com');

    const root = api.say(admins, alice, 'help');
    const inThread = api.say(admins, bob, 'whoami', { parentId: root.id });
    expect(await deliver(api.delivery(inThread))).toBe(200);
    expect(lastBotMessage()).toMatchObject({ roomId: admins.id, parentId: root.id });
  });

  it('refuses a person without an email, with an explanation', async () => {
    const ghost = api.addPerson('', 'No Email', { noEmail: true });
    const direct = api.addRoom('direct', [ghost]);
    expect(await deliver(api.delivery(api.say(direct, ghost, 'unclaim corp.com')))).toBe(200);
    expect(lastBotMessage().markdown).toContain('email');
    expect(await runtime.app.workflow().pending()).toEqual([]);
  });

  it('never logs the bot token or the webhook secret', () => {
    expect(logs).not.toContain(BOT_TOKEN);
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toMatch(/"level":50/);
  });
});

// That the card follows changes made elsewhere (another platform, the expiry) is the platform
// contract's (test/contracts/platform-webex.test.ts); these are Webex's own threading rules.
describe('Webex card thread answers decisions made in Webex', () => {
  /** Alice asks in the group space; returns the card and its request id. */
  async function requestCard(text: string) {
    expect(await deliver(api.delivery(api.say(admins, alice, text)))).toBe(200);
    const posted = lastBotMessage();
    const id = cardOf(posted)?.actions?.find((a) => a.type === 'Action.Submit')?.data?.requestId;
    expect(id).toBeDefined();
    expect((await runtime.app.workflow().get(id!))?.conversation).toMatchObject({ messageId: posted.id });
    return { card: posted, id: id! };
  }

  /** Bot messages posted after `before` of them, once nothing is in flight. */
  async function postedSince(before: number) {
    await webex.settled();
    expect(await runtime.chat.drain(5000)).toBe(true);
    return api.botMessages().slice(before);
  }

  it("answers an `approve <id>` typed in the space in the card's thread, once", async () => {
    const { card, id } = await requestCard('unclaim typed.com');
    const before = api.botMessages().length;
    expect(await deliver(api.delivery(api.say(admins, bob, `approve ${id}`)))).toBe(200);
    const posted = await postedSince(before);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ roomId: admins.id, parentId: card.id });
    expect(posted[0]?.markdown).toContain('Unclaimed typed.com');
    expect((await runtime.app.workflow().get(id))?.status).toBe('succeeded');
  });

  it("answers a `deny <id>` typed in a 1:1 space there, and in the card's thread", async () => {
    const { card, id } = await requestCard('unclaim typed.com');
    const direct = api.addRoom('direct', [bob]);
    const before = api.botMessages().length;
    expect(await deliver(api.delivery(api.say(direct, bob, `deny ${id} wrong domain`)))).toBe(200);
    const posted = await postedSince(before);
    expect(posted.map((m) => [m.roomId, m.parentId])).toEqual([
      [admins.id, card.id],
      [direct.id, undefined],
    ]);
    for (const m of posted) expect(m.markdown).toMatch(/denied/i);
  });

  it("a button press is answered once in the card's thread, not again through notify", async () => {
    const { card, id } = await requestCard('unclaim button.com');
    const before = api.botMessages().length;
    expect(await deliver(api.delivery(api.submit(bob, card, { domainops: 'approve', requestId: id })))).toBe(
      200,
    );
    const posted = await postedSince(before);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ roomId: admins.id, parentId: card.id });
  });
});

describe('Webex websocket mode (no webhookUrl)', () => {
  // The websocket itself (device registration with WDM, Mercury, encrypted activities) has no
  // offline fake: this checks the mode is chosen and the start takes the websocket path.
  it('serves no webhook route and registers a device instead of webhooks', async () => {
    const config = configWith(`
  webex: { botToken: env:WEBEX_BOT_TOKEN, apiUrl: ${api.apiUrl} }
`);
    const platform = await createWebexPlatform({
      config,
      chat: runtime.chat,
      logger: createLogger({ level: 'silent' }),
      sandbox: false,
    });
    expect(platform.mode).toBe('websocket');
    expect(platform.routes).toEqual([]);
    const before = api.requests.length;
    // The framework reports the failed websocket listen on the console as well.
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const started = platform.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    const error = await started;
    consoleError.mockRestore();
    // The fake's service catalog has no WDM service, so device registration fails.
    expect(error).toBeInstanceOf(DomainopsError);
    expect(error).toMatchObject({ code: 'webex_start_failed' });
    expect(String((error as Error).message)).toMatch(/wdm/);
    expect(String((error as Error).message)).not.toContain(BOT_TOKEN);
    const paths = api.since(before).map((r) => `${r.method} ${r.path.split('?')[0]}`);
    expect(paths).toContain('GET /v1/people/me');
    expect(paths).toContain('GET /u2c/api/v1/catalog');
    expect(paths.filter((p) => p.includes('/webhooks'))).toEqual([]);
    expect(platform.ready()).toBe(false);
    await platform.stop();
  });
});

describe('Webex start failures', () => {
  const quiet = {
    config: undefined,
    chat: undefined,
    logger: createLogger({ level: 'silent' }),
    sandbox: false,
  };

  it('fails with a clean error, and keeps the process, when Webex cannot list webhooks', async () => {
    const config = configWith(`
  webex:
    botToken: env:WEBEX_BOT_TOKEN
    webhookUrl: https://other.example.com/webex/events
    webhookSecret: env:WEBEX_WEBHOOK_SECRET
    apiUrl: ${api.apiUrl}
`);
    const platform = await createWebexPlatform({ ...quiet, config, chat: runtime.chat });
    api.fault({ kind: 'status', status: 500 }, { method: 'GET', path: '/v1/webhooks', times: 10 });
    const error = await platform.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    api.clearFaults();
    expect(error).toMatchObject({ code: 'webex_start_failed' });
    expect(String((error as Error).message)).toMatch(/did not register the bot webhooks/);
    expect(String((error as Error).message)).not.toContain(BOT_TOKEN);
    expect(platform.ready()).toBe(false);
  });

  it('names the bot token when Webex rejects it', async () => {
    const config = configWith(`
  webex: { botToken: env:WEBEX_BOT_TOKEN, apiUrl: ${api.apiUrl} }
`);
    const platform = await createWebexPlatform({ ...quiet, config, chat: runtime.chat });
    api.fault({ kind: 'status', status: 401 }, { method: 'GET', path: '/v1/people/me', times: 10 });
    const error = await platform.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    api.clearFaults();
    expect(error).toMatchObject({
      code: 'webex_start_failed',
      hint: expect.stringContaining('chat.webex.botToken'),
    });
    expect(String((error as Error).message)).not.toContain(BOT_TOKEN);
  });
});
