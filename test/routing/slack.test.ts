/**
 * Routing in Slack: a rule's notify destinations get a copy of the card (a channel by #name or id,
 * a direct message to each person of a group), every copy follows every change, Approve works
 * from any copy (once), and the requester is told where they asked. A destination that fails is
 * logged and shown to the requester, and never holds the request up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Runtime } from '../../src/runtime.ts';
import { type SlackCall, type SlackFake, startSlackFake } from '../fakes/slack-api.ts';
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
  startSlackRuntime,
  vendorActions,
} from '../platforms/slack/helpers.ts';

const USERS = [
  { id: 'U0ALICE', name: 'alice', email: 'alice@corp.com' },
  { id: 'U0BOB', name: 'bob', email: 'bob@corp.com' },
  { id: 'U0DAVE', name: 'dave', email: 'dave@corp.com' },
];

let webex: WebexFake;
let slack: SlackFake;
let runtime: Runtime;
const logs: string[] = [];

beforeAll(async () => {
  webex = await startWebexFake({
    orgs: {
      [ORG]: {
        claimed: ['abc.com', 'other.com', 'again.com'],
        verified: ['late.com', 'example.org'],
      },
    },
    publishZones: ['corp.com'],
  });
  slack = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
  slack.addChannel({ id: 'C0APPROVALS', name: 'identity-approvals' });
  slack.addChannel({ id: 'C0OUTSIDE', name: 'outside', isMember: false });
  slack.addChannel({ id: 'G0GONE', name: 'gone', isPrivate: true, isMember: false });
  const config = parseConfig(
    `
store: ":memory:"
server: { host: 127.0.0.1, port: 0 }
http: { retries: 0, timeout: 10s }
targets:
  webex-prod: { vendor: webex, orgId: ${ORG}, apiUrl: ${webex.apiUrl}, auth: { accessToken: env:WEBEX_IDENTITY_TOKEN } }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com, dave@corp.com]
  rules:
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins] }
      notify: ["slack:#identity-approvals"]
    - actions: [unverify]
      requesters: [admins]
      approval: { approvers: [admins] }
      notify: [slack:C0OUTSIDE, slack:G0GONE, "slack:#identity-approvals"]
    - actions: [verify-token]
      requesters: [admins]
      approval: none
      notify: [slack:C0APPROVALS]
    - actions: [claim]
      requesters: [admins]
      approval: { approvers: [admins] }
      notify: [admins, nobody@corp.com]
chat:
  slack: { botToken: env:SLACK_BOT_TOKEN, signingSecret: env:SLACK_SIGNING_SECRET, apiUrl: ${slack.apiUrl} }
`,
    '/tmp/domainops-routing-slack.yaml',
    {
      WEBEX_IDENTITY_TOKEN: webex.issueAccessToken(),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
    },
  );
  runtime = await startSlackRuntime(config, logs);
});

afterAll(async () => {
  await runtime?.stop();
  await Promise.all([slack?.close(), webex?.close()]);
});

/** Waits until nothing is in flight (the command, its copies, the card updates). */
async function settled(): Promise<void> {
  expect(await runtime.chat.drain(5000)).toBe(true);
}

/** `user` writes `text` to the bot in their direct message channel; resolves once everything is posted. */
async function dm(user: string, text: string): Promise<void> {
  const event = { type: 'message', channel_type: 'im', channel: slack.dmOf(user), user, text };
  expect((await deliver(runtime.url, json(eventCallback(slack, event)))).status).toBe(200);
  await settled();
}

/** The top-level cards posted from call `from` on, by channel. */
function cardsSince(from: number): Record<string, SlackCall> {
  const out: Record<string, SlackCall> = {};
  for (const call of slack.callsTo('chat.postMessage', from)) {
    if (call.args.thread_ts === undefined && call.response?.ok) out[String(call.response.channel)] = call;
  }
  return out;
}

const tsOf = (call: SlackCall | undefined): string => String(call?.response?.ts);
const requestOf = (call: SlackCall | undefined): string => buttons(call?.args.blocks)[0]?.value ?? '';

