import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Target } from '../../adapters/types.ts';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/core/errors.ts';

const FILE = '/etc/domainops/domainops.yaml';

const base = `
targets:
  webex-prod:
    vendor: webex
    orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com]
  rules:
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 1h }
`;

/** Parses and returns the ConfigError's issues (fails the test when it parses). */
function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): { path: string; message: string }[] {
  try {
    parseConfig(text, FILE, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

describe('config loader', () => {
  it('loads the design example with defaults filled in', () => {
    const config = parseConfig(base, FILE, {});
    const target = config.targets['webex-prod'] as Target;
    expect(target.vendor).toBe('webex');
    expect(target.vendor === 'webex' && target.apiUrl).toBe('https://webexapis.com/v1');
    expect(config.store).toEqual({ location: '/etc/domainops/data/domainops.db', lease: 60_000 });
    expect(config.server).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.policy.rules[0]!.approval).toEqual({
      kind: 'required',
      approvers: ['admins'],
      count: 1,
      expires: 3_600_000,
    });
    expect(config.policy.rules[0]!.name).toBe('rule 1');
  });

  it('loads the shipped example config', () => {
    const config = loadConfig(join(import.meta.dirname, '../../manifest/domainops.example.yaml'), {});
    expect(Object.keys(config.targets)).toEqual(['webex-prod', 'f5-acme', 'yc-sso']);
    const yc = config.targets['yc-sso'] as Target;
    expect(yc.vendor === 'yandex' && yc.scope).toEqual({ kind: 'federation', id: 'bpf3crucp1v2abcdefgh' });
  });

  it('resolves env: and file: secrets lazily and never shows their values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'domainops-config-'));
    writeFileSync(join(dir, 'token'), 'file-secret-value\n');
    const text = base.replace('env:WEBEX_IDENTITY_TOKEN', 'file:./token');
    const config = parseConfig(text, join(dir, 'domainops.yaml'), {});
    const target = config.targets['webex-prod'] as Target;
    if (target.vendor !== 'webex' || target.auth.kind !== 'accessToken') throw new Error('unexpected');
    const secret = target.auth.accessToken;
    expect(secret.reveal()).toBe('file-secret-value');
    expect(String(secret)).toBe('[REDACTED]');
    expect(JSON.stringify(config)).not.toContain('file-secret-value');
    expect(inspect(config, { depth: 10 })).not.toContain('file-secret-value');
  });

  it('names the variable, not a value, when an env secret is missing', () => {
    const config = parseConfig(base, FILE, {});
    const target = config.targets['webex-prod'] as Target;
    if (target.vendor !== 'webex' || target.auth.kind !== 'accessToken') throw new Error('unexpected');
    expect(() => target.auth.kind === 'accessToken' && target.auth.accessToken.reveal()).toThrow(
      /targets\.webex-prod\.auth\.accessToken: environment variable WEBEX_IDENTITY_TOKEN is not set/,
    );
    expect(config.secrets.map((s) => s.path)).toEqual(['targets.webex-prod.auth.accessToken']);
  });

  it('names an unreadable secret file', () => {
    const config = parseConfig(base.replace('env:WEBEX_IDENTITY_TOKEN', 'file:./nope'), FILE, {});
    expect(() => config.secrets[0]!.reveal()).toThrow(/cannot read \/etc\/domainops\/nope \(ENOENT\)/);
  });

  const cases: [string, string, string, RegExp][] = [
    ['inline secret', 'env:WEBEX_IDENTITY_TOKEN', 'abc123-secret-token', /never written inline/],
    ['unknown vendor', 'vendor: webex', 'vendor: okta', /vendor must be one of webex, f5xc, yandex/],
    ['unknown key', 'orgId:', 'orgid:', /Unrecognized key/],
    ['bad url', 'vendor: webex', 'vendor: webex\n    apiUrl: not a url', /expected an http\(s\) URL/],
    ['bad duration', 'expires: 1h', 'expires: soon', /"soon" is not a duration/],
    ['unknown action', 'actions: [unclaim]', 'actions: [delete]', /actions are: .*\bunclaim\b/],
    ['unknown group', 'requesters: [admins]', 'requesters: [admns]', /"admns" is not an email/],
    ['count too large', 'count: 1', 'count: 3', /needs 3 approvals but the approvers name only 2/],
    [
      'unknown rule target',
      'approval: {',
      'targets: [webex-test]\n      approval: {',
      /no target named "webex-test"/,
    ],
    ['bad target name', 'webex-prod:', 'Webex Prod:', /target names are lower case/],
  ];
  it.each(cases)('reports %s with the field path', (_name, from, to, message) => {
    const issues = issuesOf(base.replace(from, to));
    const text = issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(text).toMatch(message);
    expect(text).not.toContain('abc123-secret-token');
  });

  it('gives the field path of a nested error', () => {
    const issues = issuesOf(base.replace('count: 1', 'count: 0'));
    expect(issues[0]!.path).toBe('policy.rules[0].approval.count');
  });

  it('requires exactly one of federationId and userpoolId', () => {
    const text = `targets:\n  yc:\n    vendor: yandex\n    auth: { iamToken: env:T }\n`;
    expect(issuesOf(text)[0]!.message).toMatch(/exactly one of federationId or userpoolId/);
  });

  it('reports YAML syntax errors with a line number', () => {
    expect(issuesOf('targets:\n  a: [\n')[0]!.message).toMatch(/YAML syntax error at line/);
  });

  it('reports a missing file with a hint', () => {
    expect(() => loadConfig('/nonexistent/domainops.yaml', {})).toThrow(/cannot read .* \(ENOENT\)/);
  });

  it('takes the port from PORT', () => {
    expect(parseConfig(base, FILE, { PORT: '8080' }).server.port).toBe(8080);
    expect(issuesOf(base, { PORT: 'eighty' })[0]!.path).toBe('PORT');
  });

  it('requires a way to reach Slack and a secret for Webex webhooks', () => {
    const slack = `${base}chat:\n  slack: { botToken: env:SLACK_BOT_TOKEN }\n`;
    expect(issuesOf(slack)[0]!.message).toMatch(/set appToken \(Socket Mode\) or signingSecret/);
    const webex = `${base}chat:\n  webex: { botToken: env:B, webhookUrl: https://bot.example.com/webex/events }\n`;
    expect(issuesOf(webex)[0]!.path).toBe('chat.webex.webhookSecret');
  });
});
