import { describe, expect, it } from 'vitest';
import { cli, writeConfig } from './helpers.ts';

const CONFIG = `
targets:
  webex-prod:
    vendor: webex
    orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
  f5-acme:
    vendor: f5xc
    tenantUrl: https://acme.console.ves.volterra.io
    auth: { apiToken: env:F5XC_API_TOKEN }
  yc-sso:
    vendor: yandex
    federationId: bpf3crucp1v2abcdefgh
    auth: { iamToken: env:YC_IAM_TOKEN }
  yc-pool:
    vendor: yandex
    userpoolId: pool123
    apiUrl: https://organization-manager.api.yandexcloud.kz/organization-manager/v1
    auth: { iamToken: env:YC_IAM_TOKEN }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com]
  rules:
    - actions: [domain, validate, help, whoami, targets]
      requesters: [admins]
      approval: none
    - actions: [unclaim, unverify, unassign-owner]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
`;

const SECRETS = {
  WEBEX_IDENTITY_TOKEN: 'wx-secret-1',
  F5XC_API_TOKEN: 'f5-secret-2',
  YC_IAM_TOKEN: 'yc-secret-3',
};

async function dryRun(command: string, env: NodeJS.ProcessEnv = SECRETS) {
  const file = writeConfig(CONFIG);
  const run = await cli(
    ['exec', '--config', file, '--as', 'alice@corp.com', '--dry-run', '--json', command],
    env,
  );
  return { ...run, doc: JSON.parse(run.stdout) };
}

describe('exec --dry-run', () => {
  it.each([
    [
      'unclaim ABC.com.',
      'POST',
      'https://webexapis.com/v1/identity/organizations/1eb65fdf-9643-417f-9974-ad72cae0e10f/actions/unclaimDomain',
      '{"domain":"abc.com"}',
      'Bearer [REDACTED]',
    ],
    [
      'unverify abc.com in webex-prod --remove-pending',
      'POST',
      'https://webexapis.com/v1/identity/organizations/1eb65fdf-9643-417f-9974-ad72cae0e10f/actions/unverifyDomain',
      '{"domain":"abc.com","removePending":true}',
      'Bearer [REDACTED]',
    ],
    [
      'unverify abc.com',
      'POST',
      'https://webexapis.com/v1/identity/organizations/1eb65fdf-9643-417f-9974-ad72cae0e10f/actions/unverifyDomain',
      '{"domain":"abc.com","removePending":false}',
      'Bearer [REDACTED]',
    ],
    [
      'unassign-owner hello@example.com',
      'POST',
      'https://acme.console.ves.volterra.io/api/web/namespaces/system/tenant/domain_owner/unassign',
      '{"email":"hello@example.com"}',
      'APIToken [REDACTED]',
    ],
    [
      'validate corp.ru in yc-sso',
      'POST',
      'https://organization-manager.api.cloud.yandex.net/organization-manager/v1/saml/federations/bpf3crucp1v2abcdefgh/domains/corp.ru:validate',
      '{}',
      'Bearer [REDACTED]',
    ],
    [
      'status corp.ru in yc-pool',
      'GET',
      'https://organization-manager.api.yandexcloud.kz/organization-manager/v1/idp/userpools/pool123/domains/corp.ru',
      undefined,
      'Bearer [REDACTED]',
    ],
  ])('%s shows the exact request, secrets redacted', async (command, method, url, body, auth) => {
    const { code, doc, stdout } = await dryRun(command);
    expect(code).toBe(0);
    expect(doc.status).toBe('dry-run');
    expect(doc.request.method).toBe(method);
    expect(doc.request.url).toBe(url);
    expect(doc.request.headers.Authorization).toBe(auth);
    if (body !== undefined) expect(doc.request.body).toBe(body);
    for (const secret of Object.values(SECRETS)) expect(stdout).not.toContain(secret);
  });

  it('validate shows {} sent as JSON (the HTTP rule has body: "*")', async () => {
    const { doc } = await dryRun('validate corp.ru in yc-sso');
    expect(doc.request.headers['Content-Type']).toBe('application/json');
    expect(doc.request.body).toBe('{}');
  });

  it('needs no secret to show a request', async () => {
    const { code, doc } = await dryRun('unclaim abc.com', {});
    expect(code).toBe(0);
    expect(doc.request.headers.Authorization).toBe('Bearer [REDACTED]');
  });

  it('reports a policy rejection with exit 3 and still shows the request', async () => {
    const file = writeConfig(CONFIG);
    const run = await cli(
      ['exec', '--config', file, '--as', 'eve@corp.com', '--dry-run', '--json', 'unclaim abc.com'],
      SECRETS,
    );
    expect(run.code).toBe(3);
    const doc = JSON.parse(run.stdout);
    expect(doc.status).toBe('rejected');
    expect(doc.policy).toMatch(/rejected/);
  });

  it('explains an ambiguous target', async () => {
    const file = writeConfig(CONFIG);
    const run = await cli(
      ['exec', '--config', file, '--as', 'alice@corp.com', '--dry-run', 'validate corp.ru'],
      SECRETS,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/yc-sso/);
    expect(run.stderr).toMatch(/yc-pool/);
  });
});

