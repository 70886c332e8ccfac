/**
 * `domainops check-config` and notify destinations: each `slack:`/`webex:` destination of a
 * configured platform is asked about (Slack `conversations.info`, a #name through
 * `conversations.list`, a user through `users.info`; Webex `GET /rooms/{id}`), against the local
 * fakes. One that cannot be posted to fails the check, and so does a bot token the platform
 * refuses; a platform that cannot be reached (no connection, 5xx), or one that is not configured,
 * is a note; the bot tokens are never printed.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/cli/check-config.ts';
import { parseConfig } from '../../src/config/load.ts';
import { type SlackFake, startSlackFake } from '../fakes/slack-api.ts';
import { startWebexApiFake, type WebexApiFake, webexId } from '../fakes/webex-api.ts';

const SLACK_TOKEN = 'xoxb-check-config-token-never-printed';
const WEBEX_TOKEN = 'webex-bot-token-never-printed-0123456789';
/** A token the Slack fake does not know: it answers invalid_auth, as Slack does. */
const WRONG_TOKEN = 'xoxb-some-other-token-never-printed';

let slack: SlackFake;
let api: WebexApiFake;
let space: string;
const GONE = webexId('ROOM');

beforeAll(async () => {
  slack = await startSlackFake({
    botToken: SLACK_TOKEN,
    users: [{ id: 'U0BOB', name: 'bob', email: 'bob@corp.com' }],
  });
  slack.addChannel({ id: 'C0APPROVALS', name: 'identity-approvals' });
  slack.addChannel({ id: 'C0OUTSIDE', name: 'outside', isMember: false });
  slack.addChannel({ id: 'G0GONE', name: 'gone', isPrivate: true, isMember: false });
  api = await startWebexApiFake();
  space = api.addRoom('group', [api.addPerson('bob@corp.com', 'Bob')], 'Identity approvals').id;
});

