/** ChatService → Platform.notify: who is told about a change, and what a failing platform does. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { type App, createApp } from '../../src/app.ts';
import { type ChatService, createChatService, type RequestUpdate } from '../../src/core/chat.ts';
import type { Platform, PlatformName } from '../../src/core/platform.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { recordOf } from '../../src/core/reply.ts';
import { capturedLogger, ORG, webexConfig } from './helpers.ts';

const TOKEN = 'wx-identity-token-for-notify';
const alice: Actor = { platform: 'slack', id: 'U0ALICE', email: 'alice@corp.com' };
const bob: Actor = { platform: 'webex', id: 'P-BOB', email: 'bob@corp.com' };

let webex: WebexFake;
let app: App;
let chat: ChatService;
let logLines: string[] = [];
const told: Record<string, RequestUpdate[]> = { slack: [], webex: [], local: [] };

function platform(name: PlatformName, fail = false): Platform {
  return {
    name,
    routes: [],
    start: async () => undefined,
    stop: async () => undefined,
    ready: () => true,
    notify: async (update) => {
      told[name]!.push(update);
      if (fail) throw new Error(`${name} is down`);
    },
  };
}

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['abc.com', 'def.com'] } } });
  webex.state.accessTokens.add(TOKEN);
  const config = webexConfig(webex.apiUrl, TOKEN);
  app = createApp(config);
  const captured = capturedLogger();
  logLines = captured.lines;
  chat = createChatService(app, { logger: captured.logger });
  // Slack's notify fails: the others are still told, and nobody's answer is affected.
  chat.attach([platform('slack', true), platform('webex'), platform('local')]);
});

afterAll(async () => {
  await app?.close();
  await webex?.close();
});

const reset = () => {
  for (const list of Object.values(told)) list.length = 0;
};

describe('ChatService notifications', () => {
  it('tells nobody about a new request, a refusal or a read-only command', async () => {
    reset();
    const asked = await chat.message({ text: 'unclaim abc.com', actor: alice });
    const own = await chat.decide({ decision: 'approve', requestId: asked!.reply.requestId!, actor: alice });
    expect(own?.reply.error?.code).toBe('approve_own_request');
    await chat.message({ text: 'pending', actor: bob });
    expect(await chat.drain(2000)).toBe(true);
    expect(told).toEqual({ slack: [], webex: [], local: [] });
  });

  it('tells every platform but the one the decision came from, and logs one that fails', async () => {
    reset();
    const asked = await chat.message({ text: 'unclaim def.com', actor: alice });
    const id = asked!.reply.requestId!;
    const decided = await chat.decide({ decision: 'approve', requestId: id, actor: bob });
    expect(decided?.reply.status).toBe('succeeded');
    expect(await chat.drain(2000)).toBe(true);
    expect(told.webex).toEqual([]);
    for (const name of ['slack', 'local']) {
      expect(told[name]!.map((u) => [u.by, u.result.reply.status, u.result.reply.requestId])).toEqual([
        [bob, 'succeeded', id],
      ]);
    }
    // The same rendered reply the deciding platform got.
    expect(told.local![0]!.result).toBe(decided);
    const warning = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.platform === 'slack');
    expect(warning).toMatchObject({
      level: 40,
      requestId: id,
      msg: expect.stringContaining('could not update'),
    });
  });

  it('tells every platform about a change nobody made on a platform (an expiry)', async () => {
    reset();
    const asked = await chat.message({ text: 'unclaim abc.com', actor: alice });
    const record = { ...recordOf(asked!.reply)!, status: 'expired' as const };
    await chat.changed([record]);
    for (const name of ['slack', 'webex', 'local']) {
      const [update, ...more] = told[name]!;
      expect(more).toEqual([]);
      expect(update?.by).toBeUndefined();
      expect(update?.result.reply).toMatchObject({ status: 'expired', requestId: record.id, exitCode: 6 });
      expect(update?.result.reply.text).toMatch(/expired without enough approvals/);
      expect(update?.result.card.title).toMatch(/Expired/);
    }
  });
});
