/**
 * The Webex domain lifecycle through the whole pipeline (`domainops exec`/`approve`: parse,
 * policy, store, vendor module, cards) against the module's own sandbox: a token is requested,
 * verify succeeds only once the sandbox considers the TXT record published, a verified domain
 * is claimed, and a domain other organizations' users use is claimed only with --force, whose
 * approval card warns. Every reply's card is checked on every platform.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxDns, startSandboxDns } from '../../adapters/dns/sandbox-dns.ts';
import { webexIdentity } from '../../adapters/webex-identity/index.ts';
import type { WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { spanText } from '../../src/core/cards/model.ts';
import type { RunningVendorSandbox } from '../../src/core/ports.ts';
import { modules } from '../../src/modules.ts';
import { assertAdaptiveCard, assertBlockKitLimits } from '../cards/limits.ts';
import { cli, writeConfig } from '../cli/helpers.ts';

const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const ACTIONS = `/v1/identity/organizations/${ORG}/actions`;

let running: RunningVendorSandbox;
let fake: WebexFake;
let config: string;
let env: NodeJS.ProcessEnv;
/** The DNS of the sandbox: what the fake counts as published, at its nameserver. */
let dns: SandboxDns;

beforeAll(async () => {
  running = await webexIdentity.sandbox!.start({ 'webex-prod': { vendor: 'webex', orgId: ORG } });
  fake = running.fake as WebexFake;
  dns = await startSandboxDns(() => running.publishedTxt?.() ?? []);
  const target = running.targets['webex-prod']!;
  env = { ...running.env };
  config = writeConfig(`
store: ./data/domainops.db
http: { connectTimeout: 1s, timeout: 3s, retries: 1, maxRetryAfter: 1s }
dns: { resolvers: ["127.0.0.1:${dns.fake.port}"], port: ${dns.fake.port}, timeout: 1s }
targets:
  webex-prod:
    vendor: webex
    orgId: ${ORG}
    apiUrl: ${target.apiUrl as string}
    auth: { accessToken: ${(target.auth as { accessToken: string }).accessToken} }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com]
    helpdesk: [carol@corp.com]
  rules:
    - name: read-only
      actions: [verify-token, help]
      requesters: [helpdesk, admins]
      approval: none
    - name: domain changes
      actions: [verify, claim, unclaim, unverify]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
`);
});

