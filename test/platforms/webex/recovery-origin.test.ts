/**
 * A Webex command that needed no approval has no card: if the process dies during its vendor
 * call, nobody was answered. The space (and thread) it was written in is stored with the request,
 * and at the next start, when recovery marks it `unknown`, the card saying so is posted there.
 * The real framework and SDK against the local Webex messaging fake, in webhook mode (its own
 * file: the SDK reads its service URLs once, when it is loaded).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../../adapters/webex-identity/sandbox.ts';
import { parseConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/types.ts';
import { createWebexPlatform, type WebexPlatform } from '../../../src/platforms/webex/index.ts';
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

const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const BOT_TOKEN = `MzFmYWtlYm90dG9rZW4_PF84_${ORG}`;
const SECRET = 'whsec-7d1e0a9c4b6f4e3a8c2d5b1e';
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';

let api: WebexApiFake;
let identity: WebexFake;
let config: Config;
let dir: string;
let alice: FakePerson;
let admins: FakeRoom;
let direct: FakeRoom;

beforeAll(async () => {
  api = await startWebexApiFake();
  identity = await startWebexFake({ orgs: { [ORG]: { claimed: ['abc.com', 'def.com'] } } });
  // The SDK reads these when it is loaded, which createWebexPlatform does.
  process.env.HYDRA_SERVICE_URL = api.apiUrl;
  process.env.U2C_SERVICE_URL = api.u2cUrl;
  process.env.WEBEX_LOG_LEVEL = 'error';
  dir = mkdtempSync(join(tmpdir(), 'domainops-webex-recovery-'));
  config = parseConfig(
    `
store: ${join(dir, 'domainops.db')}
server: { host: 127.0.0.1, port: 0 }
http: { connectTimeout: 1s, timeout: 3s, retries: 0 }
targets:
  webex-prod:
    vendor: webex
    orgId: ${ORG}
    apiUrl: ${identity.apiUrl}
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  rules:
    - { actions: [unclaim], requesters: [alice@corp.com], approval: none }
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
  alice = api.addPerson('alice@corp.com', 'Alice Admin');
  admins = api.addRoom('group', [alice]);
  direct = api.addRoom('direct', [alice]);
}, 30_000);

afterAll(async () => {
  await Promise.all([api?.close(), identity?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function start(logs?: string[]): Promise<Runtime> {
  const stream = new Writable({
    write(chunk, _enc, done) {
      logs?.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return startRuntime({
    config,
    logger: createLogger({ level: 'info', stream }),
    platforms: [createWebexPlatform],
  });
}

/** Delivers a message as Webex would (signed webhook) and waits until it is answered. */
async function say(runtime: Runtime, message: FakeMessage): Promise<void> {
  const raw = JSON.stringify(api.delivery(message));
  const res = await fetch(`${runtime.url}/webex/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-spark-signature': sparkSignature(raw, SECRET) },
    body: raw,
  });
  expect(res.status).toBe(200);
  await (runtime.platforms[0] as WebexPlatform).settled();
  expect(await runtime.chat.drain(5000)).toBe(true);
}

/** As if the process had died during the vendor call of each of these requests. */
function markExecuting(ids: string[]): void {
  const raw = new DatabaseSync(join(dir, 'domainops.db'));
  const update = raw.prepare(
    "UPDATE requests SET status = 'executing', data = json_set(data, '$.status', 'executing') WHERE id = ?",
  );
  for (const id of ids) update.run(id);
  raw.close();
}

const vendorCalls = () => identity.requests.filter((r) => r.path.includes('/actions/')).length;

describe('Webex: recovery at start tells the requester where they asked', () => {
  it("posts the outcome-unknown card in the thread the command was written in, or the space's top level", async () => {
    // The first process: two commands that need no approval, each answered with its result.
    const root = api.say(admins, alice, 'help');
    const inThread = api.say(admins, alice, 'unclaim abc.com', { parentId: root.id });
    const topLevel = api.say(direct, alice, 'unclaim def.com');
    const first = await start();
    let ids: { thread: string; top: string };
    try {
      await say(first, inThread);
      await say(first, topLevel);
      const records = await first.app.workflow().audit();
      const stored = await Promise.all(
        [...new Set(records.map((e) => e.requestId))].map((id) => first.app.workflow().get(id)),
      );
      const byDomain = Object.fromEntries(
        stored.map((r) => [(r!.call as unknown as { domain: string }).domain, r!]),
      );
      expect(byDomain['abc.com']).toMatchObject({
        origin: { platform: 'webex', roomId: admins.id, parentId: root.id },
      });
      expect(byDomain['abc.com']?.conversation).toBeUndefined();
      expect(byDomain['def.com']?.origin).toEqual({ platform: 'webex', roomId: direct.id });
      ids = { thread: byDomain['abc.com']!.id, top: byDomain['def.com']!.id };
    } finally {
      await first.stop();
    }
    markExecuting([ids.thread, ids.top]);
    const calls = vendorCalls();

    // The next start: recovery marks both unknown and posts each where it was written.
    const before = api.botMessages().length;
    const second = await start();
    try {
      expect(await second.chat.drain(5000)).toBe(true);
      await (second.platforms[0] as WebexPlatform).settled();
      const posted = api.botMessages().slice(before);
      expect(posted.map((m) => [m.roomId, m.parentId]).sort()).toEqual(
        [
          [admins.id, root.id],
          [direct.id, undefined],
        ].sort(),
      );
      for (const [message, id] of [
        [posted.find((m) => m.roomId === admins.id), ids.thread],
        [posted.find((m) => m.roomId === direct.id), ids.top],
      ] as const) {
        expect(message?.markdown).toMatch(/outcome unknown/i);
        const card = JSON.stringify(message?.attachments?.find((a) => a.contentType === ADAPTIVE)?.content);
        expect(card).toContain(id);
        expect(await second.app.workflow().get(id)).toMatchObject({
          status: 'unknown',
          error: { code: 'interrupted' },
        });
      }
      // Recovery never runs them again.
      expect(vendorCalls()).toBe(calls);
    } finally {
      await second.stop();
    }
  }, 30_000);

  it('logs one safe line when the space cannot be posted in', async () => {
    const gone = api.addRoom('group', [alice]);
    const first = await start();
    let id: string;
    try {
      const before = api.botMessages().length;
      await say(first, api.say(gone, alice, 'unclaim def.com'));
      expect(api.botMessages().length).toBe(before + 1);
      const audit = await first.app.workflow().audit();
      id = audit.at(-1)!.requestId;
      expect(await first.app.workflow().get(id)).toMatchObject({ origin: { roomId: gone.id } });
    } finally {
      await first.stop();
    }
    markExecuting([id]);
    // The bot was removed from the space meanwhile: the fake answers 404.
    api.rooms.delete(gone.id);
    const logs: string[] = [];
    const second = await start(logs);
    try {
      expect(await second.chat.drain(5000)).toBe(true);
      const warning = logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'could not post the request where it was typed');
      expect(warning).toMatchObject({ requestId: id, webex: { status: 404 } });
      expect(logs.join('\n')).not.toContain(BOT_TOKEN);
      expect(await second.app.workflow().get(id)).toMatchObject({ status: 'unknown' });
    } finally {
      await second.stop();
    }
  }, 30_000);
});