describe('CLI errors', () => {
  it.each([
    [['exec', '--as', 'alice@corp.com', ''], 2, /Usage:/],
    [['exec', '--as', 'alice@corp.com', 'unclam abc.com'], 2, /did you mean unclaim/],
    [['exec', '--as', 'alice@corp.com', 'unclaim'], 2, /Usage: unclaim <domain>/],
    [['exec', '--as', 'alice@corp.com', 'unclaim a..com'], 2, /Usage:/],
    [['exec', '--as', 'alice@corp.com', 'unclaim <!channel>'], 2, /Usage:/],
    [['exec', 'unclaim abc.com'], 2, /--as <email> is required/],
    [['exec', '--as', 'not-an-email', 'unclaim abc.com'], 2, /--as:/],
    [['exec', '--as', 'alice@corp.com', '--bogus', 'x'], 2, /Unknown option/],
    [['frobnicate'], 2, /unknown command "frobnicate"/],
    [['pending', '--as', 'alice@corp.com'], 2, /pending does not take --as/],
    [['audit', '--limit', 'ten'], 2, /--limit takes a whole number/],
    [[], 2, /Usage: domainops/],
  ])('%j exits %i', async (argv, code, message) => {
    const file = writeConfig(CONFIG);
    const run = await cli([...argv, '--config', file], SECRETS);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await cli(['--help'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/domainops <command>/);
  });

  it('a config error names the field and exits 1', async () => {
    const file = writeConfig(CONFIG.replace('env:F5XC_API_TOKEN', 'f5-inline-secret'));
    const run = await cli(['check-config', '--config', file], SECRETS);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/targets\.f5-acme\.auth\.apiToken/);
    expect(run.stderr).not.toContain('f5-inline-secret');
  });
});

