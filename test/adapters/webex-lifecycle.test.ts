/**
 * Webex domain lifecycle (verify-token, verify, claim) on the wire and against the fake's state:
 * the exact request Webex receives, the dry run showing the same, the documented refusals with
 * their hints, answers that cannot be shown, and the fake's DNS ("published" TXT records).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VendorClient } from '../../adapters/types.ts';
import type { WebexCall } from '../../adapters/webex-identity/commands.ts';
import { TXT_PREFIX, type WebexResult } from '../../adapters/webex-identity/result.ts';
import {
  SANDBOX_DNS_ZONES,
  SANDBOX_ORG,
  SANDBOX_OTHER_ORG,
  startWebexFake,
  startWebexSandbox,
  type WebexFake,
  webexOrg,
} from '../../adapters/webex-identity/sandbox.ts';
import { isVendorCommand } from '../../src/core/grammar/index.ts';
import { modules } from '../../src/modules.ts';
import { createVendorClient, everythingShown, fastHttp, rejection, targetFrom } from './helpers.ts';

const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const OTHER = '0f0e0d0c-0b0a-4909-8807-060504030201';
const ACTIONS = `/v1/identity/organizations/${ORG}/actions`;

let fake: WebexFake;
let token: string;
const { http } = fastHttp();

beforeAll(async () => {
  fake = await startWebexFake({ publishZones: ['corp.com'] });
});
afterAll(async () => {
  await http.close();
  await fake.close();
});
beforeEach(() => {
  fake.state.orgs.clear();
  fake.state.orgs.set(
    ORG,
    webexOrg({
      verified: ['corp.com', 'example.org', 'labs.corp.com'],
      claimed: ['corp.com'],
      outsideUsers: { 'labs.corp.com': 'Globex Partners' },
    }),
  );
  fake.state.orgs.set(OTHER, webexOrg({ claimed: ['globex.com'] }));
  fake.state.txt.clear();
  fake.state.accessTokens.clear();
  token = fake.issueAccessToken();
});
afterEach(() => {
  fake.requests.length = 0;
  fake.clearFaults();
});

const org = () => fake.state.orgs.get(ORG)!;

function client(apiUrl = fake.apiUrl, secret = token): VendorClient {
  const target = targetFrom(
    'webex-prod',
    `vendor: webex\norgId: ${ORG}\napiUrl: ${apiUrl}\nauth: { accessToken: env:WEBEX_TOKEN }`,
    { WEBEX_TOKEN: secret },
  );
  return createVendorClient(target, { http });
}

/** A call exactly as the grammar builds it from a typed command. */
function callOf(text: string): WebexCall {
  const parsed = modules.grammar.parse(text);
  if (!parsed.ok || !isVendorCommand(parsed.command)) throw new Error(`not a vendor command: ${text}`);
  return parsed.command.call as WebexCall;
}

/** Runs a command against the fake; returns the result, the dry run and what the fake received. */
async function run(text: string) {
  const call = callOf(text);
  const c = client();
  const shown = c.describe(call);
  const before = fake.requests.length;
  const result = (await c.execute(call)) as unknown as WebexResult;
  return { result, shown, sent: fake.requests.slice(before) };
}

