/**
 * A rule's `notify`: which entries the config loader takes (each platform module judges its own
 * `<platform>:<id>`), and what the entries stand for when a card is sent (groups expanded, each
 * place or person once, never the requester).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/core/errors.ts';
import type { Actor } from '../../../src/core/policy/actor.ts';
import { describeTarget, notifyIssues, notifyTargets } from '../../../src/core/policy/notify.ts';

const FILE = '/etc/domainops/domainops.yaml';
const ROOM = Buffer.from('ciscospark://us/ROOM/bbceb1ad-43f1-3b58-9147-f14bb0c4d154').toString('base64');
const PERSON = Buffer.from('ciscospark://us/PEOPLE/5a3b1c2d-1111-2222-3333-444455556666').toString('base64');
const MESSAGE = Buffer.from('ciscospark://us/MESSAGE/5a3b1c2d-1111-2222-3333-444455556666').toString(
  'base64',
);

/** A config whose second rule notifies `notify` (YAML flow sequence items), with or without chat platforms. */
function config(notify: string, chat = '') {
  return `
targets:
  webex-prod:
    vendor: webex
    orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com, "slack:U0DAVE"]
  rules:
    - actions: [help]
      requesters: [admins]
      approval: none
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins] }
      notify: [${notify}]
${chat}`;
}

