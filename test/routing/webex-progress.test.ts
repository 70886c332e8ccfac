/**
 * A running batch's progress in Webex, which cannot edit a card: every progress update would be a
 * new reply, so at most one progress reply a minute (of the process clock, here the test's) goes
 * into each card's thread: the requester's card and every copy. The final state is always
 * posted, after any progress reply, and a progress update from before it is never posted after
 * it. With the real webex-node-bot-framework and Webex SDK aimed at the local fake Webex
 * messaging API (webhook mode, signed deliveries). One file: the SDK reads its service URLs once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { parseConfig } from '../../src/config/load.ts';
import { itemCounts, type RequestRecord } from '../../src/core/requests/model.ts';
import { nextProgress } from '../../src/core/requests/progress.ts';
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
} from '../fakes/webex-api.ts';
import { createTestClock } from '../helpers/clock.ts';
import { createGate } from '../helpers/gate.ts';

const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const BOT_TOKEN = `MzFmYWtlYm90dG9rZW4_PF84_${ORG}`;
const SECRET = 'whsec-progress-5b1e9d0c7a3f4e2d';
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';
const DOMAINS = ['p1.com', 'p2.com', 'p3.com'];

let api: WebexApiFake;
let identity: WebexFake;
let runtime: Runtime;
let webex: WebexPlatform;
let alice: FakePerson;
let bob: FakePerson;
let aliceDirect: FakeRoom;
let admins: FakeRoom;
/** The process clock: the throttle's minute passes only when the test moves it. */
const clock = createTestClock();

beforeAll(async () => {
  api = await startWebexApiFake();
  identity = await startWebexFake({ orgs: { [ORG]: { claimed: DOMAINS } } });
  process.env.HYDRA_SERVICE_URL = api.apiUrl;
  process.env.U2C_SERVICE_URL = api.u2cUrl;
  process.env.WEBEX_LOG_LEVEL = 'error';
  alice = api.addPerson('alice@corp.com', 'Alice Admin');
  bob = api.addPerson('bob@corp.com', 'Bob Admin');
  aliceDirect = api.addRoom('direct', [alice]);
  admins = api.addRoom('group', [bob], 'Identity approvals');
  const dir = mkdtempSync(join(tmpdir(), 'domainops-webex-progress-'));
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
    admins: [alice@corp.com, bob@corp.com]
  rules:
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins] }
      notify: [webex:${admins.id}]
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
    clock,
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

const requestOf = (m: FakeMessage | undefined): string | undefined =>
  (
    m?.attachments?.find((a) => a.contentType === ADAPTIVE)?.content as
      | { actions?: { data?: { requestId?: string } }[] }
      | undefined
  )?.actions?.find((a) => a.data?.requestId !== undefined)?.data?.requestId;
const posted = (before: number) => api.botMessages().slice(before);
const where = (m: FakeMessage) => [m.roomId, m.parentId ?? null];

/**
 * The request as it runs: `done` items finished (succeeded), the next one running; its progress
 * stored at the clock's time. One version past the stored one (as the run's first write).
 */
function running(record: RequestRecord, done: number, seq: number): RequestRecord {
  const items = record.items!.map((item, i) => ({
    ...item,
    status: i < done ? ('succeeded' as const) : i === done ? ('running' as const) : ('pending' as const),
  }));
  const base = { ...record, status: 'executing' as const, items, version: record.version + 1 };
  return { ...base, progress: { ...nextProgress(base, clock.now(), { items: itemCounts(items) }), seq } };
}

/** Tells the platform of a progress change, as the chat service does when it follows the store. */
async function progress(record: RequestRecord): Promise<void> {
  await webex.notify!({ result: runtime.chat.render(runtime.app.replyFor(record)), progress: true });
}