afterAll(async () => {
  await running?.close();
  await dns?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: the JSON document is checked field by field below
type Doc = Record<string, any>;

async function json(argv: string[]): Promise<{ code: number; doc: Doc }> {
  const run = await cli([...argv, '--config', config, '--json'], env);
  return { code: run.code, doc: JSON.parse(run.stdout) as Doc };
}

const exec = (as: string, command: string, ...extra: string[]) =>
  json(['exec', '--as', as, ...extra, command]);

/** alice asks, bob approves: the document of the approval. */
async function approved(command: string): Promise<{ code: number; doc: Doc; asked: Doc }> {
  const asked = await exec('alice@corp.com', command);
  expect(asked.code).toBe(0);
  expect(asked.doc.status).toBe('pending');
  const done = await json(['approve', asked.doc.requestId, '--as', 'bob@corp.com']);
  return { ...done, asked: asked.doc };
}

/**
 * The card in every wire format the platforms send (the JSON document's `cards`, and the
 * playground's page), each within its platform's limits; returns all of them as one text.
 */
function everyPlatform(doc: Doc): string {
  const platforms = modules.platforms.filter((p) => p.renderCard !== undefined).map((p) => p.name);
  expect(Object.keys(doc.cards).sort()).toEqual([...platforms].sort());
  assertAdaptiveCard(doc.cards.webex);
  assertBlockKitLimits(doc.cards.slack.blocks);
  return JSON.stringify(doc.cards);
}

/** Every element of an Adaptive Card (and every run of its rich text), containers opened. */
function blocks(node: unknown): { type?: string; text?: string; fontType?: string }[] {
  if (Array.isArray(node)) return node.flatMap(blocks);
  if (node === null || typeof node !== 'object') return [];
  const element = node as Record<string, unknown>;
  return [
    element,
    ...blocks(element.body),
    ...blocks(element.items),
    ...blocks(element.columns),
    ...blocks(element.inlines),
  ];
}

/** The request the fake received last, as the dry run shows requests (Authorization aside). */
function lastSent() {
  const sent = fake.requests.at(-1)!;
  return { method: sent.method, url: `${running.url}${sent.path}`, body: sent.body, headers: sent.headers };
}

/** The dry run shows exactly what is then sent. */
function expectDryRunSent(request: Doc): void {
  const sent = lastSent();
  expect(sent.method).toBe(request.method);
  expect(sent.url).toBe(request.url);
  expect(sent.body).toBe(request.body);
  for (const [name, value] of Object.entries(request.headers as Record<string, string>)) {
    if (name === 'Authorization') {
      expect(value).toBe('Bearer [REDACTED]');
      expect(sent.headers.authorization).toBe(`Bearer ${Object.values(running.env)[0]}`);
    } else expect(sent.headers[name.toLowerCase()], name).toBe(value);
  }
}

describe('verify-token', () => {
  it('dry run = wire; the card shows the TXT record to publish as copyable code and what to run next', async () => {
    const dry = await exec('carol@corp.com', 'verify-token new.corp.com', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.doc).toMatchObject({ status: 'dry-run', action: 'verify-token', target: 'webex-prod' });
    expect(dry.doc.request).toEqual({
      method: 'POST',
      url: `${running.url}${ACTIONS}/getDomainVerificationToken`,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Authorization: 'Bearer [REDACTED]',
      },
      body: '{"domain":"new.corp.com"}',
    });

    const before = fake.requests.length;
    const { code, doc } = await exec('carol@corp.com', 'verify-token new.corp.com');
    expect(code).toBe(0);
    expect(fake.requests.length).toBe(before + 1);
    expectDryRunSent(dry.doc.request);
    const token = fake.state.orgs.get(ORG)!.tokens.get('new.corp.com')!;
    const value = `cisco-ci-domain-verification=${token}`;
    expect(doc).toMatchObject({
      status: 'succeeded',
      result: {
        action: 'verify-token',
        domain: 'new.corp.com',
        token,
        record: { name: 'new.corp.com', type: 'TXT', value },
      },
    });

    // Webex: the record in monospace blocks; Slack: in code fences; both say what to run next.
    const cards = everyPlatform(doc);
    const monospace = blocks(doc.cards.webex)
      .filter((b) => b.fontType === 'Monospace')
      .map((b) => b.text);
    expect(monospace).toEqual(expect.arrayContaining(['new.corp.com', 'TXT', value]));
    expect(JSON.stringify(doc.cards.slack.blocks)).toContain(`\`\`\`${value}\`\`\``);
    expect(JSON.stringify(doc.cards.slack.blocks)).toContain('```new.corp.com```');
    expect(JSON.stringify(doc.cards.slack.blocks)).toContain('```TXT```');
    expect(cards).toContain('verify new.corp.com in webex-prod');

    // The CLI's text says the same.
    const text = await cli(
      ['exec', '--config', config, '--as', 'carol@corp.com', 'verify-token new.corp.com'],
      env,
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(value);
    expect(text.stdout).toContain('verify new.corp.com in webex-prod');
  });

  it('a claimed domain: failed, exit 4, with the documented 409 and its hint', async () => {
    const { code, doc } = await exec('carol@corp.com', 'verify-token corp.com');
    expect(code).toBe(4);
    expect(doc).toMatchObject({
      status: 'failed',
      error: { code: 'vendor_conflict', status: 409, vendor: 'webex' },
    });
    expect(doc.error.hint).toContain('needs no verification token');
    expect(everyPlatform(doc)).toContain('needs no verification token');
  });
});

describe('verify', () => {
  it('is refused by the DNS check (nothing sent) until the record is published, then shows the verified and claimed lists', async () => {
    // partner.org: a token was requested, but its record is not published.
    const sent = fake.requests.length;
    const failed = await approved('verify partner.org');
    expect(failed.code).toBe(4);
    expect(failed.doc.error).toMatchObject({ code: 'dns_not_ready', vendor: 'webex' });
    expect(failed.doc.error.hint).toContain('run `verify-token partner.org in webex-prod`');
    expect(failed.doc.error.hint).toContain('--skip-dns-check');
    expect(fake.requests.length, 'Webex was sent nothing').toBe(sent);
    // The DNS table comes with the failure: in the document and on the card.
    expect(failed.doc.result).toMatchObject({ action: 'dns-check', ready: false, zone: 'partner.org' });
    expect(failed.doc.result.servers.length).toBeGreaterThan(0);
    expect(failed.doc.result.servers.every((s: Doc) => s.status === 'missing')).toBe(true);
    const card = everyPlatform(failed.doc);
    expect(card).toContain('verify-token partner.org in webex-prod');
    expect(card).toContain('ns1.sandbox.invalid 127.0.0.1: missing');

    // --skip-dns-check sends it anyway: Webex's own 400, with the verify-token hint.
    const skipped = await approved('verify partner.org --skip-dns-check');
    expect(skipped.code).toBe(4);
    expect(skipped.doc.error).toMatchObject({ code: 'vendor_bad_request', status: 400 });
    expect(skipped.doc.error.hint).toContain('run `verify-token partner.org in webex-prod` first');
    expect(everyPlatform(skipped.asked)).toContain('skipped (--skip-dns-check)');

    const published = await fetch(`${running.url}/sandbox/dns/txt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: 'partner.org' }),
    });
    expect(published.status).toBe(200);

    const dry = await exec('alice@corp.com', 'verify partner.org', '--dry-run');
    expect(dry.doc.request.body).toBe('{"domain":"partner.org","claimDomain":false}');
    const done = await approved('verify partner.org');
    expect(done.code).toBe(0);
    expectDryRunSent(dry.doc.request);
    expect(done.doc).toMatchObject({
      status: 'succeeded',
      result: {
        action: 'verify',
        domain: 'partner.org',
        claim: false,
        claimedDomains: ['abc.com', 'corp.com'],
      },
    });
    expect(done.doc.result.verifiedDomains).toContain('partner.org');
    const cards = everyPlatform(done.doc);
    for (const words of [
      'Verified partner.org',
      'Verified domains',
      'Claimed domains',
      'claim partner.org in webex-prod',
    ])
      expect(cards).toContain(words);
  });

  it('--claim verifies and claims a domain whose record is published (eu.corp.com: the sandbox DNS zone)', async () => {
    const asked = await exec('alice@corp.com', 'verify eu.corp.com --claim');
    expect(everyPlatform(asked.doc)).toContain('Claim too');
    const done = await approved('verify eu.corp.com --claim');
    expect(done.doc).toMatchObject({ status: 'succeeded', result: { claim: true } });
    expect(done.doc.result.claimedDomains).toContain('eu.corp.com');
    expect(everyPlatform(done.doc)).toContain('Verified and claimed eu.corp.com');
    expect(fake.state.orgs.get(ORG)!.claimed.has('eu.corp.com')).toBe(true);
  });
});

describe('claim', () => {
  it('a verified, unclaimed domain is claimed; forceDomainClaim false is sent explicitly', async () => {
    const dry = await exec('alice@corp.com', 'claim example.org', '--dry-run');
    expect(dry.doc.request.body).toBe('{"data":[{"domain":"example.org"}],"forceDomainClaim":false}');
    const done = await approved('claim example.org');
    expect(done.code).toBe(0);
    expectDryRunSent(dry.doc.request);
    expect(done.doc.result).toMatchObject({ action: 'claim', domain: 'example.org', force: false });
    expect(everyPlatform(done.doc)).toContain('Claimed example.org');
    // Without --force, the approval card has no warning.
    expect(JSON.stringify(done.asked.cards)).not.toContain("another organization's users");
  });

  it('an unverified domain: 400 with the hint to run verify first', async () => {
    const { code, doc } = await approved('claim acme.org');
    expect(code).toBe(4);
    expect(doc.error).toMatchObject({ code: 'vendor_bad_request', status: 400 });
    expect(doc.error.hint).toContain('run `verify acme.org in webex-prod` first');
  });

  it('users of another organization: refused without --force; with it the approval card warns, and it succeeds', async () => {
    const refused = await approved('claim labs.corp.com');
    expect(refused.code).toBe(4);
    expect(refused.doc.error).toMatchObject({ code: 'vendor_conflict', status: 409 });
    expect(refused.doc.error.hint).toContain('`claim labs.corp.com in webex-prod --force`');
    expect(fake.state.orgs.get(ORG)!.claimed.has('labs.corp.com')).toBe(false);

    const dry = await exec('alice@corp.com', 'claim labs.corp.com --force', '--dry-run');
    expect(dry.doc.request.body).toBe('{"data":[{"domain":"labs.corp.com"}],"forceDomainClaim":true}');

    const asked = await exec('alice@corp.com', 'claim labs.corp.com --force');
    expect(asked.doc.status).toBe('pending');
    const warning = "this takes labs.corp.com from another organization's users";
    const cards = everyPlatform(asked.doc);
    expect(cards).toContain('Warning:');
    expect(JSON.stringify(asked.doc.cards.webex)).toContain(warning);
    expect(JSON.stringify(asked.doc.cards.slack)).toContain('takes labs.corp.com from another organization');
    expect(cards).toContain('Force');
    // The text for people (the CLI, Webex fallback) says it too.
    const text = await cli(
      ['exec', '--config', config, '--as', 'alice@corp.com', 'claim labs.corp.com --force'],
      env,
    );
    expect(text.stdout).toContain(`Warning: ${warning}`);

    const done = await json(['approve', asked.doc.requestId, '--as', 'bob@corp.com']);
    expect(done.code).toBe(0);
    expectDryRunSent(dry.doc.request);
    expect(done.doc.result).toMatchObject({
      action: 'claim',
      force: true,
      claimed: [{ domain: 'labs.corp.com' }],
    });
    expect(everyPlatform(done.doc)).toContain('Claimed with --force');
    expect(fake.state.orgs.get(ORG)!.claimed.has('labs.corp.com')).toBe(true);
  });
});

describe('help', () => {
  it('explains each command with its usage', async () => {
    const run = await cli(['exec', '--config', config, '--as', 'carol@corp.com', 'help'], env);
    expect(run.stdout).toContain('verify-token <domain> [in <target>]');
    expect(run.stdout).toContain('verify <domain> [in <target>] [--claim]');
    expect(run.stdout).toContain('claim <domain> [in <target>] [--force]');
    const page = await cli(['exec', '--config', config, '--as', 'carol@corp.com', 'help claim'], env);
    expect(page.stdout).toContain('--force');
  });
});

// The card model has plain text only: no platform markup leaks from the views.
it('views carry plain text', () => {
  const view = webexIdentity.view(
    {
      action: 'verify-token',
      domain: 'x.com',
      token: 't',
      verificationMethod: 'DNS_TXT',
      record: { name: 'x.com', type: 'TXT', value: 'cisco-ci-domain-verification=t' },
      raw: {},
    },
    'webex-prod',
  );
  const texts = view.sections.flatMap((s) => (s.kind === 'text' ? [spanText(s.text)] : []));
  expect(texts.join(' ')).not.toMatch(/[*_`]/);
});
