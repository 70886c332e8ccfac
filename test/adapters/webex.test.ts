import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VendorClient } from '../../adapters/types.ts';
import { startWebexFake, type WebexFake, webexOrg } from '../../adapters/webex-identity/sandbox.ts';
import { createVendorClient, everythingShown, fastHttp, rejection, targetFrom } from './helpers.ts';

const ORG = 'ciscospark://us/ORGANIZATION/1eb65fdf';
const ORG_PATH = '/v1/identity/organizations/ciscospark%3A%2F%2Fus%2FORGANIZATION%2F1eb65fdf/actions';
const CLIENT_SECRET = 'client-secret-value-42';
const REFRESH = 'refresh-token-value-42';

let fake: WebexFake;
let staticToken: string;
const { http, sleeps } = fastHttp();

beforeAll(async () => {
  fake = await startWebexFake();
});
afterAll(async () => {
  await http.close();
  await fake.close();
});
beforeEach(() => {
  fake.state.orgs.set(
    ORG,
    webexOrg({ verified: ['abc.com', 'corp.com', 'old.com'], claimed: ['abc.com', 'corp.com'] }),
  );
  fake.state.accessTokens.clear();
  staticToken = fake.issueAccessToken();
  fake.state.clients.set('client-1', { secret: CLIENT_SECRET });
  fake.state.refreshTokens.set(REFRESH, 'client-1');
});
afterEach(() => {
  fake.requests.length = 0;
  fake.clearFaults();
  sleeps.length = 0;
});

function staticClient(token = staticToken): VendorClient {
  const target = targetFrom(
    'webex-prod',
    `vendor: webex\norgId: "${ORG}"\napiUrl: ${fake.apiUrl}\nauth: { accessToken: env:WEBEX_TOKEN }`,
    { WEBEX_TOKEN: token },
  );
  return createVendorClient(target, { http });
}

function refreshClient(now: () => number = Date.now): VendorClient {
  const target = targetFrom(
    'webex-prod',
    `vendor: webex\norgId: "${ORG}"\napiUrl: ${fake.apiUrl}\nauth:\n  clientId: client-1\n  clientSecret: env:WEBEX_CLIENT_SECRET\n  refreshToken: env:WEBEX_REFRESH\n  tokenUrl: ${fake.tokenUrl}`,
    { WEBEX_CLIENT_SECRET: CLIENT_SECRET, WEBEX_REFRESH: REFRESH },
  );
  return createVendorClient(target, { http, now });
}

const apiRequests = () => fake.requests.filter((r) => r.path.includes('/identity/'));
const tokenRequests = () => fake.requests.filter((r) => r.path === '/v1/access_token');