afterAll(async () => {
  await Promise.all([slack?.close(), api?.close()]);
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function config(notify: string[], chat: string) {
  return parseConfig(
    `
store: ":memory:"
targets:
  webex-prod:
    vendor: webex
    orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups: { admins: [alice@corp.com, bob@corp.com] }
  rules:
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins] }
      notify: ${JSON.stringify(notify)}
chat:${chat}
`,
    '/tmp/domainops-check-notify.yaml',
    {
      WEBEX_IDENTITY_TOKEN: 'identity-token-xxxx',
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      WEBEX_BOT_TOKEN: WEBEX_TOKEN,
      WRONG_BOT_TOKEN: WRONG_TOKEN,
    },
  );
}

describe('check-config and notify destinations', () => {
  it('says which destinations can be posted to, and fails for those that cannot', async () => {
    const report = await checkConfig(
      config(
        [
          'slack:C0APPROVALS',
          'slack:#identity-approvals',
          'slack:C0OUTSIDE',
          'slack:G0GONE',
          'slack:#nowhere',
          'slack:U0BOB',
          `webex:${space}`,
          `webex:${GONE}`,
          'admins',
        ],
        `
  slack: { botToken: env:SLACK_BOT_TOKEN, signingSecret: env:SLACK_BOT_TOKEN, apiUrl: ${slack.apiUrl} }
  webex: { botToken: env:WEBEX_BOT_TOKEN, apiUrl: ${api.apiUrl} }`,
      ),
    );
    expect(report.ok).toBe(false);
    const section = report.text.split('\nnotify:\n')[1]!.split('\n\n')[0]!.split('\n');
    expect(section).toEqual([
      '  slack:C0APPROVALS: ok: #identity-approvals (C0APPROVALS), the bot is in it',
      '  slack:#identity-approvals: ok: #identity-approvals (C0APPROVALS), the bot is in it',
      '  slack:C0OUTSIDE: PROBLEM: the bot is not in #outside (C0OUTSIDE): invite the bot to the channel: /invite @domainops',
      '  slack:G0GONE: PROBLEM: channel_not_found: check the channel id or name; a private channel must invite the bot first',
      '  slack:#nowhere: PROBLEM: no channel #nowhere the bot can see: check the channel id or name; a private channel must invite the bot first',
      '  slack:U0BOB: ok: a user (direct message)',
      `  webex:${space}: ok: a space "Identity approvals", the bot is in it`,
      `  webex:${GONE}: PROBLEM: not_found: no such space, or the bot is not in it: add the bot to the space`,
      '  admins: a direct message to each person on webex and slack (people are looked up by email when a card is sent; someone not found there is skipped)',
    ]);
    expect(report.text).toMatch(/also posted to slack:C0APPROVALS, /);
    expect(report.text.trim().split('\n').at(-1)).toBe(
      'FAILED: some notify destinations cannot be posted to (see above)',
    );
    expect(slack.callsTo('conversations.info').map((c) => c.args.channel)).toEqual([
      'C0APPROVALS',
      'C0OUTSIDE',
      'G0GONE',
    ]);
    expect(report.text).not.toContain(SLACK_TOKEN);
    expect(report.text).not.toContain(WEBEX_TOKEN);
  });

  it('notes a platform that does not answer, and one that is not configured, without failing', async () => {
    const port = await closedPort();
    const report = await checkConfig(
      config(
        ['slack:C0APPROVALS', `webex:${space}`],
        `
  slack: { botToken: env:SLACK_BOT_TOKEN, signingSecret: env:SLACK_BOT_TOKEN, apiUrl: http://127.0.0.1:${port}/api }`,
      ),
    );
    expect(report.text).toContain(
      '  slack: not checked: Slack did not answer conversations.info (no connection)',
    );
    expect(report.text).toContain(
      `  note: webex:${space}: chat.webex is not configured, so this destination is skipped`,
    );
    expect(report.ok).toBe(true);
    expect(report.text.trim().split('\n').at(-1)).toBe('OK');
  });

  /** The notify section of a report, one line each. */
  const notifySection = (text: string): string[] =>
    text.split('\nnotify:\n')[1]!.split('\n\n')[0]!.split('\n');
  const slackChat = (token = 'env:SLACK_BOT_TOKEN') =>
    `\n  slack: { botToken: ${token}, signingSecret: env:SLACK_BOT_TOKEN, apiUrl: ${slack.apiUrl} }`;
  const webexChat = () => `\n  webex: { botToken: env:WEBEX_BOT_TOKEN, apiUrl: ${api.apiUrl} }`;

  it('fails when Slack refuses the bot token, saying to check chat.slack.botToken', async () => {
    const report = await checkConfig(
      config(['slack:C0APPROVALS', 'slack:U0BOB'], slackChat('env:WRONG_BOT_TOKEN')),
    );
    expect(notifySection(report.text)).toEqual([
      "  slack: PROBLEM: Slack refused the bot token (invalid_auth): check chat.slack.botToken (the app's Bot User OAuth Token, xoxb-…, of an installed app)",
    ]);
    expect(report.ok).toBe(false);
    expect(report.text.trim().split('\n').at(-1)).toBe(
      'FAILED: some notify destinations cannot be posted to (see above)',
    );
    expect(report.text).not.toContain(WRONG_TOKEN);
  });

  it.each(['not_authed', 'token_revoked', 'account_inactive'])(
    'fails when Slack answers %s for the bot token',
    async (error) => {
      slack.fault(
        {
          kind: 'status',
          status: 200,
          contentType: 'application/json; charset=utf-8',
          body: JSON.stringify({ ok: false, error }),
        },
        { path: '/api/conversations.info' },
      );
      const report = await checkConfig(config(['slack:C0APPROVALS'], slackChat()));
      expect(notifySection(report.text)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^  slack: PROBLEM: Slack refused the bot token \\(${error}\\): check chat\\.slack\\.botToken`,
          ),
        ),
      ]);
      expect(report.ok).toBe(false);
    },
  );

  it('fails when Webex refuses the bot token (401), saying to check chat.webex.botToken', async () => {
    api.fault({ kind: 'status', status: 401 }, { path: /^\/v1\/rooms\// });
    const report = await checkConfig(config([`webex:${space}`, `webex:${GONE}`], webexChat()));
    expect(notifySection(report.text)).toEqual([
      '  webex: PROBLEM: Webex refused the bot token (401): check chat.webex.botToken (the access token of the bot, from developer.webex.com)',
    ]);
    expect(report.ok).toBe(false);
    expect(report.text.trim().split('\n').at(-1)).toBe(
      'FAILED: some notify destinations cannot be posted to (see above)',
    );
    expect(report.text).not.toContain(WEBEX_TOKEN);
  });

  it('notes, without failing, a platform that answers 5xx or cannot be reached', async () => {
    slack.fault({ kind: 'status', status: 503 }, { path: '/api/conversations.info' });
    api.fault({ kind: 'status', status: 502 }, { path: /^\/v1\/rooms\// });
    const report = await checkConfig(
      config(['slack:C0APPROVALS', `webex:${space}`], slackChat() + webexChat()),
    );
    expect(notifySection(report.text)).toEqual([
      '  slack: not checked: Slack answered conversations.info with HTTP 503',
      '  webex: not checked: Webex answered HTTP 502',
    ]);
    expect(report.ok).toBe(true);
    expect(report.text.trim().split('\n').at(-1)).toBe('OK');

    const port = await closedPort();
    const down = await checkConfig(
      config(
        [`webex:${space}`],
        `\n  webex: { botToken: env:WEBEX_BOT_TOKEN, apiUrl: http://127.0.0.1:${port}/v1 }`,
      ),
    );
    expect(notifySection(down.text)).toEqual(['  webex: not checked: Webex did not answer (no connection)']);
    expect(down.ok).toBe(true);
  });
});
