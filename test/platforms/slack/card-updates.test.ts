/**
 * How the Slack approval card follows changes, beyond the platform contract
 * (test/contracts/platform-slack.test.ts): a typed `approve <id>` updates the card in place with a
 * note in its thread, a change made elsewhere is noted saying who made it, and a change made by a
 * Slack click updates the card once (its own answer), never again through `notify`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../../adapters/webex-identity/sandbox.ts';
import type { RequestUpdate } from '../../../src/core/chat.ts';
import type { Platform } from '../../../src/core/platform.ts';
import type { Actor } from '../../../src/core/policy/actor.ts';
import { slackConversation } from '../../../src/platforms/slack/post.ts';
import type { Runtime } from '../../../src/runtime.ts';
import { type SlackFake, startSlackFake } from '../../fakes/slack-api.ts';
import { createTestClock } from '../../helpers/clock.ts';
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
} from './helpers.ts';

let webex: WebexFake;
let slack: SlackFake;
let runtime: Runtime;
/** What a second platform (a stand-in for the playground) was told. */
const told: RequestUpdate[] = [];
/** The runtime's clock: requests expire, and the expiry sweep runs, only when a test moves it. */
const clock = createTestClock();

/** Bob as Webex knows him: the same person as Slack's U0BOB (same email). */
const BOB_ON_WEBEX: Actor = {
  platform: 'webex',
  id: 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ib2I',
  email: 'bob@corp.com',
};

beforeAll(async () => {
  webex = await startWebexFake({
    orgs: { [ORG]: { claimed: ['typed.com', 'other.com', 'own.com'], verified: ['late.com'] } },
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
    clock,
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
  // The card's place is stored once Slack answered the post: when the command has finished.
  await settled();
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

  it("notes a decision made on another platform in the card's thread, saying who made it", async () => {
    // That the card itself follows is the platform contract's (test/contracts/platform-slack.test.ts).
    const { requestId, card } = await requestCard('U0ALICE', 'unclaim other.com');
    const from = slack.calls.length;
    const result = await runtime.chat.decide({ decision: 'approve', requestId, actor: BOB_ON_WEBEX });
    expect(result?.reply.status).toBe('succeeded');
    await settled();
    expect(slack.callsTo('chat.update', from).map((c) => c.args.ts)).toEqual([card.ts]);
    const notes = slack.callsTo('chat.postMessage', from);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.args.thread_ts).toBe(card.ts);
    expect(String(notes[0]?.args.text)).toMatch(/^bob@corp\.com \(webex:\S+\) approved: /);
  });

  it("a Slack click updates the card once: Slack's own answer, not a second time through notify", async () => {
    const { requestId, card } = await requestCard('U0ALICE', 'unclaim own.com');
    const seen = told.length;
    const from = slack.calls.length;
    await deliver(runtime.url, click(clickPayload(slack, 'U0BOB', 'approve', requestId, card)));
    await slack.waitFor('chat.update', { from });
    await slack.waitFor('chat.postMessage', { from, match: (c) => c.args.thread_ts === card.ts });
    await settled();
    expect(slack.callsTo('chat.update', from)).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage', from)).toHaveLength(1);
    // The other platform was told exactly once, with the click's result.
    expect(told.slice(seen).map((u) => [u.by?.platform, u.result.reply.status])).toEqual([
      ['slack', 'succeeded'],
    ]);
  });

  it("notes an expiry found by the sweep in the card's thread", async () => {
    const { requestId, card } = await requestCard('U0ALICE', 'unverify late.com');
    const from = slack.calls.length;
    // Past the rule's 2 s expiry: the sweep wakes, expires the request and waits again.
    await clock.sleeping();
    await clock.advance(2_100);
    await clock.sleeping();
    await settled();
    const notes = slack.callsTo('chat.postMessage', from);
    expect(notes.map((c) => c.args.thread_ts)).toEqual([card.ts]);
    expect(String(notes[0]?.args.text)).toContain(`Request ${requestId}`);
    expect(String(notes[0]?.args.text)).toContain('expired without enough approvals');
  });
});
