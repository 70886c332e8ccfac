/**
 * The Slack approval card follows every change this process knows about: a typed `approve <id>`,
 * a decision made on another platform, and an expiry found by the sweep. A change made by a
 * Slack click updates the card once (its own answer), never again through `notify`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../../adapters/webex-identity/sandbox.ts';
import type { Actor } from '../../../src/core/policy/actor.ts';
import type { RequestUpdate } from '../../../src/platforms/chat.ts';
import { slackConversation } from '../../../src/platforms/slack/post.ts';
import type { Platform } from '../../../src/platforms/types.ts';
import type { Runtime } from '../../../src/runtime.ts';
import { type SlackFake, startSlackFake } from '../../fakes/slack-api.ts';
import {
  BOT_TOKEN,
  buttons,
  click,
  clickPayload,
  deliver,
  ORG,
  slackConfig,
  slashCommand,
  startSlackRuntime,
  USERS,
  vendorActions,
} from './helpers.ts';

let webex: WebexFake;
let slack: SlackFake;
let runtime: Runtime;
/** What a second platform (a stand-in for the playground) was told. */
const told: RequestUpdate[] = [];

/** Bob as Webex knows him: the same person as Slack's U0BOB (same email). */
const BOB_ON_WEBEX: Actor = {
  platform: 'webex',
  id: 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ib2I',
  email: 'bob@corp.com',
};

beforeAll(async () => {
  webex = await startWebexFake({
    orgs: { [ORG]: { claimed: ['typed.com', 'other.com', 'deny.com', 'own.com'], verified: ['late.com'] } },
  });
  slack = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
  const recorder = async (): Promise<Platform> => ({
    name: 'local',
    routes: [],
    start: async () => undefined,
    stop: async () => undefined,
    ready: () => true,
    notify: async (update) => {
      told.push(update);
    },
  });
  runtime = await startSlackRuntime(slackConfig(webex, slack, 'http', { unverifyExpires: '2s' }), undefined, {
    sweepInterval: 100,
    extra: [recorder],
  });
});

afterAll(async () => {
  await runtime?.stop();
  await Promise.all([slack?.close(), webex?.close()]);
});

