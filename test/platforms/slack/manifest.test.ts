import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const SCOPES = [
  'commands',
  'chat:write',
  'users:read',
  'users:read.email',
  'app_mentions:read',
  'im:history',
  'im:read',
  'im:write',
  // Notify destinations: a `#name` is looked up (conversations.list), and check-config asks
  // conversations.info about each channel.
  'channels:read',
  'groups:read',
];
const URL_PATTERN = /^https?:\/\//;

// biome-ignore lint/suspicious/noExplicitAny: a parsed YAML document, checked field by field
function load(name: string): any {
  return parse(readFileSync(join(import.meta.dirname, '../../../manifest', name), 'utf8'));
}

/** The parts of slackapi/manifest-schema (v1, draft-07) these manifests use: keys, lengths, patterns. */
// biome-ignore lint/suspicious/noExplicitAny: see load()
function expectSchemaValid(m: any): void {
  const keys = (o: object) => Object.keys(o);
  expect(
    keys(m).every((k) =>
      ['_metadata', 'display_information', 'features', 'oauth_config', 'settings'].includes(k),
    ),
  ).toBe(true);
  expect(m.display_information.name.length).toBeGreaterThanOrEqual(1);
  expect(m.display_information.name.length).toBeLessThanOrEqual(35);
  expect(m.display_information.description.length).toBeLessThanOrEqual(140);
  expect(m.display_information.background_color).toMatch(/^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/);
  expect(keys(m.features).every((k) => ['app_home', 'bot_user', 'slash_commands'].includes(k))).toBe(true);
  expect(m.features.bot_user.display_name.length).toBeLessThanOrEqual(80);
  for (const c of m.features.slash_commands) {
    expect(
      keys(c).every((k) => ['command', 'url', 'description', 'usage_hint', 'should_escape'].includes(k)),
    ).toBe(true);
    expect(c.command).toMatch(/^\/.{1,31}$/);
    expect(c.description.length).toBeGreaterThanOrEqual(1);
    if (c.url !== undefined) expect(c.url).toMatch(URL_PATTERN);
  }
  expect(keys(m.oauth_config)).toEqual(['scopes']);
  expect(
    keys(m.settings).every((k) =>
      [
        'event_subscriptions',
        'interactivity',
        'org_deploy_enabled',
        'socket_mode_enabled',
        'token_rotation_enabled',
      ].includes(k),
    ),
  ).toBe(true);
  expect(typeof m.settings.interactivity.is_enabled).toBe('boolean');
  expect(new Set(m.settings.event_subscriptions.bot_events).size).toBe(
    m.settings.event_subscriptions.bot_events.length,
  );
}

describe.each([
  ['slack-app.yaml', true],
  ['slack-app-http.yaml', false],
])('manifest/%s', (file, socketMode) => {
  const m = load(file);

  it('follows the Slack manifest schema', () => expectSchemaValid(m));

  it('declares the bot, the slash command, scopes, events and interactivity domainops needs', () => {
    expect(m.display_information.name).toBe('domainops');
    expect(m.features.bot_user.display_name).toBe('domainops');
    expect(m.features.slash_commands).toHaveLength(1);
    expect(m.features.slash_commands[0]).toMatchObject({ command: '/domainops', should_escape: false });
    expect(m.features.slash_commands[0].usage_hint).toContain('help');
    expect([...m.oauth_config.scopes.bot].sort()).toEqual([...SCOPES].sort());
    expect([...m.settings.event_subscriptions.bot_events].sort()).toEqual(['app_mention', 'message.im']);
    expect(m.settings.interactivity.is_enabled).toBe(true);
    expect(m.settings.socket_mode_enabled).toBe(socketMode);
  });

  it(socketMode ? 'has no request URLs' : 'sends everything to /slack/events', () => {
    const urls = [
      m.features.slash_commands[0].url,
      m.settings.event_subscriptions.request_url,
      m.settings.interactivity.request_url,
    ];
    if (socketMode) expect(urls.every((u) => u === undefined)).toBe(true);
    else for (const u of urls) expect(u).toMatch(/^https:\/\/.+\/slack\/events$/);
  });
});
