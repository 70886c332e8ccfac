import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../../adapters/webex-identity/sandbox.ts';
import { slackConversation } from '../../../src/platforms/slack/post.ts';
import type { Runtime } from '../../../src/runtime.ts';
import { type SlackFake, startSlackFake } from '../../fakes/slack-api.ts';
import { createGate } from '../../helpers/gate.ts';
import {
  BOT_TOKEN,
  buttons,
  click,
  clickPayload,
  deliver,
  eventCallback,
  json,
  ORG,
  SIGNING_SECRET,
  sign,
  slackConfig,
  slashCommand,
  startSlackRuntime,
  USERS,
  vendorActions,
} from './helpers.ts';

let webex: WebexFake;
let slack: SlackFake;
let runtime: Runtime;

beforeAll(async () => {
  webex = await startWebexFake({
    orgs: {
      [ORG]: { claimed: ['abc.com', 'def.com', 'ghi.com', 'slow.com', 'dm.com', 'retry.com', 'nobot.com'] },
    },
  });
  slack = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
  runtime = await startSlackRuntime(slackConfig(webex, slack, 'http'));
});

afterAll(async () => {
  await runtime?.stop();
  await Promise.all([slack?.close(), webex?.close()]);
});

/** Sends `/domainops <text>` as `user` and returns the approval card Slack received. */
async function requestCard(user: string, text: string) {
  const from = slack.calls.length;
  const res = await deliver(runtime.url, slashCommand(slack, user, text));
  expect(res.status).toBe(200);
  const posted = await slack.waitFor('chat.postMessage', {
    from,
    match: (c) => c.args.thread_ts === undefined,
  });
  const [approve] = buttons(posted.args.blocks);
  expect(approve?.action_id).toBe('domainops_approve');
  const requestId = approve!.value;
  // The card's place is stored with the request once Slack answered the post: when the command has finished.
  expect(await runtime.chat.drain(5000)).toBe(true);
  return { posted, requestId };
}

async function cardOf(requestId: string) {
  const where = slackConversation(await runtime.app.workflow().get(requestId));
  expect(where).toBeDefined();
  return where!;
}

