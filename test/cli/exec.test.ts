import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type F5Fake, startF5Fake } from '../../adapters/f5xc/sandbox.ts';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { startYandexFake, type YandexFake } from '../../adapters/yandex-org/sandbox.ts';
import { cli, writeConfig } from './helpers.ts';

const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
let webex: WebexFake;
let f5: F5Fake;
let yandex: YandexFake;
let env: NodeJS.ProcessEnv;
let config: string;

beforeAll(async () => {
  webex = await startWebexFake({
    orgs: { [ORG]: { verified: ['corp.com'], claimed: ['abc.com', 'corp.com'] } },
  });
  f5 = await startF5Fake({
    owners: ['root@corp.com', 'hello@example.com'],
    apiTokens: { 'f5-token-9': 'root@corp.com' },
  });
  yandex = await startYandexFake();
  yandex.state.pollsUntilDone = 1;
  yandex.addDomain({ kind: 'federation', id: 'fed1' }, 'corp.ru');
  env = {
    WEBEX_IDENTITY_TOKEN: webex.issueAccessToken(),
    F5XC_API_TOKEN: 'f5-token-9',
    YC_IAM_TOKEN: yandex.issueIamToken(),
  };
  config = writeConfig(`
store: ./data/domainops.db
http: { connectTimeout: 1s, timeout: 3s, retries: 1, maxRetryAfter: 1s }
# These tests are about what the vendors answer: validate asks Yandex without a DNS check first.
dns: { precheck: false }
targets:
  webex-prod:
    vendor: webex
    orgId: ${ORG}
    apiUrl: ${webex.apiUrl}
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
  f5-acme:
    vendor: f5xc
    tenantUrl: ${f5.url}
    auth: { apiToken: env:F5XC_API_TOKEN }
  yc-sso:
    vendor: yandex
    federationId: fed1
    apiUrl: ${yandex.apiUrl}
    operationUrl: ${yandex.operationUrl}
    operationPoll: { interval: 10ms, maxInterval: 50ms, timeout: 5s }
    auth: { iamToken: env:YC_IAM_TOKEN }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com, dave@corp.com]
    helpdesk: [carol@corp.com]
  rules:
    - actions: [domain, validate, help, pending, audit, targets, whoami]
      requesters: [helpdesk, admins]
      approval: none
    - actions: [unclaim, unverify, unassign-owner]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
`);
});

afterAll(async () => {
  await Promise.all([webex?.close(), f5?.close(), yandex?.close()]);
});

async function json(argv: string[]) {
  const run = await cli([...argv, '--config', config, '--json'], env);
  // biome-ignore lint/suspicious/noExplicitAny: the JSON document is checked field by field below
  return { code: run.code, doc: JSON.parse(run.stdout) as Record<string, any>, stderr: run.stderr };
}