describe('check-config', () => {
  it('lists targets, secrets (not values) and the policy', async () => {
    const file = writeConfig(CONFIG);
    const run = await cli(['check-config', '--config', file], SECRETS);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/webex-prod: webex, org 1eb65fdf/);
    expect(run.stdout).toMatch(/yc-pool: yandex, userpool pool123; runs validate, domain/);
    expect(run.stdout).toMatch(
      /targets\.webex-prod\.auth\.accessToken \(env WEBEX_IDENTITY_TOKEN\): resolved/,
    );
    expect(run.stdout).toMatch(/1 approval\(s\) from admins within 30 min/);
    for (const secret of Object.values(SECRETS)) expect(run.stdout).not.toContain(secret);
  });

  it('warns, without failing, that real targets with no chat platform leave the bot unreachable', async () => {
    const file = writeConfig(CONFIG);
    const run = await cli(['check-config', '--config', file], SECRETS);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /chat: none configured\n {2}note: no chat platform is configured, so nobody can send commands/,
    );
    expect(run.stdout).toMatch(/add chat\.\w+ or chat\.\w+/);
  });

  it('fails when a secret does not resolve, naming the variable', async () => {
    const file = writeConfig(CONFIG);
    const run = await cli(['check-config', '--config', file], {
      WEBEX_IDENTITY_TOKEN: 'x',
      YC_IAM_TOKEN: 'y',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/F5XC_API_TOKEN is not set/);
  });

  it('warns when the requesters can never collect enough approvals', async () => {
    const file = writeConfig(
      CONFIG.replace(
        'approval: { approvers: [admins], count: 1',
        'approval: { approvers: [admins], count: 2',
      ),
    );
    const run = await cli(['check-config', '--config', file], SECRETS);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /note: the requester never counts, so a request by alice@corp.com, bob@corp.com can get at most 1 approval\(s\) and will expire/,
    );
    const fine = await cli(['check-config', '--config', writeConfig(CONFIG)], SECRETS);
    expect(fine.stdout).not.toMatch(/will expire/);
  });

  it('warns, without failing, about http:// to a host that is not loopback (vendor and chat URLs)', async () => {
    const file = writeConfig(
      `${CONFIG.replace(
        'tenantUrl: https://acme.console.ves.volterra.io',
        'tenantUrl: http://acme.console.ves.volterra.io',
      ).replace(
        'federationId: bpf3crucp1v2abcdefgh',
        'federationId: bpf3crucp1v2abcdefgh\n    operationUrl: http://user:pw@ops.corp.internal:8080',
      )}chat:
  webex: { botToken: env:WEBEX_BOT_TOKEN, webhookUrl: http://bot.corp.com/webex/events, webhookSecret: env:WEBEX_WEBHOOK_SECRET }
`,
    );
    const run = await cli(['check-config', '--config', file], {
      ...SECRETS,
      WEBEX_BOT_TOKEN: 'bot',
      WEBEX_WEBHOOK_SECRET: 'hook',
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '    note: targets.f5-acme.tenantUrl uses http:// to acme.console.ves.volterra.io: credentials and data would cross the network unencrypted; use https:// (plain http:// is meant for a loopback host: 127.0.0.0/8, ::1, localhost)',
    );
    expect(run.stdout).toMatch(
      /note: targets\.yc-sso\.operationUrl uses http:\/\/ to ops\.corp\.internal:8080:/,
    );
    expect(run.stdout).toMatch(/^ {2}note: chat\.webex\.webhookUrl uses http:\/\/ to bot\.corp\.com:/m);
    expect(run.stdout).not.toContain('user:pw');
    expect(run.stdout).toMatch(/\nOK\n$/);
    const fine = await cli(['check-config', '--config', writeConfig(CONFIG)], SECRETS);
    expect(fine.stdout).not.toContain('http://');
  });

  it.each(['127.0.0.1', '127.3.2.1', '[::1]', 'localhost'])('does not warn about http://%s', async (host) => {
    const file = writeConfig(
      CONFIG.replace('tenantUrl: https://acme.console.ves.volterra.io', `tenantUrl: http://${host}:8443`),
    );
    const run = await cli(['check-config', '--config', file], SECRETS);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/note: .*http:\/\//);
  });

  it('warns, without failing, when a Webex orgId is not a UUID, and names the UUID inside a base64 id', async () => {
    const uuid = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
    const base64 = Buffer.from(`ciscospark://us/ORGANIZATION/${uuid}`).toString('base64');
    const run = await cli(['check-config', '--config', writeConfig(CONFIG.replace(uuid, base64))], SECRETS);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `    note: targets.webex-prod.orgId is not a UUID: the identity API wants the identity-assigned organization UUID (the base64 ids of /v1/organizations fail with 404); use ${uuid}`,
    );
    const other = await cli(
      ['check-config', '--config', writeConfig(CONFIG.replace(uuid, 'acme-org'))],
      SECRETS,
    );
    expect(other.stdout).toMatch(/orgId is not a UUID: .*fail with 404\); use the UUID shown in Control Hub/);
    const fine = await cli(['check-config', '--config', writeConfig(CONFIG)], SECRETS);
    expect(fine.stdout).not.toContain('not a UUID');
  });

  it('reads $DOMAINOPS_CONFIG', async () => {
    const file = writeConfig(CONFIG);
    const run = await cli(['check-config'], { ...SECRETS, DOMAINOPS_CONFIG: file });
    expect(run.code).toBe(0);
  });
});