describe('webex unclaim and unverify: the wire', () => {
  it('unclaim posts {domain} to unclaimDomain and returns the 204 as success', async () => {
    const client = staticClient();
    const result = await client.execute({ action: 'unclaim', domain: 'abc.com' });
    expect(result).toEqual({ action: 'unclaim', domain: 'abc.com', raw: null });
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req).toMatchObject({
      method: 'POST',
      path: `${ORG_PATH}/unclaimDomain`,
      body: '{"domain":"abc.com"}',
    });
    expect(req!.headers).toMatchObject({
      authorization: `Bearer ${staticToken}`,
      'content-type': 'application/json',
      accept: 'application/json',
    });
    expect(fake.state.orgs.get(ORG)!.claimed.has('abc.com')).toBe(false);
    expect(fake.state.orgs.get(ORG)!.verified.has('abc.com')).toBe(true);
  });

  it('unverify posts {domain, removePending} and returns the remaining domains', async () => {
    const client = staticClient();
    const result = await client.execute({ action: 'unverify', domain: 'old.com', removePending: true });
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: `${ORG_PATH}/unverifyDomain`,
      body: '{"domain":"old.com","removePending":true}',
    });
    expect(result).toMatchObject({
      action: 'unverify',
      domain: 'old.com',
      verifiedDomains: ['abc.com', 'corp.com'],
      claimedDomains: ['abc.com', 'corp.com'],
    });
    expect(result.action === 'unverify' && result.url).toContain('/DomainVerification/Unverify/invoke');
  });

  it('describe() shows the same request with the token redacted, without reading the secret', () => {
    const target = targetFrom(
      'webex-prod',
      `vendor: webex\norgId: "${ORG}"\napiUrl: ${fake.apiUrl}\nauth: { accessToken: env:NOT_SET_ANYWHERE }`,
    );
    const client = createVendorClient(target, { http });
    expect(client.describe({ action: 'unverify', domain: 'old.com', removePending: false })).toEqual({
      method: 'POST',
      url: `${fake.url}${ORG_PATH}/unverifyDomain`,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Authorization: 'Bearer [REDACTED]',
      },
      body: '{"domain":"old.com","removePending":false}',
    });
    expect(client).toMatchObject({ vendor: 'webex', target: 'webex-prod' });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('webex base URL', () => {
  const webexTarget = (apiUrl: string) => {
    const target = targetFrom(
      'webex-prod',
      `vendor: webex\norgId: "${ORG}"\nauth: { accessToken: env:WEBEX_TOKEN }`,
    );
    return { ...target, apiUrl } as typeof target;
  };

  it.each([
    'https://webexapis.com/v1',
    'https://webexapis.com/v1/',
    'https://webexapis.com',
    'https://webexapis.com/',
  ])('%s reaches the documented POST /v1/identity/organizations/{orgId}/actions/…', (apiUrl) => {
    const client = createVendorClient(webexTarget(apiUrl), { http });
    expect(client.describe({ action: 'unclaim', domain: 'abc.com' }).url).toBe(
      `https://webexapis.com${ORG_PATH}/unclaimDomain`,
    );
  });

  it('a configured host without /v1 works against the fake', async () => {
    const target = targetFrom(
      'webex-prod',
      `vendor: webex\norgId: "${ORG}"\napiUrl: ${fake.url}\nauth: { accessToken: env:WEBEX_TOKEN }`,
      { WEBEX_TOKEN: staticToken },
    );
    await createVendorClient(target, { http }).execute({ action: 'unclaim', domain: 'abc.com' });
    expect(fake.requests.map((r) => r.path)).toEqual([`${ORG_PATH}/unclaimDomain`]);
  });
});

describe('webex errors', () => {
  it('unverify of a claimed domain: 400 with the unclaim-first hint, tracking id and vendor message', async () => {
    const error = await rejection(
      staticClient().execute({ action: 'unverify', domain: 'abc.com', removePending: false }),
    );
    expect(error).toMatchObject({
      code: 'vendor_bad_request',
      status: 400,
      outcome: 'failed',
      vendor: 'webex',
    });
    expect(error.hint).toContain('unclaim abc.com');
    expect(error.vendorMessage).toContain('claimed');
    expect(error.requestId).toMatch(/^ROUTER_/);
  });

  it('unverify of a domain not in the org: 404 with a hint', async () => {
    const error = await rejection(
      staticClient().execute({ action: 'unverify', domain: 'nope.com', removePending: false }),
    );
    expect(error).toMatchObject({ code: 'vendor_not_found', status: 404 });
    expect(error.hint).toContain('not a domain of organization');
  });

  it('unclaim of a domain that is not claimed: 400 with a hint', async () => {
    const error = await rejection(staticClient().execute({ action: 'unclaim', domain: 'old.com' }));
    expect(error).toMatchObject({ code: 'vendor_bad_request', status: 400 });
    expect(error.hint).toContain('not a claimed domain');
  });

  it('a static token that is refused: 401 with the scope and role hint, no retry, no token shown', async () => {
    const error = await rejection(
      staticClient('expired-static-token-xyz').execute({ action: 'unclaim', domain: 'abc.com' }),
    );
    expect(error).toMatchObject({ code: 'vendor_unauthorized', status: 401 });
    expect(error.hint).toContain('identity:organizations_rw');
    expect(error.hint).toContain('id_full_admin');
    expect(fake.requests).toHaveLength(1);
    expect(everythingShown(error)).not.toContain('expired-static-token-xyz');
    expect((error.request as { headers: Record<string, string> }).headers.Authorization).toBe(
      'Bearer [REDACTED]',
    );
  });

  it.each([
    [423, 'vendor_locked'],
    [429, 'vendor_rate_limited'],
    [503, 'vendor_unavailable'],
  ])('%i after the retries are used up: %s, try again later', async (status, code) => {
    fake.fault({ kind: 'status', status, retryAfter: '1' }, { times: 4 });
    const error = await rejection(staticClient().execute({ action: 'unclaim', domain: 'abc.com' }));
    expect(error).toMatchObject({ code, status });
    expect(error.hint).toContain('try again in 1 s');
    expect(fake.requests).toHaveLength(4);
    expect(sleeps).toEqual([1000, 1000, 1000]);
  });

  it('a Retry-After longer than maxRetryAfter is respected: no early retry, the hint says when', async () => {
    fake.fault({ kind: 'status', status: 429, retryAfter: '3600' });
    const error = await rejection(staticClient().execute({ action: 'unclaim', domain: 'abc.com' }));
    expect(error).toMatchObject({ code: 'vendor_rate_limited', status: 429, outcome: 'failed' });
    expect(error.hint).toContain('try again in 3600 s');
    expect(fake.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(fake.state.orgs.get(ORG)!.claimed.has('abc.com')).toBe(true);
  });

  it('429 with Retry-After, then success', async () => {
    fake.fault({ kind: 'status', status: 429, retryAfter: '3' });
    const result = await staticClient().execute({ action: 'unclaim', domain: 'abc.com' });
    expect(result.action).toBe('unclaim');
    expect(sleeps).toEqual([3000]);
    expect(fake.requests).toHaveLength(2);
  });

  it('a 200 with malformed JSON on unverify: bad response, outcome unknown (Webex probably acted)', async () => {
    fake.fault({ kind: 'malformed-json' });
    const error = await rejection(
      staticClient().execute({ action: 'unverify', domain: 'old.com', removePending: false }),
    );
    expect(error).toMatchObject({ code: 'vendor_bad_response', outcome: 'unknown', status: 200 });
    expect(fake.state.orgs.get(ORG)!.verified.has('old.com')).toBe(false);
  });

  it('a 200 with the wrong content type: bad response', async () => {
    fake.fault({ kind: 'wrong-content-type' });
    const error = await rejection(
      staticClient().execute({ action: 'unverify', domain: 'old.com', removePending: false }),
    );
    expect(error).toMatchObject({ code: 'vendor_bad_response', outcome: 'unknown' });
    expect(error.message).toContain('text/html');
  });

  it('an unclaim answer naming another domain: bad response, outcome unknown (Webex may have acted)', async () => {
    fake.fault(
      { kind: 'rewrite', edit: () => ({ status: 200, json: { domain: 'other.com' } }) },
      { path: `${ORG_PATH}/unclaimDomain` },
    );
    const error = await rejection(staticClient().execute({ action: 'unclaim', domain: 'abc.com' }));
    expect(error).toMatchObject({
      code: 'vendor_bad_response',
      outcome: 'unknown',
      status: 200,
      message: 'Webex answered about other.com, not abc.com',
    });
    expect(error.requestId).toBeTypeOf('string');
    expect(error.hint).toContain('abc.com');
    expect(apiRequests()).toHaveLength(1);
  });

  it('an unclaim answer naming the same domain (any letter case) is a success', async () => {
    fake.fault(
      { kind: 'rewrite', edit: () => ({ status: 200, json: { domain: 'ABC.com' } }) },
      { path: `${ORG_PATH}/unclaimDomain` },
    );
    const result = await staticClient().execute({ action: 'unclaim', domain: 'abc.com' });
    expect(result).toEqual({ action: 'unclaim', domain: 'abc.com', raw: { domain: 'ABC.com' } });
  });

  it('a POST reset mid-response: outcome unknown, sent exactly once', async () => {
    fake.fault({ kind: 'cut' }, { path: `${ORG_PATH}/unclaimDomain` });
    const error = await rejection(staticClient().execute({ action: 'unclaim', domain: 'abc.com' }));
    expect(error).toMatchObject({ code: 'vendor_outcome_unknown', outcome: 'unknown' });
    expect(apiRequests()).toHaveLength(1);
  });
});

describe('webex refresh-token flow', () => {
  it('refreshes before the first call with a form-encoded refresh_token grant', async () => {
    await refreshClient().execute({ action: 'unclaim', domain: 'abc.com' });
    expect(tokenRequests()).toHaveLength(1);
    const [token] = tokenRequests();
    expect(token!.method).toBe('POST');
    expect(token!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(token!.body))).toEqual({
      grant_type: 'refresh_token',
      client_id: 'client-1',
      client_secret: CLIENT_SECRET,
      refresh_token: REFRESH,
    });
    expect(apiRequests()[0]!.headers.authorization).toMatch(/^Bearer fake-access-/);
  });

  it('20 concurrent calls share one token request', async () => {
    const client = refreshClient();
    fake.state.orgs.get(ORG)!.claimed = new Set(Array.from({ length: 20 }, (_, i) => `d${i}.com`));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.execute({ action: 'unclaim', domain: `d${i}.com` })),
    );
    expect(tokenRequests()).toHaveLength(1);
    expect(apiRequests()).toHaveLength(20);
  });

  it('a 401 causes one refresh and one retry of the call', async () => {
    const client = refreshClient();
    await client.execute({ action: 'unclaim', domain: 'abc.com' });
    fake.state.accessTokens.clear(); // revoked at Webex
    fake.requests.length = 0;
    await client.execute({ action: 'unclaim', domain: 'corp.com' });
    expect(fake.requests.map((r) => r.path)).toEqual([
      `${ORG_PATH}/unclaimDomain`,
      '/v1/access_token',
      `${ORG_PATH}/unclaimDomain`,
    ]);
    expect(fake.state.orgs.get(ORG)!.claimed.has('corp.com')).toBe(false);
  });

  it('renews shortly before expiry and keeps a rotated refresh token in memory', async () => {
    let clock = Date.parse('2026-11-23T10:00:00Z');
    fake.state.tokenLifetime = 3600;
    fake.state.rotateRefreshTokens = true;
    const client = refreshClient(() => clock);
    await client.execute({ action: 'unclaim', domain: 'abc.com' });
    clock += 30 * 60_000;
    await client.execute({ action: 'unverify', domain: 'abc.com', removePending: false });
    expect(tokenRequests()).toHaveLength(1);
    clock += 26 * 60_000; // within 5 minutes of expiry
    await client.execute({ action: 'unclaim', domain: 'corp.com' });
    const tokens = tokenRequests();
    expect(tokens).toHaveLength(2);
    const second = new URLSearchParams(tokens[1]!.body).get('refresh_token');
    expect(second).not.toBe(REFRESH);
    expect(fake.state.refreshTokens.has(second!)).toBe(false); // rotated again by that refresh
    fake.state.tokenLifetime = 1_209_599;
    fake.state.rotateRefreshTokens = false;
  });

  it('a rejected refresh token: vendor_auth_failed naming the secret, never its value', async () => {
    fake.state.refreshTokens.clear();
    const error = await rejection(refreshClient().execute({ action: 'unclaim', domain: 'abc.com' }));
    expect(error).toMatchObject({ code: 'vendor_auth_failed', status: 400 });
    expect(error.hint).toContain('env WEBEX_REFRESH');
    expect(error.hint).toContain('targets.webex-prod.auth.refreshToken');
    const shown = everythingShown(error);
    expect(shown).not.toContain(REFRESH);
    expect(shown).not.toContain(CLIENT_SECRET);
    expect((error.request as { body: string }).body).toBe('[REDACTED]');
    expect(apiRequests()).toHaveLength(0);
  });

  it('a missing secret is vendor_auth_failed naming the variable', async () => {
    const target = targetFrom(
      'webex-prod',
      `vendor: webex\norgId: "${ORG}"\napiUrl: ${fake.apiUrl}\nauth: { accessToken: env:NOT_SET_ANYWHERE }`,
    );
    const error = await rejection(
      createVendorClient(target, { http }).execute({ action: 'unclaim', domain: 'abc.com' }),
    );
    expect(error).toMatchObject({ code: 'vendor_auth_failed' });
    expect(error.message).toContain('NOT_SET_ANYWHERE');
  });
});
