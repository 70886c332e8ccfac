/**
 * Routing in Webex, with the real webex-node-bot-framework and Webex SDK aimed at the local fake
 * Webex messaging API (webhook mode, signed deliveries): a request typed in a 1:1 space gets a
 * copy of its card in the approvers' space (and, for a group, a direct message to each person);
 * a submit on any copy decides, once; Webex cannot edit cards, so every card gets the new state
 * as a reply in its thread, the requester's too. A space that does not exist is shown to the
 * requester and holds nothing up. One file: the SDK reads its service URLs once, when loaded.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { parseConfig } from '../../src/config/load.ts';
import { createWebexPlatform, type WebexPlatform } from '../../src/platforms/webex/index.ts';
import { type Runtime, startRuntime } from '../../src/runtime.ts';
import { createLogger } from '../../src/server/logger.ts';
import {
  type FakeMessage,
  type FakePerson,
  type FakeRoom,
  sparkSignature,
  startWebexApiFake,
  type WebexApiFake,
  webexId,
} from '../fakes/webex-api.ts';

const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const BOT_TOKEN = `MzFmYWtlYm90dG9rZW4_PF84_${ORG}`;
const SECRET = 'whsec-routing-3a7c0f0e9b5d4e2f';
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';

let api: WebexApiFake;
let identity: WebexFake;
let runtime: Runtime;
let webex: WebexPlatform;
let alice: FakePerson;
let bob: FakePerson;
let dave: FakePerson;
let aliceDirect: FakeRoom;
let admins: FakeRoom;
/** A space id Webex does not know. */
const GONE = webexId('ROOM');

beforeAll(async () => {
  api = await startWebexApiFake();
  identity = await startWebexFake({
    orgs: { [ORG]: { claimed: ['abc.com'], verified: ['late.com', 'example.org'] } },
  });
  process.env.HYDRA_SERVICE_URL = api.apiUrl;
  process.env.U2C_SERVICE_URL = api.u2cUrl;
  process.env.WEBEX_LOG_LEVEL = 'error';
  alice = api.addPerson('alice@corp.com', 'Alice Admin');
  bob = api.addPerson('bob@corp.com', 'Bob Admin');
  dave = api.addPerson('dave@corp.com', 'Dave Admin');
  aliceDirect = api.addRoom('direct', [alice]);
  admins = api.addRoom('group', [bob, dave], 'Identity approvals');
  const dir = mkdtempSync(join(tmpdir(), 'domainops-routing-webex-'));
  const config = parseConfig(
    `
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
    admins: [alice@corp.com, bob@corp.com, dave@corp.com]
  rules:
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins] }
      notify: [webex:${admins.id}]
    - actions: [unverify]
      requesters: [admins]
      approval: { approvers: [admins] }
      notify: [webex:${GONE}, webex:${admins.id}]
    - actions: [claim]
      requesters: [admins]
      approval: { approvers: [admins] }
      notify: [admins]
chat:
  webex:
    botToken: env:WEBEX_BOT_TOKEN
    webhookUrl: https://bot.example.com/webex/events
    webhookSecret: env:WEBEX_WEBHOOK_SECRET
    apiUrl: ${api.apiUrl}
`,
    join(dir, 'domainops.yaml'),
    {
      WEBEX_BOT_TOKEN: BOT_TOKEN,
      WEBEX_WEBHOOK_SECRET: SECRET,
      WEBEX_IDENTITY_TOKEN: identity.issueAccessToken(),
    },
  );
  runtime = await startRuntime({
    config,
    logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    platforms: [createWebexPlatform],
  });
  webex = runtime.platforms[0] as WebexPlatform;
}, 30_000);

afterAll(async () => {
  await runtime?.stop();
  await Promise.all([api?.close(), identity?.close()]);
});

