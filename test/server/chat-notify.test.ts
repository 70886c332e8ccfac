/**
 * ChatService → Platform.notify: who is told about a change, and what a failing platform does;
 * what a platform gets: the reply and its card model, rendered only in the formats it asks for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { type App, createApp } from '../../src/app.ts';
import type { Card } from '../../src/core/cards/model.ts';
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
/** The app's clock: real time, moved on by a test that lets requests expire. */
let skew = 0;
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
  app = createApp(config, { now: () => Date.now() + skew });
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
    // Stored as expired by the sweep: what is told is claimed against the stored state.
    skew += 24 * 60 * 60_000;
    const expired = await app.workflow().sweep();
    const record = expired.find((r) => r.id === recordOf(asked!.reply)!.id)!;
    expect(record.status).toBe('expired');
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

describe('ChatReply', () => {
  it('carries the card model, and renders a format only when asked, once per renderer', async () => {
    const result = await chat.message({ text: 'pending', actor: bob });
    expect(result?.card).toMatchObject({ kind: 'pending', title: expect.any(String) });
    // Nothing is rendered for a platform that does not ask (no wire format is part of the reply).
    expect(Object.keys(result ?? {}).sort()).toEqual(['card', 'render', 'reply']);
    const seen: Card[] = [];
    const renderer = (card: Card) => {
      seen.push(card);
      return { title: card.title };
    };
    const first = result!.render(renderer);
    expect(result!.render(renderer)).toBe(first);
    expect(seen).toEqual([result!.card]);
    // Another renderer (another platform's format) is its own.
    expect(result!.render((card) => card.sections.length)).toBe(result!.card.sections.length);
  });
});
