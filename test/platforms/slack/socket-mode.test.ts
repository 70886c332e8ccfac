import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../../adapters/webex-identity/sandbox.ts';
import { slackConversation } from '../../../src/platforms/slack/post.ts';
import type { Runtime } from '../../../src/runtime.ts';
import { type SlackFake, startSlackFake } from '../../fakes/slack-api.ts';
import {
  APP_TOKEN,
  BOT_TOKEN,
  buttons,
  clickPayload,
  eventCallback,
  ORG,
  SIGNING_SECRET,
  slackConfig,
  slashCommand,
  startSlackRuntime,
  USERS,
  vendorActions,
} from './helpers.ts';

let webex: WebexFake;
let slack: SlackFake;
let runtime: Runtime;
const logLines: string[] = [];

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['abc.com', 'def.com'] } } });
  slack = await startSlackFake({ botToken: BOT_TOKEN, appToken: APP_TOKEN, users: USERS });
  runtime = await startSlackRuntime(slackConfig(webex, slack, 'socket'), logLines);
});

afterAll(async () => {
  await runtime?.stop();
  await Promise.all([slack?.close(), webex?.close()]);
});

/** A slash command's form fields as the object Socket Mode carries in `payload`. */
function commandPayload(user: string, text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(slashCommand(slack, user, text).body));
}

describe('Slack Socket Mode', () => {
  it('connects through apps.connections.open with the app token, and serves no HTTP route', async () => {
    const open = slack.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]!.token).toBe(APP_TOKEN);
    expect(slack.socket.connections()).toBe(1);
    expect((await fetch(`${runtime.url}/slack/events`, { method: 'POST' })).status).toBe(404);
    const ready = (await (await fetch(`${runtime.url}/readyz`)).json()) as {
      checks: Record<string, boolean>;
    };
    expect(ready.checks.slack).toBe(true);
  });

  it('acks a slash command envelope, posts the card, and a second admin click decides it', async () => {
    const from = slack.calls.length;
    const ack = await slack.socket.send({
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: commandPayload('U0ALICE', 'unclaim abc.com'),
    });
    expect(ack.elapsedMs).toBeLessThan(1000);
    expect(JSON.stringify(ack.payload)).toContain('Working on');
    const posted = await slack.waitFor('chat.postMessage', { from });
    const requestId = buttons(posted.args.blocks)[0]?.value ?? '';
    expect(requestId).toMatch(/^r-/);
    // The card's place is stored once Slack answered the post: when the command has finished.
    expect(await runtime.chat.drain(5000)).toBe(true);
    const card = slackConversation(await runtime.app.workflow().get(requestId));
    expect(card).toEqual({ platform: 'slack', channel: 'C0OPS', ts: posted.response?.ts });

    const before = vendorActions(webex);
    const clickFrom = slack.calls.length;
    const clicked = await slack.socket.send({
      type: 'interactive',
      accepts_response_payload: false,
      payload: clickPayload(slack, 'U0BOB', 'approve', requestId, card!),
    });
    expect(slack.socket.acks.some((a) => a.envelope_id === clicked.envelope_id)).toBe(true);
    const updated = await slack.waitFor('chat.update', { from: clickFrom });
    expect(updated.args).toMatchObject({ channel: 'C0OPS', ts: card!.ts });
    expect(buttons(updated.args.blocks)).toHaveLength(0);
    await slack.waitFor('chat.postMessage', { from: clickFrom, match: (c) => c.args.thread_ts === card!.ts });
    expect(vendorActions(webex)).toBe(before + 1);
  });

  it('answers a retried events_api envelope once', async () => {
    const from = slack.calls.length;
    const mention = eventCallback(slack, {
      type: 'app_mention',
      user: 'U0ALICE',
      text: `<@${slack.botUserId}> unclaim def.com`,
      channel: 'C0OPS',
    });
    await slack.socket.send({ type: 'events_api', payload: mention, retry_attempt: 0, retry_reason: '' });
    await slack.waitFor('chat.postMessage', { from });
    await slack.socket.send({
      type: 'events_api',
      payload: mention,
      retry_attempt: 1,
      retry_reason: 'timeout',
    });
    expect(await runtime.chat.drain(5000)).toBe(true);
    expect(slack.callsTo('chat.postMessage', from)).toHaveLength(1);
  });

  it('never logs the tokens, even at debug level', () => {
    expect(logLines.length).toBeGreaterThan(0);
    const all = logLines.join('\n');
    for (const secret of [BOT_TOKEN, APP_TOKEN, SIGNING_SECRET]) expect(all).not.toContain(secret);
  });
});