function issuesOf(text: string): { path: string; message: string }[] {
  try {
    parseConfig(text, FILE, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  return [];
}

describe('notify in domainops.yaml', () => {
  it('takes channels, #names, user ids, spaces, people, emails and groups', () => {
    const entries = [
      'slack:C0APPROVALS',
      'slack:G0PRIVATE',
      'slack:D0DIRECT',
      '"slack:#identity-approvals"',
      'slack:U0BOB',
      `webex:${ROOM}`,
      `webex:${PERSON}`,
      'bob@corp.com',
      'admins',
    ];
    const parsed = parseConfig(config(entries.join(', ')), FILE, {});
    expect(parsed.policy.rules[1]?.notify).toEqual(entries.map((e) => e.replaceAll('"', '')));
    expect(parsed.policy.rules[0]?.notify).toBeUndefined();
  });

  it.each([
    [
      '"#approvals"',
      /"#approvals" is not an email, a group defined in policy.groups or <platform>:<id>.*e\.g\. \w+:#approvals/,
    ],
    ['approvers', /"approvers" is not an email, a group defined in policy.groups/],
    [
      'teams:19abc',
      /"teams:19abc" names no chat platform \(destinations are (webex:…, slack:…|slack:…, webex:…)\)/,
    ],
    ['local:alice', /the local platform takes no notify destinations of its own/],
    ['slack:approvals', /the slack id is not a channel id \(C…, G…, D…\), a #channel-name or a user id/],
    ['"slack:#Approvals"', /the slack id is not a channel name/],
    ['"slack:"', /the slack id is empty/],
    ['"webex:not a room"', /the webex id is not a Webex id/],
    [`webex:${MESSAGE}`, /the webex id is the id of a message, not of a space/],
  ])('refuses %s, naming the entry', (entry, message) => {
    expect(issuesOf(config(`bob@corp.com, ${entry}`))).toEqual([
      { path: 'policy.rules[1].notify[1]', message: expect.stringMatching(message) },
    ]);
  });

  // Webex ids are base64 of `ciscospark://<region>/<KIND>/<uuid>`; Slack ids are a letter and
  // upper-case letters and digits. Checked whether or not the platform is configured.
  const b64 = (text: string): string => Buffer.from(text).toString('base64url');
  const WEBEX_CHAT = '\nchat:\n  webex: { botToken: env:WEBEX_BOT_TOKEN }';
  const SLACK_CHAT = '\nchat:\n  slack: { botToken: env:SLACK_BOT_TOKEN, signingSecret: env:SLACK_SIGNING }';
  it.each([
    ['webex:abc', 'webex'],
    ['webex:Y2lzY29zcGFyazovL3VzL1JPT00v', 'webex'],
    [`webex:${b64('ciscospark://us/ROOM/not-a-uuid')}`, 'webex'],
    [`webex:${b64('ciscospark://us/PEOPLE/')}`, 'webex'],
    [`webex:${b64('ciscospark:///ROOM/bbceb1ad-43f1-3b58-9147-f14bb0c4d154')}`, 'webex'],
    [`webex:${b64('hello world')}`, 'webex'],
    [`webex:${b64('https://us/ROOM/bbceb1ad-43f1-3b58-9147-f14bb0c4d154')}`, 'webex'],
  ])(
    'refuses the malformed Webex id %s, configured or not, saying what a room or person id looks like',
    (entry) => {
      for (const chat of ['', WEBEX_CHAT]) {
        let issues: { path: string; message: string }[] = [];
        try {
          parseConfig(config(`bob@corp.com, ${entry}`, chat), FILE, { WEBEX_BOT_TOKEN: 'token-0123456789' });
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          issues = [...(error as ConfigError).issues];
        }
        expect(issues, chat).toEqual([
          {
            path: 'policy.rules[1].notify[1]',
            message: expect.stringContaining(
              `"${entry}": the webex id is not a Webex id: a roomId (a space) or personId (a person) is base64 of ciscospark://<region>/ROOM/<uuid>`,
            ),
          },
        ]);
      }
    },
  );

  it('takes Webex room and person ids of any region, padded or not, standard or URL-safe base64', () => {
    const uuid = 'bbceb1ad-43f1-3b58-9147-f14bb0c4d154';
    const entries = [
      `webex:${Buffer.from(`ciscospark://urn:TEAM:us-east-2_a/ROOM/${uuid}`).toString('base64')}`,
      `webex:${b64(`ciscospark://us/PEOPLE/${uuid.toUpperCase()}`)}`,
      'webex:Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQtNDNmMS0zYjU4LTkxNDctZjE0YmIwYzRkMTU0',
    ];
    const parsed = parseConfig(config(entries.join(', '), WEBEX_CHAT), FILE, {
      WEBEX_BOT_TOKEN: 'token-0123456789',
    });
    expect(parsed.policy.rules[1]?.notify).toEqual(entries);
  });

  it.each([
    'slack:c0approvals',
    'slack:C0approvals',
    'slack:U0bob',
    'slack:X0ABC',
    'slack:C',
    'slack:C0-ABC',
  ])('refuses the malformed Slack id %s, configured or not', (entry) => {
    for (const chat of ['', SLACK_CHAT]) {
      let issues: { path: string; message: string }[] = [];
      try {
        parseConfig(config(`bob@corp.com, ${entry}`, chat), FILE, {
          SLACK_BOT_TOKEN: 'xoxb-1',
          SLACK_SIGNING: 's',
        });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        issues = [...(error as ConfigError).issues];
      }
      expect(issues, chat).toEqual([
        {
          path: 'policy.rules[1].notify[1]',
          message: expect.stringContaining(
            `"${entry}": the slack id is not a channel id (C…, G…, D…), a #channel-name or a user id (U…, W…): an id is its letter and upper-case letters and digits`,
          ),
        },
      ]);
    }
  });

  it('refuses an empty list and an empty entry', () => {
    expect(issuesOf(config('')).map((i) => i.path)).toEqual(['policy.rules[1].notify']);
    expect(issuesOf(config('""')).map((i) => i.path)).toEqual(['policy.rules[1].notify[0]']);
  });

  it('takes a destination of a platform that is not configured (check-config warns about it)', () => {
    const parsed = parseConfig(config(`webex:${ROOM}`), FILE, {});
    expect(Object.keys(parsed.chat)).toEqual([]);
    expect(parsed.policy.rules[1]?.notify).toEqual([`webex:${ROOM}`]);
  });
});

describe('the places and people a notify list stands for', () => {
  const groups = { admins: ['alice@corp.com', 'Bob@corp.com', 'slack:U0DAVE'], ops: ['bob@corp.com'] };
  const rule = (notify: string[]) => ({
    name: 'r',
    index: 0,
    actions: ['unclaim'],
    requesters: ['admins'],
    approval: { kind: 'required' as const, approvers: ['admins'], count: 1, expires: 60_000 },
    notify,
  });
  const alice: Actor = { platform: 'slack', id: 'U0ALICE', email: 'alice@corp.com' };

  it('expands groups, names each place or person once, and leaves the requester out', () => {
    const targets = notifyTargets(
      { groups, rules: [] },
      rule(['slack:C0OPS', 'admins', 'ops', 'BOB@corp.com', 'slack:C0OPS', 'alice@corp.com']),
      alice,
    );
    expect(targets).toEqual([
      { kind: 'id', platform: 'slack', id: 'C0OPS', entry: 'slack:C0OPS' },
      { kind: 'email', email: 'bob@corp.com', entry: 'Bob@corp.com', group: 'admins' },
      { kind: 'id', platform: 'slack', id: 'U0DAVE', entry: 'slack:U0DAVE', group: 'admins' },
    ]);
    expect(targets.map(describeTarget)).toEqual([
      'slack:C0OPS',
      'Bob@corp.com (admins)',
      'slack:U0DAVE (admins)',
    ]);
  });

  it('leaves out the requester named by their platform id', () => {
    const dave: Actor = { platform: 'slack', id: 'U0DAVE' };
    expect(notifyTargets({ groups, rules: [] }, rule(['admins']), dave).map((t) => t.entry)).toEqual([
      'alice@corp.com',
      'Bob@corp.com',
    ]);
  });

  it('is nothing for a rule without notify', () => {
    const { notify: _notify, ...plain } = rule([]);
    expect(notifyTargets({ groups, rules: [] }, plain, alice)).toEqual([]);
  });

  it('is checked against the platforms given, whatever their names', () => {
    const issues = notifyIssues(['chat:room-1', 'chat:bad', 'other:x'], {}, [
      { name: 'chat', destination: (id) => (id.startsWith('room-') ? undefined : 'is not a room') },
    ]);
    expect(issues).toEqual([
      { index: 1, message: '"chat:bad": the chat id is not a room' },
      { index: 2, message: '"other:x" names no chat platform (destinations are chat:…)' },
    ]);
  });
});