describe('batch progress in Webex', () => {
  it('posts one progress reply a minute in each card thread, and always the final state, last', async () => {
    const before = api.botMessages().length;
    await deliver(api.say(aliceDirect, alice, `unclaim ${DOMAINS.join(' ')}`));
    const [card, copy, ...more] = posted(before);
    expect(more).toEqual([]);
    expect([where(card!), where(copy!)]).toEqual([
      [aliceDirect.id, null],
      [admins.id, null],
    ]);
    const id = requestOf(card)!;
    const stored = (await runtime.app.workflow().get(id))!;
    expect(stored.items).toHaveLength(3);
    const threads = [
      [aliceDirect.id, card!.id],
      [admins.id, copy!.id],
    ];

    // 50 progress updates within a minute: one reply in each card's thread, the first.
    const first = api.botMessages().length;
    for (let seq = 1; seq <= 50; seq++) {
      await progress(running(stored, seq === 1 ? 0 : 1, seq));
      await clock.advance(1000);
    }
    const replies = posted(first);
    expect(replies.map(where).sort()).toEqual([...threads].sort());
    for (const reply of replies) expect(reply.markdown).toContain('0 of 3 done');

    // A minute after the first: the next one is posted, in each thread again.
    await clock.advance(10_000);
    const minute = api.botMessages().length;
    await progress(running(stored, 2, 51));
    await progress(running(stored, 2, 52));
    expect(posted(minute).map(where).sort()).toEqual([...threads].sort());
    for (const reply of posted(minute)) expect(reply.markdown).toContain('2 of 3 done');

    // Bob approves on the copy: the batch runs, and its outcome is posted in both threads at
    // once, throttle or not.
    const decided = api.botMessages().length;
    await deliver(api.submit(bob, copy!, { domainops: 'approve', requestId: id }));
    const outcome = await runtime.app.workflow().get(id);
    expect(outcome?.status).toBe('succeeded');
    const finals = posted(decided);
    expect(finals.map(where)).toEqual([
      [admins.id, copy!.id],
      [aliceDirect.id, card!.id],
    ]);
    for (const reply of finals) expect(reply.markdown).toContain('Done:');

    // A progress update from before the outcome, told late: never posted after it.
    const late = api.botMessages().length;
    await progress(running(stored, 2, 53));
    expect(posted(late)).toEqual([]);
  });

  it('posts every state change, and the first progress after one at once', async () => {
    const before = api.botMessages().length;
    await deliver(api.say(aliceDirect, alice, 'unclaim q1.com q2.com'));
    const [card, copy] = posted(before);
    const id = requestOf(card)!;
    const stored = (await runtime.app.workflow().get(id))!;
    const at = api.botMessages().length;
    await progress(running(stored, 0, 1));
    await progress(running(stored, 1, 2));
    expect(posted(at)).toHaveLength(2);
    // A state change (an approval counted elsewhere, say) is posted, and ends the throttle: the
    // next progress is shown at once, within the minute.
    const changed = { ...stored, version: stored.version + 2 };
    await webex.notify!({ result: runtime.chat.render(runtime.app.replyFor(changed)) });
    const next = { ...running(stored, 1, 3), version: stored.version + 3 };
    await progress(next);
    expect(posted(at).map(where)).toEqual([
      [aliceDirect.id, card!.id],
      [admins.id, copy!.id],
      [aliceDirect.id, card!.id],
      [admins.id, copy!.id],
      [aliceDirect.id, card!.id],
      [admins.id, copy!.id],
    ]);
  });

  it('posts a state change after a progress reply under way, never before it', async () => {
    const before = api.botMessages().length;
    await deliver(api.say(aliceDirect, alice, 'unclaim r1.com r2.com'));
    const [card, copy] = posted(before);
    const stored = (await runtime.app.workflow().get(requestOf(card)!))!;
    await clock.advance(60_000);
    // Webex holds the first reply (the progress one in alice's thread) until the gate opens.
    const gate = createGate();
    api.fault({ kind: 'hold', until: () => gate.wait() }, { path: '/v1/messages', method: 'POST' });
    const at = api.botMessages().length;
    const shown = progress(running(stored, 1, 1));
    await gate.reached;
    const changed = { ...stored, version: stored.version + 2 };
    const state = webex.notify!({ result: runtime.chat.render(runtime.app.replyFor(changed)) });
    gate.open();
    await Promise.all([shown, state]);
    const replies = posted(at);
    expect(replies.map(where)).toEqual([
      [aliceDirect.id, card!.id],
      [admins.id, copy!.id],
      [aliceDirect.id, card!.id],
      [admins.id, copy!.id],
    ]);
    expect(replies.map((r) => /1 of 2 done/.test(r.markdown ?? ''))).toEqual([true, true, false, false]);
  });
});
