/**
 * Routing across processes sharing one SQLite file: a bot (Slack, against the local fake Slack
 * API) and the command line (a second app on the same file). A decision the command line makes
 * reaches every copy of the card and the requester's own card, told once; a request typed on the
 * command line reaches its rule's destinations through the bot that follows the store. The test
 * waits on what the fake Slack receives, never for a fixed time.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { type App, createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { createSlackPlatform } from '../../src/platforms/slack/index.ts';
import { type Runtime, startRuntime } from '../../src/runtime.ts';
import { createLogger } from '../../src/server/logger.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { tempDir } from '../core/requests/helpers.ts';
import { type SlackCall, type SlackFake, startSlackFake } from '../fakes/slack-api.ts';
import {
  BOT_TOKEN,
  buttons,
  deliver,
  eventCallback,
  json,
  ORG,
  SIGNING_SECRET,
  vendorActions,
} from '../platforms/slack/helpers.ts';

const USERS = [
  { id: 'U0ALICE', name: 'alice', email: 'alice@corp.com' },
  { id: 'U0BOB', name: 'bob', email: 'bob@corp.com' },
  { id: 'U0DAVE', name: 'dave', email: 'dave@corp.com' },
];
const bobOnCli: Actor = { platform: 'cli', id: 'bob@corp.com', email: 'bob@corp.com' };
const aliceOnCli: Actor = { platform: 'cli', id: 'alice@corp.com', email: 'alice@corp.com' };

let webex: WebexFake;
let slack: SlackFake;
let dir: { dir: string; remove: () => void };
let config: Config;
let bot: Runtime;
let cli: App;

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['one.com', 'two.com'] } } });
  slack = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
  slack.addChannel({ id: 'C0APPROVALS', name: 'identity-approvals' });
  dir = tempDir();
  config = parseConfig(
    `
store: ${JSON.stringify(join(dir.dir, 'domainops.db'))}
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
      notify: [slack:C0APPROVALS, dave@corp.com]
chat:
  slack: { botToken: env:SLACK_BOT_TOKEN, signingSecret: env:SLACK_SIGNING_SECRET, apiUrl: ${slack.apiUrl} }
`,
    join(dir.dir, 'domainops.yaml'),
    {
      WEBEX_IDENTITY_TOKEN: webex.issueAccessToken(),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
    },
  );
  bot = await startRuntime({
    config,
    platforms: [createSlackPlatform],
    // Real time: the command line is another process and does not share a test clock.
    followInterval: 20,
    logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  cli = createApp(config, { store: openSqliteStore(config.store.location), commandStyle: 'cli' });
});

afterAll(async () => {
  await cli?.close();
  await bot?.stop();
  await Promise.all([slack?.close(), webex?.close()]);
  dir?.remove();
});

const tsOf = (call: SlackCall | undefined): string => String(call?.response?.ts);

describe('routing across processes', () => {
  it('a decision made with the command line updates every copy and tells the requester, once', async () => {
    const from = slack.calls.length;
    const event = {
      type: 'message',
      channel_type: 'im',
      channel: 'D0ALICE',
      user: 'U0ALICE',
      text: 'unclaim one.com',
    };
    await deliver(bot.url, json(eventCallback(slack, event)));
    expect(await bot.chat.drain(5000)).toBe(true);
    const cards = slack.callsTo('chat.postMessage', from);
    expect(cards.map((c) => c.response?.channel)).toEqual(['D0ALICE', 'C0APPROVALS', 'D0DAVE']);
    const id = buttons(cards[0]?.args.blocks)[0]!.value;

    const decided = slack.calls.length;
    const approved = await cli.approve(id, bobOnCli);
    expect(approved.status).toBe('succeeded');
    expect(vendorActions(webex)).toBe(1);
    // The bot follows the store: each card is updated, and alice is told in her card's thread.
    const note = await slack.waitFor('chat.postMessage', { from: decided });
    expect(note.args).toMatchObject({ channel: 'D0ALICE', thread_ts: tsOf(cards[0]) });
    expect(String(note.args.text)).toMatch(/^bob@corp\.com approved: /);
    expect(await bot.chat.drain(5000)).toBe(true);
    const updates = slack.callsTo('chat.update', decided);
    expect(updates.map((c) => [c.args.channel, c.args.ts]).sort()).toEqual(
      cards.map((c) => [c.response?.channel, tsOf(c)]).sort(),
    );
    for (const update of updates) expect(buttons(update.args.blocks)).toEqual([]);
    expect(slack.callsTo('chat.postMessage', decided)).toHaveLength(1);
  });

  it('a request typed on the command line reaches its destinations through the bot', async () => {
    const from = slack.calls.length;
    const asked = await cli.handle('unclaim two.com', aliceOnCli);
    expect(asked.status).toBe('pending');
    const copy = await slack.waitFor('chat.postMessage', { from, match: (c) => c.args.channel === 'D0DAVE' });
    expect(await bot.chat.drain(5000)).toBe(true);
    const posted = slack.callsTo('chat.postMessage', from);
    expect(posted.map((c) => c.response?.channel)).toEqual(['C0APPROVALS', 'D0DAVE']);
    expect(buttons(copy.args.blocks)[0]?.value).toBe(asked.requestId);
    expect((await cli.workflow().get(asked.requestId!))?.copies).toHaveLength(2);
  });
});