describe('routing in Slack', () => {
  it("a DM request's card reaches the approvers' channel; Approve there runs it once and the requester's DM is told", async () => {
    const from = slack.calls.length;
    await dm('U0ALICE', 'unclaim abc.com');
    const cards = cardsSince(from);
    expect(Object.keys(cards).sort()).toEqual(['C0APPROVALS', 'D0ALICE']);
    // The #name was looked up, so the copy was posted to (and is kept by) the channel id.
    expect(slack.callsTo('conversations.list', from).length).toBeGreaterThan(0);
    expect(cards.C0APPROVALS?.args.channel).toBe('C0APPROVALS');
    const id = requestOf(cards.D0ALICE);
    expect(requestOf(cards.C0APPROVALS)).toBe(id);
    expect(buttons(cards.C0APPROVALS?.args.blocks).map((b) => b.action_id)).toEqual([
      'domainops_approve',
      'domainops_deny',
    ]);
    const record = await runtime.app.workflow().get(id);
    expect(record?.conversation).toEqual({ platform: 'slack', channel: 'D0ALICE', ts: tsOf(cards.D0ALICE) });
    expect(record?.copies).toEqual([
      { platform: 'slack', channel: 'C0APPROVALS', ts: tsOf(cards.C0APPROVALS) },
    ]);
    // Everything reached: nothing to tell alice besides her card.
    expect(slack.callsTo('chat.postMessage', from).filter((c) => c.args.thread_ts !== undefined)).toEqual([]);

    // Bob approves in the approvers' channel.
    const clicked = slack.calls.length;
    const copy = { channel: 'C0APPROVALS', ts: tsOf(cards.C0APPROVALS) };
    const approval = click(clickPayload(slack, 'U0BOB', 'approve', id, copy));
    expect((await deliver(runtime.url, approval)).status).toBe(200);
    await settled();
    expect(vendorActions(webex)).toBe(1);
    expect((await runtime.app.workflow().get(id))?.status).toBe('succeeded');
    // Both cards follow, in place, without buttons.
    const updates = slack.callsTo('chat.update', clicked);
    expect(updates.map((c) => [c.args.channel, c.args.ts]).sort()).toEqual(
      [
        ['C0APPROVALS', copy.ts],
        ['D0ALICE', tsOf(cards.D0ALICE)],
      ].sort(),
    );
    for (const update of updates) {
      expect(buttons(update.args.blocks)).toEqual([]);
      expect(String(update.args.text)).toContain('abc.com');
    }
    // Alice is told in her DM, in the thread of her request's card; the channel in its copy's thread.
    const notes = slack.callsTo('chat.postMessage', clicked);
    expect(notes.map((c) => [c.args.channel, c.args.thread_ts]).sort()).toEqual(
      [
        ['C0APPROVALS', copy.ts],
        ['D0ALICE', tsOf(cards.D0ALICE)],
      ].sort(),
    );
    for (const note of notes) expect(String(note.args.text)).toMatch(/^<@U0BOB> approved: /);

    // The same click again, and Dave's click on alice's card: nothing runs again.
    const later = slack.calls.length;
    await deliver(runtime.url, approval);
    await deliver(
      runtime.url,
      click(clickPayload(slack, 'U0DAVE', 'approve', id, { channel: 'D0ALICE', ts: tsOf(cards.D0ALICE) })),
    );
    await settled();
    expect(vendorActions(webex)).toBe(1);
    expect(slack.callsTo('chat.update', later)).toEqual([]);
    expect(slack.callsTo('chat.postMessage', later)).toEqual([]);
    const refused = slack.callsTo('chat.postEphemeral', later);
    expect(refused.map((c) => c.args.user)).toEqual(['U0DAVE']);
    expect(JSON.stringify(refused[0]?.args)).toMatch(/no longer open/);
  });

  it('posts no second card into the channel the request was typed in', async () => {
    const from = slack.calls.length;
    const mention = eventCallback(slack, {
      type: 'app_mention',
      user: 'U0BOB',
      channel: 'C0APPROVALS',
      text: `<@${slack.botUserId}> unclaim other.com`,
    });
    expect((await deliver(runtime.url, json(mention))).status).toBe(200);
    await settled();
    const posted = slack.callsTo('chat.postMessage', from);
    expect(posted.map((c) => c.args.channel)).toEqual(['C0APPROVALS']);
    const id = requestOf(posted[0]);
    expect((await runtime.app.workflow().get(id))?.copies).toEqual([]);
  });

  it('tells the requester which destinations failed, logs them, and the request goes on', async () => {
    const from = slack.calls.length;
    await dm('U0ALICE', 'unverify late.com');
    const cards = cardsSince(from);
    expect(Object.keys(cards).sort()).toEqual(['C0APPROVALS', 'D0ALICE']);
    const id = requestOf(cards.D0ALICE);
    expect((await runtime.app.workflow().get(id))?.status).toBe('pending');
    // The note, in the thread of alice's card.
    const notes = slack.callsTo('chat.postMessage', from).filter((c) => c.args.thread_ts !== undefined);
    expect(notes.map((c) => [c.args.channel, c.args.thread_ts])).toEqual([['D0ALICE', tsOf(cards.D0ALICE)]]);
    const text = String(notes[0]?.args.text);
    expect(text).toContain(
      'Could not post the approval card to slack:C0OUTSIDE: not_in_channel (invite the bot to the channel: /invite @domainops).',
    );
    expect(text).toContain('Could not post the approval card to slack:G0GONE: channel_not_found');
    expect(text).toContain('The request waits for its approvals all the same.');
    // Logged with the destination and Slack's code, never the token.
    const warned = logs.filter((l) => l.includes('could not post the request card to a notify destination'));
    expect(warned.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        requestId: id,
        destination: 'slack:C0OUTSIDE',
        platform: 'slack',
        code: 'not_in_channel',
      }),
      expect.objectContaining({
        requestId: id,
        destination: 'slack:G0GONE',
        platform: 'slack',
        code: 'channel_not_found',
      }),
    ]);
    expect(logs.join('\n')).not.toContain(BOT_TOKEN);

    // The copy that was posted works.
    const copy = { channel: 'C0APPROVALS', ts: tsOf(cards.C0APPROVALS) };
    await deliver(runtime.url, click(clickPayload(slack, 'U0DAVE', 'approve', id, copy)));
    await settled();
    expect((await runtime.app.workflow().get(id))?.status).toBe('succeeded');
  });

  it('posts the outcome to the destinations of a rule that needs no approval', async () => {
    const from = slack.calls.length;
    await dm('U0ALICE', 'verify-token shop.corp.com');
    const cards = cardsSince(from);
    expect(Object.keys(cards).sort()).toEqual(['C0APPROVALS', 'D0ALICE']);
    for (const card of Object.values(cards)) {
      expect(buttons(card.args.blocks)).toEqual([]);
      expect(JSON.stringify(card.args.blocks)).toContain('cisco-ci-domain-verification=');
    }
  });

  it("sends a group's people a direct message each (not the requester); any copy decides; every copy follows", async () => {
    const from = slack.calls.length;
    await dm('U0ALICE', 'claim example.org');
    const cards = cardsSince(from);
    expect(Object.keys(cards).sort()).toEqual(['D0ALICE', 'D0BOB', 'D0DAVE']);
    expect(slack.callsTo('users.lookupByEmail', from).map((c) => c.args.email)).toEqual([
      'bob@corp.com',
      'dave@corp.com',
      'nobody@corp.com',
    ]);
    // Nobody in Slack has the last address: alice is told.
    const notes = slack.callsTo('chat.postMessage', from).filter((c) => c.args.thread_ts !== undefined);
    expect(notes.map((c) => c.args.channel)).toEqual(['D0ALICE']);
    expect(String(notes[0]?.args.text)).toContain(
      'Could not post the approval card to nobody@corp.com: not_found (nobody with this email on slack).',
    );

    const id = requestOf(cards.D0ALICE);
    const clicked = slack.calls.length;
    const daves = { channel: 'D0DAVE', ts: tsOf(cards.D0DAVE) };
    await deliver(runtime.url, click(clickPayload(slack, 'U0DAVE', 'deny', id, daves)));
    await settled();
    expect((await runtime.app.workflow().get(id))?.status).toBe('denied');
    expect(
      slack
        .callsTo('chat.update', clicked)
        .map((c) => c.args.channel)
        .sort(),
    ).toEqual(['D0ALICE', 'D0BOB', 'D0DAVE']);
    // Dave sees his decision under his copy; alice under her card; bob's copy just changes.
    expect(
      slack
        .callsTo('chat.postMessage', clicked)
        .map((c) => c.args.channel)
        .sort(),
    ).toEqual(['D0ALICE', 'D0DAVE']);
  });
});