describe('exec against the vendors (local fakes)', () => {
  it('unclaim waits for a second admin, then calls Webex once', async () => {
    const before = webex.requests.length;
    const asked = await json(['exec', '--as', 'alice@corp.com', 'unclaim abc.com']);
    expect(asked.code).toBe(0);
    expect(asked.doc).toMatchObject({ status: 'pending', action: 'unclaim', target: 'webex-prod' });
    expect(webex.requests.length).toBe(before);
    expect(asked.doc.cards.webex).toMatchObject({ type: 'AdaptiveCard', version: '1.3' });
    expect(JSON.stringify(asked.doc.cards.webex)).toContain(asked.doc.requestId);
    expect(JSON.stringify(asked.doc.cards.slack.blocks)).toContain('domainops_approve');

    const own = await json(['approve', asked.doc.requestId, '--as', 'alice@corp.com']);
    expect(own.code).toBe(3);
    expect(webex.requests.length).toBe(before);

    const approved = await json(['approve', asked.doc.requestId, '--as', 'bob@corp.com']);
    expect(approved.code).toBe(0);
    expect(approved.doc).toMatchObject({ status: 'succeeded', requestId: asked.doc.requestId });
    expect(webex.requests.length).toBe(before + 1);
    const sent = webex.requests.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe(`/v1/identity/organizations/${ORG}/actions/unclaimDomain`);
    expect(JSON.parse(sent.body)).toEqual({ domain: 'abc.com' });
    expect(webex.state.orgs.get(ORG)!.verified.has('abc.com')).toBe(true);

    const again = await json(['approve', asked.doc.requestId, '--as', 'dave@corp.com']);
    expect(again.code).toBe(6);
    expect(webex.requests.length).toBe(before + 1);
  });

  it('unverify of a claimed domain fails with exit 4 and the documented hint', async () => {
    const asked = await json(['exec', '--as', 'alice@corp.com', 'unverify corp.com']);
    const done = await json(['approve', asked.doc.requestId, '--as', 'bob@corp.com']);
    expect(done.code).toBe(4);
    expect(done.doc.status).toBe('failed');
    expect(done.doc.error.code).toBe('vendor_bad_request');
    expect(done.doc.error.hint).toMatch(/unclaim/);
    expect(JSON.stringify(done.doc)).not.toContain(env.WEBEX_IDENTITY_TOKEN);
  });

  it('a denied request never reaches the vendor', async () => {
    const before = f5.requests.length;
    const asked = await json(['exec', '--as', 'alice@corp.com', 'unassign-owner hello@example.com']);
    const own = await json(['deny', asked.doc.requestId, '--as', 'alice@corp.com']);
    expect(own.code).toBe(3);
    expect(own.doc.action).toBe('unassign-owner');
    expect(JSON.stringify(own.doc.cards.slack.blocks)).toContain('Not denied');
    const denied = await json(['deny', asked.doc.requestId, '--as', 'bob@corp.com', '--reason', 'not today']);
    expect(denied.code).toBe(0);
    expect(denied.doc.status).toBe('denied');
    expect(f5.requests.length).toBe(before);
    const late = await json(['approve', asked.doc.requestId, '--as', 'dave@corp.com']);
    expect(late.code).toBe(6);
    expect(late.doc.error.message).toMatch(/is no longer open: it was denied/);
  });

  it('unassign-owner runs on F5 after approval', async () => {
    const asked = await json(['exec', '--as', 'alice@corp.com', 'unassign-owner hello@example.com']);
    const done = await json(['approve', asked.doc.requestId, '--as', 'dave@corp.com']);
    expect(done.code).toBe(0);
    const sent = f5.requests.at(-1)!;
    expect(sent.path).toBe('/api/web/namespaces/system/tenant/domain_owner/unassign');
    expect(sent.headers.authorization).toBe('APIToken f5-token-9');
    expect(f5.state.owners.has('hello@example.com')).toBe(false);
  });

  it('validate before the TXT record is published says what to publish', async () => {
    yandex.addDomain({ kind: 'federation', id: 'fed1' }, 'corp.kz');
    const run = await cli(['exec', '--as', 'carol@corp.com', 'validate corp.kz', '--config', config], env);
    expect(run.code).toBe(4);
    const record = yandex.state.scopes.get('federation:fed1')!.get('corp.kz')!.challenges[0]!.dnsChallenge;
    expect(run.stderr).toContain(
      `publish this DNS record, wait for DNS, then run \`validate corp.kz\` again: \`${record.name}\` TXT \`${record.value}\``,
    );
    const shown = await cli(['exec', '--as', 'carol@corp.com', 'domain corp.kz', '--config', config], env);
    expect(shown.stdout).toMatch(/corp.kz needs validation/);
    expect(shown.stdout).toMatch(/NEED_TO_VALIDATE/);
    expect(shown.stdout).toMatch(/Publish this DNS record/);
  });

  it('validate needs no approval and returns the validated domain', async () => {
    yandex.state.published.add('corp.ru');
    const done = await json(['exec', '--as', 'carol@corp.com', 'validate corp.ru']);
    expect(done.doc.error).toBeUndefined();
    expect(done.code).toBe(0);
    expect(done.doc.status).toBe('succeeded');
    expect(done.doc.result.domain.domain).toBe('corp.ru');
    expect(done.doc.result.domain.status).toBe('VALID');
    expect(done.doc.result.domain.challenges[0].dnsChallenge.type).toBe('TXT');
  });

  it('a policy rejection exits 3 and is audited', async () => {
    const run = await json(['exec', '--as', 'carol@corp.com', 'unclaim corp.com']);
    expect(run.code).toBe(3);
    expect(run.doc.status).toBe('rejected');
    const audit = await json(['audit', '--limit', '100']);
    expect(audit.doc.some((e: { type: string }) => e.type === 'rejected')).toBe(true);
  });

  it('a reset mid-response is reported as unknown (exit 5), never retried', async () => {
    webex.fault({ kind: 'reset' }, { path: /unclaimDomain$/ });
    const before = webex.requests.length;
    const asked = await json(['exec', '--as', 'alice@corp.com', 'unclaim corp.com']);
    const done = await json(['approve', asked.doc.requestId, '--as', 'bob@corp.com']);
    expect(done.code).toBe(5);
    expect(done.doc.status).toBe('unknown');
    expect(webex.requests.length).toBe(before + 1);
  });

  it('pending lists open requests; unknown ids exit 6', async () => {
    const asked = await json(['exec', '--as', 'alice@corp.com', 'unclaim corp.com']);
    const pending = await json(['pending']);
    expect(pending.doc.requests.map((r: { id: string }) => r.id)).toContain(asked.doc.requestId);
    const cancelled = await json(['cancel', asked.doc.requestId, '--as', 'alice@corp.com']);
    expect(cancelled.code).toBe(0);
    expect(cancelled.doc.status).toBe('cancelled');
    const missing = await json(['approve', 'r-00000000', '--as', 'bob@corp.com']);
    expect(missing.code).toBe(6);
  });

  it('runs as a real process through bin/domainops.js', async () => {
    const root = join(dirname(new URL(import.meta.url).pathname), '../..');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, 'bin/domainops.js'), 'exec', '--config', config, '--as', 'carol@corp.com', 'help unclaim'],
      { env: { ...env, PATH: process.env.PATH } },
    );
    expect(stdout).toMatch(/unclaim <domain>/);
  });
});
