import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { configPath, loadConfig, parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { evaluate } from '../../src/core/policy/policy.ts';
import { modules } from '../../src/modules.ts';
import { EXAMPLE_CONFIG } from '../../src/sandbox/index.ts';

const FILE = '/etc/domainops/domainops.yaml';

/** The example of design.md ("Configuration"), as written, with its `…` placeholders filled in. */
const DESIGN_EXAMPLE = `
store: ./data/domainops.db          # SQLite; the default when omitted
targets:
  webex-prod:
    vendor: webex
    orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f
    apiUrl: https://webexapis.com/v1               # default
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
    # or auth: { clientId: …, clientSecret: env:…, refreshToken: env:…,
    #            tokenUrl: https://webexapis.com/v1/access_token }
  f5-acme:
    vendor: f5xc
    tenantUrl: https://acme.console.ves.volterra.io
    auth: { apiToken: env:F5XC_API_TOKEN }
  yc-sso:
    vendor: yandex
    federationId: bpf3crucp1v2abcdefgh                    # or userpoolId
    apiUrl: https://organization-manager.api.cloud.yandex.net/organization-manager/v1
    operationUrl: https://operation.api.cloud.yandex.net
    auth: { iamToken: env:YC_IAM_TOKEN }
    # or auth: { serviceAccountKey: file:./sa-key.json,
    #            iamUrl: https://iam.api.cloud.yandex.net/iam/v1/tokens }
policy:
  groups:
    identity-admins: [alice@corp.com, bob@corp.com]
    helpdesk: [carol@corp.com]
  rules:                            # first match wins; no match: rejected
    - actions: [domain, validate, help, pending, audit, targets, whoami]
      requesters: [helpdesk, identity-admins]
      approval: none
    - actions: [unclaim, unverify, unassign-owner]
      domains: ["*.corp.com"]        # optional glob on the domain
      targets: [webex-prod]          # optional
      requesters: [identity-admins]
      approval: { approvers: [identity-admins], count: 2, expires: 1h }
server: { host: 127.0.0.1, port: 3000 }   # defaults; env PORT overrides port
chat:
  slack: { botToken: env:SLACK_BOT_TOKEN, signingSecret: env:SLACK_SIGNING_SECRET,
           appToken: env:SLACK_APP_TOKEN, command: /domainops,
           apiUrl: https://slack.com/api/ }     # appToken set: Socket Mode
  webex: { botToken: env:WEBEX_BOT_TOKEN, webhookUrl: https://bot.example.com/webex/events, webhookSecret: env:WEBEX_WEBHOOK_SECRET,
           apiUrl: https://webexapis.com/v1 }  # no webhookUrl: websocket mode
`;

function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): { path: string; message: string }[] {
  try {
    parseConfig(text, FILE, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

describe('the configuration example of design.md', () => {
  it('loads as written', () => {
    const config = parseConfig(DESIGN_EXAMPLE, FILE, {});
    expect(Object.keys(config.targets)).toEqual(['webex-prod', 'f5-acme', 'yc-sso']);
    expect(config.store).toEqual({ location: '/etc/domainops/data/domainops.db', lease: 60_000 });
    expect(config.server).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.chat.slack?.apiUrl).toBe('https://slack.com/api/');
    expect(config.chat.slack?.command).toBe('/domainops');
    expect(config.chat.webex?.webhookUrl).toBe('https://bot.example.com/webex/events');
    expect(config.policy.rules[1]).toMatchObject({
      domains: ['*.corp.com'],
      targets: ['webex-prod'],
      approval: { kind: 'required', approvers: ['identity-admins'], count: 2, expires: 3_600_000 },
    });
    expect(config.secrets.map((s) => s.path)).toContain('chat.webex.webhookSecret');
    const values = parseConfig(DESIGN_EXAMPLE, FILE, {
      SLACK_BOT_TOKEN: 'xoxb-secret-1',
      YC_IAM_TOKEN: 't1.s3cr3t',
    });
    expect(values.chat.slack?.botToken.reveal()).toBe('xoxb-secret-1');
    expect(JSON.stringify(values)).not.toMatch(/xoxb-secret-1|t1\.s3cr3t/);
    expect(inspect(values, { depth: 10 })).not.toMatch(/xoxb-secret-1|t1\.s3cr3t/);
  });

  it('takes PORT over server.port', () => {
    expect(parseConfig(DESIGN_EXAMPLE, FILE, { PORT: '8080' }).server.port).toBe(8080);
  });
});

describe('PORT', () => {
  it.each(['', ' ', '0x50', '1e3', '80.0', '-1', '65536'])('refuses %j, naming PORT', (port) => {
    expect(issuesOf(DESIGN_EXAMPLE, { PORT: port })).toEqual([
      { path: 'PORT', message: expect.stringContaining('is not a TCP port') },
    ]);
  });
});

describe('$DOMAINOPS_CONFIG', () => {
  it('is used when set, and an empty value counts as unset', () => {
    expect(configPath(undefined, { DOMAINOPS_CONFIG: '/srv/d.yaml' })).toBe('/srv/d.yaml');
    expect(configPath(undefined, { DOMAINOPS_CONFIG: '' })).toMatch(/\/domainops\.yaml$/);
    expect(configPath('/x/y.yaml', { DOMAINOPS_CONFIG: '/srv/d.yaml' })).toBe('/x/y.yaml');
  });
});

describe('rules', () => {
  const rules = (text: string) => `
targets:
  webex-prod:
    vendor: webex
    orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com]
  rules:
${text}`;

  it('matches a domain glob written in Unicode against the punycode commands use', () => {
    const config = parseConfig(
      rules(`
    - actions: [unclaim]
      domains: ["*.Пример.рф."]
      requesters: [admins]
      approval: { approvers: [admins], count: 1 }
    - actions: [unclaim]
      requesters: [admins]
      approval: none`),
      FILE,
      {},
    );
    expect(config.policy.rules[0]!.domains).toEqual(['*.xn--e1afmkfd.xn--p1ai']);
    const alice = { platform: 'cli' as const, id: 'alice@corp.com' };
    // `unclaim shop.пример.рф` arrives as punycode: the stricter first rule must still decide.
    const decision = evaluate(config.policy, {
      action: 'unclaim',
      target: 'webex-prod',
      subject: 'shop.xn--e1afmkfd.xn--p1ai',
      actor: alice,
    });
    expect(decision.decision).toBe('approval');
  });

  it('names a domain glob that is not a domain', () => {
    const text = rules(`
    - actions: [unclaim]
      domains: ["*.corp.com", "ä/b.com", "*.пример.рф", "corp_x.com", "a..com"]
      requesters: [admins]
      approval: none`);
    expect(issuesOf(text).map((i) => i.path)).toEqual([
      'policy.rules[0].domains[1]',
      'policy.rules[0].domains[3]',
      'policy.rules[0].domains[4]',
    ]);
  });
});

describe('the shipped example config (manifest/domainops.example.yaml): its rules', () => {
  const config = loadConfig(EXAMPLE_CONFIG, {});
  const { grammar } = modules;
  /** The example's target of the vendor that runs `action`. */
  const targetOf = (action: string): string =>
    Object.values(config.targets).find((t) => t.vendor === grammar.vendorOf(action))!.name;
  const decide = (action: string, who: string) =>
    evaluate(config.policy, {
      action,
      target: targetOf(action),
      subject: grammar.byAction(action)?.args[0]?.kind === 'email' ? 'hello@example.com' : 'shop.corp.com',
      actor: { platform: 'local', id: who, email: who },
    }).decision;

  const CHANGES = [
    'add-domain',
    'verify',
    'claim',
    'assign-owner',
    'unclaim',
    'unverify',
    'delete-domain',
    'unassign-owner',
  ];
  const NO_APPROVAL = ['domain', 'list-domains', 'verify-token', 'validate', 'dns-check'];

  it('names every vendor command of domainops in one rule', () => {
    expect([...CHANGES, ...NO_APPROVAL].sort()).toEqual([...grammar.vendorActions].sort());
    for (const action of grammar.vendorActions) {
      expect(config.policy.rules.filter((r) => r.actions.includes(action)).length, action).toBe(1);
    }
  });

  it.each(CHANGES)('%s is a change: an identity admin asks, another approves; helpdesk may not', (action) => {
    expect(decide(action, 'alice@corp.com')).toBe('approval');
    expect(decide(action, 'carol@corp.com')).toBe('reject');
    expect(decide(action, 'eve@corp.com')).toBe('reject');
  });

  it.each(NO_APPROVAL)('%s needs no approval, for admins and helpdesk alike', (action) => {
    expect(decide(action, 'alice@corp.com')).toBe('allow');
    expect(decide(action, 'carol@corp.com')).toBe('allow');
    expect(decide(action, 'eve@corp.com')).toBe('reject');
  });
});