describe('the commands', () => {
  it('have the usage lines of the product contract', () => {
    const usage = (action: string) => modules.grammar.byAction(action)?.usage;
    expect(usage('verify-token')).toBe('verify-token <domain> [in <target>]');
    expect(usage('verify')).toBe('verify <domain> [in <target>] [--claim] [--wait] [--skip-dns-check]');
    expect(usage('claim')).toBe('claim <domain> [in <target>] [--force]');
  });

  it('build the calls from what was typed', () => {
    expect(callOf('verify-token Corp.COM.')).toEqual({ action: 'verify-token', domain: 'corp.com' });
    expect(callOf('verify eu.corp.com')).toEqual({ action: 'verify', domain: 'eu.corp.com', claim: false });
    expect(callOf('verify eu.corp.com --claim')).toEqual({
      action: 'verify',
      domain: 'eu.corp.com',
      claim: true,
    });
    expect(callOf('claim labs.corp.com')).toEqual({ action: 'claim', domain: 'labs.corp.com', force: false });
    expect(callOf('claim labs.corp.com in webex-prod --force')).toEqual({
      action: 'claim',
      domain: 'labs.corp.com',
      force: true,
    });
  });

  it('refuse what does not fit, with the usage', () => {
    for (const [text, words] of [
      ['verify-token', 'needs a domain'],
      ['verify-token corp.com --claim', '--claim'],
      ['claim corp.com --claim', '--claim'],
      ['verify corp.com --force', '--force'],
    ] as const) {
      const parsed = modules.grammar.parse(text);
      expect(parsed.ok, text).toBe(false);
      expect(parsed.ok ? '' : `${parsed.error.message} ${parsed.error.hint ?? ''}`, text).toContain(words);
    }
  });
});

describe('verify-token: POST …/actions/getDomainVerificationToken {domain}', () => {
  it('sends exactly the dry-run request and returns the TXT record to publish at the domain', async () => {
    const { result, shown, sent } = await run('verify-token new.corp.com');
    expect(shown).toEqual({
      method: 'POST',
      url: `${fake.url}${ACTIONS}/getDomainVerificationToken`,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Authorization: 'Bearer [REDACTED]',
      },
      body: '{"domain":"new.corp.com"}',
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      method: 'POST',
      path: `${ACTIONS}/getDomainVerificationToken`,
      body: '{"domain":"new.corp.com"}',
    });
    expect(sent[0]!.headers).toMatchObject({
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json',
    });
    const issued = org().tokens.get('new.corp.com')!;
    expect(result).toEqual({
      action: 'verify-token',
      domain: 'new.corp.com',
      orgId: ORG,
      token: issued,
      verificationMethod: 'DNS_TXT',
      record: { name: 'new.corp.com', type: 'TXT', value: `cisco-ci-domain-verification=${issued}` },
      url: `https://identity.webex.com/organization/${ORG}/v1/actions/DomainVerification/GetToken/invoke`,
      raw: expect.objectContaining({ token: issued }),
    });
    expect(org().pending.has('new.corp.com')).toBe(true);
  });

  it('asking again gives the same token', async () => {
    const first = await run('verify-token partner.org');
    const second = await run('verify-token partner.org');
    expect(second.result).toMatchObject({ token: (first.result as { token: string }).token });
  });

  it('409 for a domain claimed by this organization: the hint says a claimed domain needs no token', async () => {
    const error = await rejection(client().execute(callOf('verify-token corp.com')));
    expect(error).toMatchObject({ code: 'vendor_conflict', status: 409, outcome: 'failed' });
    expect(error.hint).toContain('corp.com is already claimed');
    expect(error.vendorMessage).toContain('already claimed');
    expect(org().pending.has('corp.com')).toBe(false);
  });

  it('409 for a domain claimed by another organization', async () => {
    const error = await rejection(client().execute(callOf('verify-token globex.com')));
    expect(error).toMatchObject({ code: 'vendor_conflict', status: 409 });
    expect(error.vendorMessage).toContain('another organization');
    expect(org().tokens.has('globex.com')).toBe(false);
  });

  it('an answer about another domain is never shown as the record to publish', async () => {
    fake.fault(
      { kind: 'rewrite', edit: () => ({ status: 200, json: { domain: 'evil.com', token: 'x-1' } }) },
      { path: `${ACTIONS}/getDomainVerificationToken` },
    );
    const error = await rejection(client().execute(callOf('verify-token new.corp.com')));
    expect(error).toMatchObject({
      code: 'vendor_bad_response',
      outcome: 'failed',
      message: 'Webex answered about evil.com, not new.corp.com',
    });
    expect(error.hint).toContain('verify-token new.corp.com');
  });

  it('an answer without a token is a bad response', async () => {
    fake.fault(
      { kind: 'rewrite', edit: () => ({ status: 200, json: { domain: 'new.corp.com' } }) },
      { path: `${ACTIONS}/getDomainVerificationToken` },
    );
    const error = await rejection(client().execute(callOf('verify-token new.corp.com')));
    expect(error).toMatchObject({ code: 'vendor_bad_response', outcome: 'failed' });
  });

  it('a token Webex already gives with the record prefix is not prefixed twice', async () => {
    fake.fault(
      {
        kind: 'rewrite',
        edit: () => ({
          status: 200,
          json: { domain: 'new.corp.com', token: `${TXT_PREFIX}abc-123`, verificationMethod: 'DNS_TXT' },
        }),
      },
      { path: `${ACTIONS}/getDomainVerificationToken` },
    );
    const { result } = await run('verify-token new.corp.com');
    expect(result).toMatchObject({ record: { value: 'cisco-ci-domain-verification=abc-123' } });
  });

  it('a 504 is not an unknown outcome: asking for the token again is safe, and the hint says so', async () => {
    fake.fault({ kind: 'status', status: 504 }, { times: 10 });
    const error = await rejection(client().execute(callOf('verify-token new.corp.com')));
    expect(error).toMatchObject({ code: 'vendor_timeout', outcome: 'failed' });
    expect(error.hint).toContain('try again');
  });
});