/** Sends `/domainops <text>` as `user`; returns the request id and where its card is. */
async function requestCard(user: string, text: string) {
  const from = slack.calls.length;
  expect((await deliver(runtime.url, slashCommand(slack, user, text))).status).toBe(200);
  const posted = await slack.waitFor('chat.postMessage', {
    from,
    match: (c) => c.args.thread_ts === undefined,
  });
  const requestId = buttons(posted.args.blocks)[0]!.value;
  for (let i = 0; i < 100 && !slackConversation(await runtime.app.workflow().get(requestId)); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const card = slackConversation(await runtime.app.workflow().get(requestId));
  expect(card).toEqual({ platform: 'slack', channel: 'C0OPS', ts: posted.response?.ts });
  return { requestId, card: card! };
}

/** Waits until nothing is in flight (commands and the notifications they started). */
async function settled(): Promise<void> {
  expect(await runtime.chat.drain(5000)).toBe(true);
}

describe('Slack approval card follows changes made elsewhere', () => {
  it('a typed `approve <id>` updates the card in place, once, with a note in its thread', async () => {
    const { requestId, card } = await requestCard('U0ALICE', 'unclaim typed.com');
    const from = slack.calls.length;
    await deliver(runtime.url, slashCommand(slack, 'U0BOB', `approve ${requestId}`));
    const updated = await slack.waitFor('chat.update', { from });
    expect(updated.args).toMatchObject({ channel: card.channel, ts: card.ts });
    expect(buttons(updated.args.blocks)).toHaveLength(0);
    const note = await slack.waitFor('chat.postMessage', {
      from,
      match: (c) => c.args.thread_ts === card.ts,
    });
    expect(String(note.args.text)).toContain('<@U0BOB>');
    await settled();
    expect(slack.callsTo('chat.update', from)).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage', from)).toHaveLength(1);
    expect((await runtime.app.workflow().get(requestId))?.status).toBe('succeeded');
    // The other platform is told; the card is not its own, so it shows nothing.
    expect(told.filter((u) => u.result.reply.requestId === requestId).map((u) => u.by?.platform)).toEqual([
      'slack',
    ]);
  });

  it('a decision on another platform updates the Slack card and says who made it', async () => {
    const { requestId, card } = await requestCard('U0ALICE', 'unclaim other.com');
    const before = vendorActions(webex);
    const from = slack.calls.length;
    const result = await runtime.chat.decide({ decision: 'approve', requestId, actor: BOB_ON_WEBEX });
    expect(result?.reply.status).toBe('succeeded');
    await settled();
    const [updated, ...more] = slack.callsTo('chat.update', from);
    expect(more).toHaveLength(0);
    expect(updated?.args).toMatchObject({ channel: card.channel, ts: card.ts });
    expect(buttons(updated?.args.blocks)).toHaveLength(0);
    expect(JSON.stringify(updated?.args.blocks)).toContain('bob@corp.com');
    const notes = slack.callsTo('chat.postMessage', from);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.args.thread_ts).toBe(card.ts);
    expect(String(notes[0]?.args.text)).toMatch(/^bob@corp\.com \(webex:\S+\) approved: /);
    expect(vendorActions(webex)).toBe(before + 1);
  });

  it('a deny typed on another platform updates the Slack card too', async () => {
    const { requestId, card } = await requestCard('U0ALICE', 'unclaim deny.com');
    const from = slack.calls.length;
    const result = await runtime.chat.message({ text: `deny ${requestId} not today`, actor: BOB_ON_WEBEX });
    expect(result?.reply).toMatchObject({ status: 'denied', decision: 'deny' });
    await settled();
    const updated = slack.callsTo('chat.update', from);
    expect(updated.map((c) => c.args.ts)).toEqual([card.ts]);
    expect(buttons(updated[0]?.args.blocks)).toHaveLength(0);
    expect(String(slack.callsTo('chat.postMessage', from)[0]?.args.text)).toContain('denied');
  });

  it('a refused decision elsewhere changes nothing on the card', async () => {
    const { requestId } = await requestCard('U0ALICE', 'unclaim own.com');
    const from = slack.calls.length;
    const alice: Actor = {
      platform: 'webex',
      id: 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9hbGljZQ',
      email: 'alice@corp.com',
    };
    const result = await runtime.chat.decide({ decision: 'approve', requestId, actor: alice });
    expect(result?.reply.error?.code).toBe('approve_own_request');
    await settled();
    expect(slack.calls.slice(from)).toHaveLength(0);
    expect((await runtime.app.workflow().get(requestId))?.status).toBe('pending');
    // Left pending: deny it so the expiry test below sees only its own request.
    await runtime.chat.decide({ decision: 'deny', requestId, actor: BOB_ON_WEBEX });
    await settled();
  });

  it("a Slack click updates the card once: Slack's own answer, not a second time through notify", async () => {
    const { requestId, card } = await requestCard('U0ALICE', 'unclaim own.com');
    const seen = told.length;
    const from = slack.calls.length;
    await deliver(runtime.url, click(clickPayload(slack, 'U0BOB', 'approve', requestId, card)));
    await slack.waitFor('chat.update', { from });
    await slack.waitFor('chat.postMessage', { from, match: (c) => c.args.thread_ts === card.ts });
    await settled();
    await new Promise((r) => setTimeout(r, 100));
    expect(slack.callsTo('chat.update', from)).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage', from)).toHaveLength(1);
    // The other platform was told exactly once, with the click's result.
    expect(told.slice(seen).map((u) => [u.by?.platform, u.result.reply.status])).toEqual([
      ['slack', 'succeeded'],
    ]);
  });

  it('an expiry found by the sweep updates the card and notes it in the thread', async () => {
    const { requestId, card } = await requestCard('U0ALICE', 'unverify late.com');
    const from = slack.calls.length;
    const updated = await slack.waitFor('chat.update', {
      from,
      ms: 5000,
      match: (c) => c.args.ts === card.ts,
    });
    expect(updated.args.channel).toBe(card.channel);
    expect(buttons(updated.args.blocks)).toHaveLength(0);
    expect(String(updated.args.text)).toMatch(/expired/i);
    const note = await slack.waitFor('chat.postMessage', {
      from,
      match: (c) => c.args.thread_ts === card.ts,
    });
    expect(String(note.args.text)).toContain(`Request ${requestId}`);
    expect(String(note.args.text)).toContain('expired without enough approvals');
    expect((await runtime.app.workflow().get(requestId))?.status).toBe('expired');
    // The next sweeps find nothing more to expire: the card is updated once.
    await new Promise((r) => setTimeout(r, 300));
    await settled();
    expect(slack.callsTo('chat.update', from)).toHaveLength(1);
    expect(
      told.filter((u) => u.result.reply.requestId === requestId).map((u) => [u.by, u.result.reply.status]),
    ).toEqual([[undefined, 'expired']]);
  }, 15_000);
});