/** Delivers a message or submit as a signed webhook, and waits until everything it set off is done. */
async function deliver(item: FakeMessage | Parameters<WebexApiFake['delivery']>[0]): Promise<void> {
  const raw = JSON.stringify(api.delivery(item));
  const response = await fetch(`${runtime.url}/webex/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-spark-signature': sparkSignature(raw, SECRET) },
    body: raw,
  });
  expect(response.status).toBe(200);
  await webex.settled();
  expect(await runtime.chat.drain(5000)).toBe(true);
}

type Card = { actions?: { type: string; data?: { domainops?: string; requestId?: string } }[] };
const cardOf = (m: FakeMessage | undefined): Card | undefined =>
  m?.attachments?.find((a) => a.contentType === ADAPTIVE)?.content as Card | undefined;
const requestOf = (m: FakeMessage | undefined): string | undefined =>
  cardOf(m)?.actions?.find((a) => a.type === 'Action.Submit')?.data?.requestId;
const vendorCalls = () => identity.requests.filter((r) => r.path.includes('/actions/')).length;
const posted = (before: number) => api.botMessages().slice(before);
const where = (m: FakeMessage) => [m.roomId, m.parentId ?? null];

describe('routing in Webex', () => {
  it("a 1:1 request's card reaches the approvers' space; a submit there runs it once and every thread is told", async () => {
    const before = api.botMessages().length;
    await deliver(api.say(aliceDirect, alice, 'unclaim abc.com'));
    const [card, copy, ...more] = posted(before);
    expect(more).toEqual([]);
    expect(where(card!)).toEqual([aliceDirect.id, null]);
    expect(where(copy!)).toEqual([admins.id, null]);
    const id = requestOf(card)!;
    expect(requestOf(copy)).toBe(id);
    expect(cardOf(copy)?.actions?.map((a) => a.data?.domainops)).toEqual(['approve', 'deny']);
    const record = await runtime.app.workflow().get(id);
    expect(record?.conversation).toEqual({ platform: 'webex', roomId: aliceDirect.id, messageId: card!.id });
    expect(record?.copies).toEqual([{ platform: 'webex', roomId: admins.id, messageId: copy!.id }]);

    const decided = api.botMessages().length;
    const submit = api.submit(bob, copy!, { domainops: 'approve', requestId: id });
    await deliver(submit);
    expect(vendorCalls()).toBe(1);
    expect((await runtime.app.workflow().get(id))?.status).toBe('succeeded');
    const replies = posted(decided);
    expect(replies.map(where)).toEqual([
      [admins.id, copy!.id],
      [aliceDirect.id, card!.id],
    ]);
    for (const reply of replies) expect(reply.markdown).toContain('Unclaimed abc.com');

    // The same submit again, and dave's on alice's card: nothing runs again.
    const later = api.botMessages().length;
    await deliver(submit);
    expect(posted(later)).toEqual([]);
    await deliver(api.submit(dave, card!, { domainops: 'approve', requestId: id }));
    expect(vendorCalls()).toBe(1);
    const refused = posted(later);
    expect(refused.map(where)).toEqual([[aliceDirect.id, card!.id]]);
    expect(refused[0]?.markdown).toMatch(/no longer open/);
  });

  it('tells the requester in their thread about a space that does not exist, and the request goes on', async () => {
    const before = api.botMessages().length;
    await deliver(api.say(aliceDirect, alice, 'unverify late.com'));
    const [card, copy, note, ...more] = posted(before);
    expect(more).toEqual([]);
    expect(where(card!)).toEqual([aliceDirect.id, null]);
    expect(where(copy!)).toEqual([admins.id, null]);
    expect(where(note!)).toEqual([aliceDirect.id, card!.id]);
    expect(note?.markdown).toContain(`Could not post the approval card to webex:${GONE}: not_found`);
    expect(note?.markdown).toContain('add the bot to the space');
    const id = requestOf(card)!;
    expect((await runtime.app.workflow().get(id))?.status).toBe('pending');
    await deliver(api.submit(dave, copy!, { domainops: 'deny', requestId: id }));
    expect((await runtime.app.workflow().get(id))?.status).toBe('denied');
  });

  it("sends a group's people a direct message each, never the requester; their threads follow a decision", async () => {
    const before = api.botMessages().length;
    await deliver(api.say(aliceDirect, alice, 'claim example.org'));
    const [card, ...copies] = posted(before);
    expect(where(card!)).toEqual([aliceDirect.id, null]);
    const directOf = (p: FakePerson) =>
      [...api.rooms.values()].find(
        (r) => r.type === 'direct' && api.memberships.some((m) => m.roomId === r.id && m.personId === p.id),
      )?.id;
    expect(copies.map(where)).toEqual([
      [directOf(bob), null],
      [directOf(dave), null],
    ]);
    const id = requestOf(card)!;
    const decided = api.botMessages().length;
    await deliver(api.submit(bob, copies[0]!, { domainops: 'approve', requestId: id }));
    expect((await runtime.app.workflow().get(id))?.status).toBe('succeeded');
    expect(posted(decided).map(where)).toEqual([
      [directOf(bob), copies[0]!.id],
      [aliceDirect.id, card!.id],
      [directOf(dave), copies[1]!.id],
    ]);
  });
});
