/**
 * A Slack command that needed no approval has no card: if the process dies during its vendor
 * call, nobody was answered. The channel (and thread) it was typed in is stored with the request,
 * and at the next start, when recovery marks it `unknown`, the card saying so is posted there.
 */
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../../adapters/webex-identity/sandbox.ts';
import { parseConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/types.ts';
import { tempDir } from '../../core/requests/helpers.ts';
import { type SlackFake, startSlackFake } from '../../fakes/slack-api.ts';
import {
  BOT_TOKEN,
  deliver,
  eventCallback,
  json,
  ORG,
  SIGNING_SECRET,
  slashCommand,
  startSlackRuntime,
  USERS,
  vendorActions,
} from './helpers.ts';

const THREAD = '1699999999.000100';
const folder = tempDir();
const store = `${folder.dir}/domainops.db`;
let webex: WebexFake;
let slack: SlackFake;
let config: Config;

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['abc.com', 'def.com', 'ghi.com'] } } });
  slack = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
  config = parseConfig(
    `
store: ${JSON.stringify(store)}
server: { host: 127.0.0.1, port: 0 }
http: { retries: 0, timeout: 10s }
targets:
  webex-prod: { vendor: webex, orgId: ${ORG}, apiUrl: ${webex.apiUrl}, auth: { accessToken: env:WEBEX_IDENTITY_TOKEN } }
policy:
  rules:
    - { actions: [unclaim], requesters: [alice@corp.com], approval: none }
chat:
  slack: { botToken: env:SLACK_BOT_TOKEN, signingSecret: env:SLACK_SIGNING_SECRET, apiUrl: ${slack.apiUrl} }
`,
    `${folder.dir}/domainops.yaml`,
    {
      WEBEX_IDENTITY_TOKEN: webex.issueAccessToken(),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
    },
  );
});

afterAll(async () => {
  await Promise.all([slack?.close(), webex?.close()]);
  folder.remove();
});

/** How many messages the bot posted from call `from` on. */
function answered(from: number): number {
  return slack.callsTo('chat.postMessage', from).length;
}

describe('Slack: recovery at start tells the requester where they asked', () => {
  it('posts the outcome-unknown card in the thread of a mention, and in the channel of a slash command', async () => {
    // The first process: two commands that need no approval, each answered with its result.
    const first = await startSlackRuntime(config);
    let ids: { thread: string; slash: string };
    try {
      const from = slack.calls.length;
      const mention = eventCallback(slack, {
        type: 'app_mention',
        user: 'U0ALICE',
        channel: 'C0OPS',
        thread_ts: THREAD,
        text: `<@${slack.botUserId}> unclaim abc.com`,
      });
      expect((await deliver(first.url, json(mention))).status).toBe(200);
      await slack.waitFor('chat.postMessage', { from });
      expect(
        (await deliver(first.url, slashCommand(slack, 'U0ALICE', 'unclaim def.com', 'C0SLASH'))).status,
      ).toBe(200);
      await slack.waitFor('chat.postMessage', { from, match: (c) => c.args.channel === 'C0SLASH' });
      expect(await first.chat.drain(5000)).toBe(true);
      expect(answered(from)).toBe(2);

      const stored = await first.app.workflow().audit();
      const requestIds = [...new Set(stored.map((e) => e.requestId))];
      expect(requestIds).toHaveLength(2);
      const records = await Promise.all(requestIds.map((id) => first.app.workflow().get(id)));
      const bySubject = Object.fromEntries(
        records.map((r) => [(r!.call as unknown as { domain: string }).domain, r!]),
      );
      // Where each was typed is stored with it (the mention's thread; the slash command's channel).
      expect(bySubject['abc.com']).toMatchObject({
        origin: { platform: 'slack', channel: 'C0OPS', threadTs: THREAD },
      });
      expect(bySubject['def.com']?.origin).toEqual({ platform: 'slack', channel: 'C0SLASH' });
      expect(bySubject['abc.com']?.conversation).toBeUndefined();
      ids = { thread: bySubject['abc.com']!.id, slash: bySubject['def.com']!.id };
    } finally {
      await first.stop();
    }
    // As if the process had died during both vendor calls.
    const raw = new DatabaseSync(store);
    const executing = raw.prepare(
      "UPDATE requests SET status = 'executing', data = json_set(data, '$.status', 'executing') WHERE id = ?",
    );
    executing.run(ids.thread);
    executing.run(ids.slash);
    raw.close();
    const vendorCalls = vendorActions(webex);

    // The next start: recovery marks both unknown and posts each where it was typed.
    const from = slack.calls.length;
    const second = await startSlackRuntime(config);
    try {
      expect(await second.chat.drain(5000)).toBe(true);
      const posted = slack.callsTo('chat.postMessage', from);
      expect(posted).toHaveLength(2);
      const inThread = posted.find((c) => c.args.channel === 'C0OPS');
      const inChannel = posted.find((c) => c.args.channel === 'C0SLASH');
      expect(inThread?.args.thread_ts).toBe(THREAD);
      expect(inChannel).toBeDefined();
      expect(inChannel?.args.thread_ts).toBeUndefined();
      for (const [call, id] of [
        [inThread, ids.thread],
        [inChannel, ids.slash],
      ] as const) {
        expect(call?.token).toBe(BOT_TOKEN);
        const blocks = JSON.stringify(call?.args.blocks);
        expect(blocks).toContain(id);
        expect(`${call?.args.text} ${blocks}`).toMatch(/outcome (is )?unknown/i);
        expect(await second.app.workflow().get(id)).toMatchObject({
          status: 'unknown',
          error: { code: 'interrupted' },
        });
      }
      // Recovery never runs them again.
      expect(vendorActions(webex)).toBe(vendorCalls);
    } finally {
      await second.stop();
    }
  });

  it('logs, and posts nothing else, when the bot may not post where the command was typed', async () => {
    const first = await startSlackRuntime(config);
    let id: string;
    try {
      const from = slack.calls.length;
      expect(
        (await deliver(first.url, slashCommand(slack, 'U0ALICE', 'unclaim ghi.com', 'C0GONE'))).status,
      ).toBe(200);
      await slack.waitFor('chat.postMessage', { from, match: (c) => c.args.channel === 'C0GONE' });
      expect(await first.chat.drain(5000)).toBe(true);
      const audit = await first.app.workflow().audit();
      id = audit.at(-1)!.requestId;
      expect(await first.app.workflow().get(id)).toMatchObject({ origin: { channel: 'C0GONE' } });
    } finally {
      await first.stop();
    }
    const raw = new DatabaseSync(store);
    raw
      .prepare(
        "UPDATE requests SET status = 'executing', data = json_set(data, '$.status', 'executing') WHERE id = ?",
      )
      .run(id);
    raw.close();
    // The bot was removed from the channel meanwhile.
    slack.outsideChannels.add('C0GONE');
    const from = slack.calls.length;
    const logged: string[] = [];
    const second = await startSlackRuntime(config, logged);
    try {
      expect(await second.chat.drain(5000)).toBe(true);
      expect(slack.callsTo('chat.postMessage', from).map((c) => c.response?.error)).toEqual([
        'not_in_channel',
      ]);
      const warning = logged
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'could not post the request where it was typed');
      expect(warning).toMatchObject({ slackError: 'not_in_channel', channel: 'C0GONE', requestId: id });
      expect(logged.join('\n')).not.toContain(BOT_TOKEN);
    } finally {
      await second.stop();
      slack.outsideChannels.delete('C0GONE');
    }
  });
});