describe('verify: POST …/actions/verifyDomain {domain, claimDomain}', () => {
  it('sends claimDomain false without --claim; succeeds once the record is published', async () => {
    await run('verify-token new.corp.com'); // corp.com is the fake's zone: published at once
    const { result, shown, sent } = await run('verify new.corp.com');
    expect(shown.body).toBe('{"domain":"new.corp.com","claimDomain":false}');
    expect(shown.url).toBe(`${fake.url}${ACTIONS}/verifyDomain`);
    expect(sent.map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', `${ACTIONS}/verifyDomain`, '{"domain":"new.corp.com","claimDomain":false}'],
    ]);
    expect(result).toMatchObject({
      action: 'verify',
      domain: 'new.corp.com',
      claim: false,
      verifiedDomains: expect.arrayContaining(['new.corp.com', 'corp.com']),
      claimedDomains: ['corp.com'],
      url: `https://identity.webex.com/organization/${ORG}/v1/actions/DomainVerification/Verify/invoke`,
    });
    expect(org().verified.has('new.corp.com')).toBe(true);
    expect(org().pending.has('new.corp.com')).toBe(false);
    expect(org().claimed.has('new.corp.com')).toBe(false);
  });

  it('--claim sends claimDomain true and the domain is claimed too', async () => {
    await run('verify-token eu.corp.com');
    const { result, sent } = await run('verify eu.corp.com --claim');
    expect(sent[0]!.body).toBe('{"domain":"eu.corp.com","claimDomain":true}');
    expect(result).toMatchObject({ claim: true, claimedDomains: ['corp.com', 'eu.corp.com'] });
  });

  it('400 when no token was requested: the hint says to run verify-token first', async () => {
    const error = await rejection(client().execute(callOf('verify acme.org')));
    expect(error).toMatchObject({ code: 'vendor_bad_request', status: 400, outcome: 'failed' });
    expect(error.hint).toContain('run `verify-token acme.org in webex-prod` first');
    expect(error.vendorMessage).toContain('No verification token');
  });

  it('400 until the TXT record is published, then verified: publish() and POST /sandbox/dns/txt', async () => {
    const token = await run('verify-token acme.org');
    const error = await rejection(client().execute(callOf('verify acme.org')));
    expect(error).toMatchObject({ code: 'vendor_bad_request', status: 400 });
    expect(error.vendorMessage).toContain('TXT record');
    expect(error.hint).toContain('publish the TXT record');
    expect(org().verified.has('acme.org')).toBe(false);

    // A record with another value does not count.
    expect(fake.publish('acme.org', 'cisco-ci-domain-verification=someone-elses')).toHaveLength(1);
    await rejection(client().execute(callOf('verify acme.org')));

    const res = await fetch(`${fake.url}/sandbox/dns/txt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: 'ACME.org' }),
    });
    expect(res.status).toBe(200);
    const value = `cisco-ci-domain-verification=${(token.result as { token: string }).token}`;
    expect(await res.json()).toEqual({
      domain: 'acme.org',
      txt: ['cisco-ci-domain-verification=someone-elses', value],
    });
    expect((token.result as { record: { value: string } }).record.value).toBe(value);
    const { result } = await run('verify acme.org');
    expect(result).toMatchObject({ action: 'verify', verifiedDomains: expect.arrayContaining(['acme.org']) });
  });

  it('the sandbox endpoint refuses a domain without a token, and a body that is not {domain}', async () => {
    const post = (body: string) =>
      fetch(`${fake.url}/sandbox/dns/txt`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const none = await post(JSON.stringify({ domain: 'never.org' }));
    expect(none.status).toBe(400);
    expect(JSON.stringify(await none.json())).toContain('verify-token');
    expect((await post('[]')).status).toBe(400);
    expect(() => fake.publish('never.org')).toThrow(/no verification token/);
  });

  it('409 for a domain another organization claimed', async () => {
    fake.state.orgs.get(OTHER)!.claimed.add('taken.org');
    org().tokens.set('taken.org', 't-1');
    fake.publish('taken.org');
    const error = await rejection(client().execute(callOf('verify taken.org')));
    expect(error).toMatchObject({ code: 'vendor_conflict', status: 409 });
    expect(error.hint).toContain('claimed by another organization');
  });

  it('--claim of a domain users of another organization use: 409, nothing changes, the hint names claim --force', async () => {
    org().verified.delete('labs.corp.com');
    await run('verify-token labs.corp.com');
    const error = await rejection(client().execute(callOf('verify labs.corp.com --claim')));
    expect(error).toMatchObject({ code: 'vendor_conflict', status: 409 });
    expect(error.hint).toContain(
      'verify without --claim, then run `claim labs.corp.com in webex-prod --force`',
    );
    expect(org().verified.has('labs.corp.com')).toBe(false);
  });

  it('a verified domain verifies again without a token (nothing to look up)', async () => {
    const { result } = await run('verify example.org');
    expect(result).toMatchObject({ verifiedDomains: expect.arrayContaining(['example.org']) });
  });
});

describe('claim: POST …/actions/claimDomain {data: [{domain}], forceDomainClaim}', () => {
  it('sends forceDomainClaim false explicitly without --force (the vendor default is true)', async () => {
    const { result, shown, sent } = await run('claim example.org');
    expect(shown).toEqual({
      method: 'POST',
      url: `${fake.url}${ACTIONS}/claimDomain`,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Authorization: 'Bearer [REDACTED]',
      },
      body: '{"data":[{"domain":"example.org"}],"forceDomainClaim":false}',
    });
    expect(sent.map((r) => [r.method, r.path, r.body, r.headers.authorization])).toEqual([
      [
        'POST',
        `${ACTIONS}/claimDomain`,
        '{"data":[{"domain":"example.org"}],"forceDomainClaim":false}',
        `Bearer ${token}`,
      ],
    ]);
    expect(result).toEqual({
      action: 'claim',
      domain: 'example.org',
      force: false,
      claimed: [
        {
          domain: 'example.org',
          url: `https://identity.webex.com/organizations/${ORG}/v1/domains/${Buffer.from('example.org').toString('base64')}`,
        },
      ],
      raw: expect.anything(),
    });
    expect(org().claimed.has('example.org')).toBe(true);
  });

  it('400 for a domain that is not verified: the hint says to run verify first', async () => {
    const error = await rejection(client().execute(callOf('claim acme.org')));
    expect(error).toMatchObject({ code: 'vendor_bad_request', status: 400, outcome: 'failed' });
    expect(error.hint).toContain('run `verify acme.org in webex-prod` first');
    expect(error.vendorMessage).toContain('not verified');
  });

  it('users of another organization: refused without --force (hint: --force), claimed with it', async () => {
    const refused = await rejection(client().execute(callOf('claim labs.corp.com')));
    expect(refused).toMatchObject({ code: 'vendor_conflict', status: 409, outcome: 'failed' });
    expect(refused.hint).toContain('`claim labs.corp.com in webex-prod --force` takes the domain from them');
    expect(org().claimed.has('labs.corp.com')).toBe(false);

    const { result, sent } = await run('claim labs.corp.com --force');
    expect(sent[0]!.body).toBe('{"data":[{"domain":"labs.corp.com"}],"forceDomainClaim":true}');
    expect(result).toMatchObject({ action: 'claim', force: true, claimed: [{ domain: 'labs.corp.com' }] });
    expect(org().claimed.has('labs.corp.com')).toBe(true);
    expect(org().outsideUsers.has('labs.corp.com')).toBe(false);
  });

  it('an answer about another domain: bad response, outcome unknown (Webex may have claimed it)', async () => {
    fake.fault(
      { kind: 'rewrite', edit: () => ({ status: 200, json: { data: [{ domain: 'other.com' }] } }) },
      { path: `${ACTIONS}/claimDomain` },
    );
    const error = await rejection(client().execute(callOf('claim example.org')));
    expect(error).toMatchObject({
      code: 'vendor_bad_response',
      outcome: 'unknown',
      message: 'Webex answered about other.com, not example.org',
    });
  });

  it('a 204 without a body is a claim with nothing more to show', async () => {
    fake.fault({ kind: 'rewrite', edit: () => ({ status: 204 }) }, { path: `${ACTIONS}/claimDomain` });
    const { result } = await run('claim example.org');
    expect(result).toEqual({ action: 'claim', domain: 'example.org', force: false, claimed: [], raw: null });
  });

  it('a refusal never shows the token', async () => {
    const error = await rejection(
      client(fake.apiUrl, 'refused-token-value-77').execute(callOf('claim example.org')),
    );
    expect(error).toMatchObject({ code: 'vendor_unauthorized' });
    expect(everythingShown(error)).not.toContain('refused-token-value-77');
  });
});

describe('the built-in sandbox', () => {
  it('seeds the organization for the whole lifecycle, another organization, and the DNS of corp.com', async () => {
    const running = await startWebexSandbox({ prod: { vendor: 'webex', orgId: ORG } });
    try {
      const state = running.fake.state;
      expect([...state.orgs.keys()]).toEqual([ORG, SANDBOX_OTHER_ORG.id]);
      const own = state.orgs.get(ORG)!;
      expect([...own.claimed]).toEqual(SANDBOX_ORG.claimed);
      expect([...own.pending]).toEqual(['eu.corp.com', 'partner.org']);
      expect([...own.outsideUsers.keys()]).toEqual(['labs.corp.com']);
      expect(state.publishZones).toEqual(SANDBOX_DNS_ZONES);
      // eu.corp.com's record is published (it is in the zone); partner.org's is not.
      expect([...(state.txt.get('eu.corp.com') ?? [])]).toEqual([
        `cisco-ci-domain-verification=${own.tokens.get('eu.corp.com')}`,
      ]);
      expect(state.txt.has('partner.org')).toBe(false);
      expect(state.orgs.get(SANDBOX_OTHER_ORG.id)!.claimed.has('globex.com')).toBe(true);
    } finally {
      await running.close();
    }
  });
});