describe('Slack HTTP mode on the shared server', () => {
  it('answers url_verification with the challenge', async () => {
    const res = await deliver(
      runtime.url,
      json({ type: 'url_verification', challenge: 'c-123', token: 't' }),
    );
    expect(res.status).toBe(200);
    expect(res.text).toContain('c-123');
  });

  it('posts an approval card with Approve/Deny buttons for a slash command', async () => {
    const from = slack.calls.length;
    const res = await deliver(runtime.url, slashCommand(slack, 'U0ALICE', 'unclaim abc.com in webex-prod'));
    expect(res.status).toBe(200);
    expect(res.text).toContain('Working on');
    const posted = await slack.waitFor('chat.postMessage', { from });
    expect(posted.token).toBe(BOT_TOKEN);
    expect(posted.args.channel).toBe('C0OPS');
    expect(String(posted.args.text)).not.toBe('');
    const found = buttons(posted.args.blocks);
    expect(found.map((b) => b.action_id)).toEqual(['domainops_approve', 'domainops_deny']);
    const requestId = found[0]!.value;
    expect(found[1]!.value).toBe(requestId);
    expect(JSON.stringify(posted.args.blocks)).toContain('abc.com');
    // The card's place is stored once Slack answered the post: wait for the command to finish.
    expect(await runtime.chat.drain(5000)).toBe(true);
    const record = await runtime.app.workflow().get(requestId);
    expect(record?.status).toBe('pending');
    expect(record?.requester).toMatchObject({ platform: 'slack', id: 'U0ALICE', email: 'alice@corp.com' });
    const where = await cardOf(requestId);
    expect(where).toEqual({ platform: 'slack', channel: 'C0OPS', ts: posted.response?.ts });
    expect(vendorActions(webex)).toBe(0);
  });

  it("refuses the requester's own click with an ephemeral answer and changes nothing", async () => {
    const { requestId } = await requestCard('U0ALICE', 'unclaim def.com');
    const card = await cardOf(requestId);
    const before = vendorActions(webex);
    const from = slack.calls.length;
    const res = await deliver(runtime.url, click(clickPayload(slack, 'U0ALICE', 'approve', requestId, card)));
    expect(res.status).toBe(200);
    const ephemeral = await slack.waitFor('chat.postEphemeral', { from });
    expect(ephemeral.args).toMatchObject({ channel: card.channel, user: 'U0ALICE' });
    expect(slack.callsTo('chat.update', from)).toHaveLength(0);
    expect(vendorActions(webex)).toBe(before);
    expect((await runtime.app.workflow().get(requestId))?.status).toBe('pending');
  });

  it("a second admin's click updates the card in place and calls the vendor exactly once", async () => {
    const { requestId } = await requestCard('U0ALICE', 'unclaim ghi.com');
    const card = await cardOf(requestId);
    const before = vendorActions(webex);
    const from = slack.calls.length;
    const res = await deliver(runtime.url, click(clickPayload(slack, 'U0BOB', 'approve', requestId, card)));
    expect(res.status).toBe(200);
    const updated = await slack.waitFor('chat.update', { from });
    expect(updated.args).toMatchObject({ channel: card.channel, ts: card.ts });
    expect(buttons(updated.args.blocks)).toHaveLength(0);
    const note = await slack.waitFor('chat.postMessage', {
      from,
      match: (c) => c.args.thread_ts === card.ts,
    });
    expect(String(note.args.text)).toContain('<@U0BOB> approved');
    expect(vendorActions(webex)).toBe(before + 1);
    expect((await runtime.app.workflow().get(requestId))?.status).toBe('succeeded');

    // The same button clicked again: an ephemeral "no longer open", no second vendor call.
    const again = slack.calls.length;
    await deliver(runtime.url, click(clickPayload(slack, 'U0BOB', 'approve', requestId, card)));
    const refused = await slack.waitFor('chat.postEphemeral', { from: again });
    expect(refused.args.user).toBe('U0BOB');
    expect(slack.callsTo('chat.update', again)).toHaveLength(0);
    expect(vendorActions(webex)).toBe(before + 1);
  });

  it('rejects a bad signature with 401 and processes nothing', async () => {
    const from = slack.calls.length;
    const pending = (await runtime.app.workflow().pending()).length;
    const delivery = slashCommand(slack, 'U0ALICE', 'unclaim abc.com');
    const ts = Math.floor(Date.now() / 1000);
    const res = await deliver(runtime.url, delivery, { signature: sign(delivery.body, ts, 'wrong-secret') });
    expect(res.status).toBe(401);
    expect(res.text).not.toContain(SIGNING_SECRET);
    const unsigned = await deliver(runtime.url, delivery, { signature: 'v0=' });
    expect(unsigned.status).toBe(401);
    expect(await runtime.chat.drain(5000)).toBe(true);
    expect(slack.calls.slice(from)).toHaveLength(0);
    expect((await runtime.app.workflow().pending()).length).toBe(pending);
  });

  it('rejects a correctly signed request whose timestamp is more than 5 minutes old', async () => {
    const from = slack.calls.length;
    const delivery = slashCommand(slack, 'U0ALICE', 'whoami');
    const stale = Math.floor(Date.now() / 1000) - 301;
    const res = await deliver(runtime.url, delivery, { timestamp: stale });
    expect(res.status).toBe(401);
    const future = await deliver(runtime.url, delivery, { timestamp: stale + 602 });
    expect(future.status).toBe(401);
    expect(await runtime.chat.drain(5000)).toBe(true);
    expect(slack.calls.slice(from)).toHaveLength(0);
  });

  it('ignores a retried delivery (X-Slack-Retry-Num) of an event it already has', async () => {
    const mention = eventCallback(slack, {
      type: 'app_mention',
      user: 'U0ALICE',
      text: `<@${slack.botUserId}> unclaim <http://retry.com|retry.com>`,
      channel: 'C0OPS',
    });
    const from = slack.calls.length;
    const pending = (await runtime.app.workflow().pending()).length;
    const first = await deliver(runtime.url, json(mention));
    expect(first.status).toBe(200);
    await slack.waitFor('chat.postMessage', { from });
    const retry = await deliver(runtime.url, json(mention), {
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    expect(await runtime.chat.drain(5000)).toBe(true);
    expect(slack.callsTo('chat.postMessage', from)).toHaveLength(1);
    expect((await runtime.app.workflow().pending()).length).toBe(pending + 1);
  });

  it('takes a DM with an auto-linked domain', async () => {
    const from = slack.calls.length;
    const dm = eventCallback(slack, {
      type: 'message',
      channel_type: 'im',
      channel: 'D0ALICE',
      user: 'U0ALICE',
      text: 'unclaim <http://dm.com|dm.com>',
    });
    expect((await deliver(runtime.url, json(dm))).status).toBe(200);
    const posted = await slack.waitFor('chat.postMessage', { from });
    expect(posted.args.channel).toBe('D0ALICE');
    const requestId = buttons(posted.args.blocks)[0]?.value;
    expect((await runtime.app.workflow().get(requestId ?? ''))?.subject).toBe('dm.com');

    // Bot posts, edits and other subtypes in the DM are not commands.
    const edits = slack.calls.length;
    await deliver(runtime.url, json(eventCallback(slack, { ...dm.event, subtype: 'message_changed' })));
    await deliver(runtime.url, json(eventCallback(slack, { ...dm.event, bot_id: 'B0OTHER' })));
    expect(await runtime.chat.drain(5000)).toBe(true);
    expect(slack.callsTo('chat.postMessage', edits)).toHaveLength(0);
  });

  it('keeps a typed <!channel> for the grammar to reject', async () => {
    const from = slack.calls.length;
    const dm = eventCallback(slack, {
      type: 'message',
      channel_type: 'im',
      channel: 'D0ALICE',
      user: 'U0ALICE',
      text: 'unclaim <!channel>',
    });
    await deliver(runtime.url, json(dm));
    const answer = await slack.waitFor('chat.postEphemeral', { from });
    expect(answer.args.user).toBe('U0ALICE');
    expect(slack.callsTo('chat.postMessage', from)).toHaveLength(0);
  });

  it('refuses a user whose Slack profile has no email, storing nothing', async () => {
    const from = slack.calls.length;
    const pending = (await runtime.app.workflow().pending()).length;
    const res = await deliver(runtime.url, slashCommand(slack, 'U0NOMAIL', 'unclaim abc.com'));
    expect(res.status).toBe(200);
    const answer = await slack.waitFor('chat.postEphemeral', { from });
    expect(answer.args).toMatchObject({ user: 'U0NOMAIL', channel: 'C0OPS' });
    expect(String(answer.args.text)).toContain('Slack profile email');
    expect(slack.callsTo('chat.postMessage', from)).toHaveLength(0);
    expect((await runtime.app.workflow().pending()).length).toBe(pending);
  });

  it('answers through the response_url where the bot is not a member', async () => {
    slack.outsideChannels.add('C0NOBOT');
    const from = slack.calls.length;
    await deliver(runtime.url, slashCommand(slack, 'U0ALICE', 'unclaim nobot.com', 'C0NOBOT'));
    const responded = await slack.waitFor('respond', { from });
    expect(responded.args.response_type).toBe('in_channel');
    const requestId = buttons(responded.args.blocks)[0]?.value ?? '';
    expect((await runtime.app.workflow().get(requestId))?.status).toBe('pending');

    // Bob's click on that card: chat.update is refused there, so the click's response_url replaces it.
    const clickFrom = slack.calls.length;
    const card = { channel: 'C0NOBOT', ts: '1700000000.999999' };
    await deliver(runtime.url, click(clickPayload(slack, 'U0BOB', 'approve', requestId, card)));
    const replaced = await slack.waitFor('respond', { from: clickFrom });
    expect(replaced.args.replace_original).toBe(true);
    expect(buttons(replaced.args.blocks)).toHaveLength(0);
    expect((await runtime.app.workflow().get(requestId))?.status).toBe('succeeded');
  });

  it('acks a click at once while the vendor is still working', async () => {
    const { requestId } = await requestCard('U0ALICE', 'unclaim slow.com');
    const card = await cardOf(requestId);
    // The vendor holds its answer until the test opens the gate.
    const vendor = createGate();
    webex.fault({ kind: 'hold', until: vendor.wait }, { method: 'POST', path: /\/actions\// });
    const before = vendorActions(webex);
    const from = slack.calls.length;
    try {
      const res = await deliver(runtime.url, click(clickPayload(slack, 'U0BOB', 'approve', requestId, card)));
      expect(res.status).toBe(200);
      await vendor.reached;
      expect(slack.callsTo('chat.update', from)).toHaveLength(0);
    } finally {
      vendor.open();
    }
    const updated = await slack.waitFor('chat.update', { from });
    expect(updated.args.ts).toBe(card.ts);
    await slack.waitFor('chat.postMessage', { from, match: (c) => c.args.thread_ts === card.ts });
    expect(vendorActions(webex)).toBe(before + 1);
  });

  it('reports ready on /readyz', async () => {
    const ready = await fetch(`${runtime.url}/readyz`);
    expect(((await ready.json()) as { checks: Record<string, boolean> }).checks.slack).toBe(true);
  });
});
