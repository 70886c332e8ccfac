/**
 * The vendor fakes on the wire, checked against the vendor documents (Webex for Developers,
 * F5 Distributed Cloud API, Yandex Cloud API reference and yandex-cloud/cloudapi) rather than
 * against what our adapters happen to send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type F5Fake, startF5Fake } from '../../adapters/f5xc/sandbox.ts';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { GRPC_HTTP, startYandexFake, type YandexFake } from '../../adapters/yandex-org/sandbox.ts';

const ORG = 'bf732c85-68ca-4867-94e4-937286ad2fd4';
const F5_TOKEN = 'f5-token-for-contract-tests';
/** "Unassign domain owner": the only error statuses F5 XC declares. */
const F5_DECLARED = [401, 403, 404, 409, 429, 500, 503, 504];

let webex: WebexFake;
let f5: F5Fake;
let yandex: YandexFake;
let webexToken: string;
let iamToken: string;

beforeAll(async () => {
  [webex, f5, yandex] = await Promise.all([
    startWebexFake({ orgs: { [ORG]: { verified: ['old.com'], claimed: ['abc.com'] } } }),
    startF5Fake({
      users: ['bob@acme.com'],
      owners: ['admin@acme.com', 'bob@acme.com'],
      apiTokens: { [F5_TOKEN]: 'admin@acme.com' },
    }),
    startYandexFake(),
  ]);
  webexToken = webex.issueAccessToken();
  iamToken = yandex.issueIamToken();
  yandex.state.pollsUntilDone = 0;
  yandex.addDomain({ kind: 'federation', id: 'fed1' }, 'corp.ru');
  yandex.addDomain({ kind: 'userpool', id: 'pool1' }, 'corp.ru');
});
afterAll(async () => {
  await Promise.all([webex.close(), f5.close(), yandex.close()]);
});

const webexAction = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${webex.apiUrl}/identity/organizations/${ORG}/actions/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${webexToken}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('Webex fake (Unclaim Domain, Unverify Domain)', () => {
  it('answers errors as {message, errors[].description, trackingId} with a TrackingID header', async () => {
    const res = await webexAction('unclaimDomain', { domain: 'old.com' });
    expect(res.status).toBe(400); // "The domain cannot be unclaimed … the requested parameter is invalid"
    const body = (await res.json()) as {
      message: string;
      errors: { description: string }[];
      trackingId: string;
    };
    expect(body.message).toBeTypeOf('string');
    expect(body.errors[0]!.description).toBeTypeOf('string');
    expect(res.headers.get('trackingid')).toBe(body.trackingId);
  });

  it('unverify: 400 while claimed, 404 when not in the org, 204 for unclaim, then 200 with the lists', async () => {
    expect((await webexAction('unverifyDomain', { domain: 'abc.com', removePending: false })).status).toBe(
      400,
    );
    expect((await webexAction('unverifyDomain', { domain: 'nope.com', removePending: false })).status).toBe(
      404,
    );
    const unclaimed = await webexAction('unclaimDomain', { domain: 'abc.com' });
    expect(unclaimed.status).toBe(204);
    expect(await unclaimed.text()).toBe('');
    const res = await webexAction('unverifyDomain', { domain: 'abc.com', removePending: false });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      verifiedDomains: ['old.com'],
      claimedDomains: [],
      url: `https://identity.webex.com/organization/${ORG}/v1/actions/DomainVerification/Unverify/invoke`,
    });
  });

  it('415 without a JSON media type, 405 for another method, 400 for a removePending that is not a boolean', async () => {
    const untyped = await fetch(`${webex.apiUrl}/identity/organizations/${ORG}/actions/unclaimDomain`, {
      method: 'POST',
      headers: { authorization: `Bearer ${webexToken}` },
      body: new Blob([JSON.stringify({ domain: 'old.com' })]),
    });
    expect(untyped.status).toBe(415);
    const get = await fetch(`${webex.apiUrl}/identity/organizations/${ORG}/actions/unclaimDomain`, {
      headers: { authorization: `Bearer ${webexToken}` },
    });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const stringly = await webexAction('unverifyDomain', { domain: 'old.com', removePending: 'true' });
    expect(stringly.status).toBe(400);
    expect(webex.state.orgs.get(ORG)!.verified.has('old.com')).toBe(true);
  });

  it('the token endpoint takes a form-encoded body only', async () => {
    const res = await fetch(webex.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token' }),
    });
    expect(res.status).toBe(415);
  });
});

describe('F5 XC fake (Unassign domain owner)', () => {
  const unassign = (body: string, token = F5_TOKEN) =>
    fetch(`${f5.url}/api/web/namespaces/system/tenant/domain_owner/unassign`, {
      method: 'POST',
      headers: { authorization: `APIToken ${token}`, 'content-type': 'application/json' },
      body,
    });

  it('answers only declared statuses, each with a plain string body', async () => {
    const answers = await Promise.all([
      unassign(JSON.stringify({ email: 'not-an-email' })),
      unassign(JSON.stringify({ email: `${'x'.repeat(1020)}@acme.com` })),
      unassign('not json'),
      unassign(JSON.stringify({ email: 'nobody@acme.com' })),
      unassign(JSON.stringify({ email: 'bob@acme.com' }), 'wrong'),
    ]);
    for (const res of answers) {
      expect(F5_DECLARED).toContain(res.status);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(typeof (await res.json())).toBe('string');
    }
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404, 404, 401]);
  });

  it('succeeds with 200 {} and a second unassign conflicts (409)', async () => {
    const ok = await unassign(JSON.stringify({ email: 'bob@acme.com' }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({});
    const again = await unassign(JSON.stringify({ email: 'bob@acme.com' }));
    expect(again.status).toBe(409);
    expect(typeof (await again.json())).toBe('string');
  });
});

describe('Yandex fake (ValidateDomain, GetDomain)', () => {
  const auth = () => ({ authorization: `Bearer ${iamToken}` });

  it('maps gRPC codes to HTTP as google/rpc/code.proto does', () => {
    expect(GRPC_HTTP).toEqual({
      3: 400,
      4: 504,
      5: 404,
      6: 409,
      7: 403,
      8: 429,
      9: 400,
      10: 409,
      13: 500,
      14: 503,
      16: 401,
    });
  });

  it('errors are {code, message, details} with the mapped status', async () => {
    const missing = await fetch(`${yandex.apiUrl}/saml/federations/fed1/domains/other.ru`, {
      headers: auth(),
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 5, message: expect.any(String), details: [] });
    const anonymous = await fetch(`${yandex.apiUrl}/saml/federations/fed1/domains/corp.ru`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 16, details: [] });
  });

  it('a userpool Domain carries deletionProtection, a federation Domain does not', async () => {
    const pool = (await (
      await fetch(`${yandex.apiUrl}/idp/userpools/pool1/domains/corp.ru`, { headers: auth() })
    ).json()) as Record<string, unknown>;
    expect(pool.deletionProtection).toBe(false);
    const fed = (await (
      await fetch(`${yandex.apiUrl}/saml/federations/fed1/domains/corp.ru`, { headers: auth() })
    ).json()) as Record<string, unknown>;
    expect(fed).not.toHaveProperty('deletionProtection');
  });

  it('validate takes {} as JSON and answers an Operation with exactly one of error and response', async () => {
    const res = await fetch(`${yandex.apiUrl}/saml/federations/fed1/domains/corp.ru:validate`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    const op = (await res.json()) as Record<string, unknown>;
    expect(op).toMatchObject({ done: true, metadata: { federationId: 'fed1', domain: 'corp.ru' } });
    expect(['error' in op, 'response' in op].filter(Boolean)).toHaveLength(1);
    expect(op.error).toMatchObject({ code: 9, message: expect.any(String), details: [] });
  });

  it('validate without a JSON object body, or with fields outside the path, is INVALID_ARGUMENT', async () => {
    const url = `${yandex.apiUrl}/saml/federations/fed1/domains/corp.ru:validate`;
    const answers = await Promise.all([
      fetch(url, { method: 'POST', headers: auth() }),
      fetch(url, { method: 'POST', headers: { ...auth(), 'content-type': 'text/plain' }, body: '{}' }),
      fetch(url, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '[]' }),
      fetch(url, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: '{"wait":true}',
      }),
    ]);
    for (const res of answers) {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 3, message: expect.stringMatching(/validate/) });
    }
    const echoed = await fetch(url, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: '{"federationId":"fed1","domain":"corp.ru"}',
    });
    expect(echoed.status).toBe(200);
  });

  it('an error may be set while done is still false (a failure detected early)', async () => {
    yandex.state.pollsUntilDone = 5;
    yandex.state.errorBeforeDone = 0;
    try {
      const res = await fetch(`${yandex.apiUrl}/idp/userpools/pool1/domains/corp.ru:validate`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: '{}',
      });
      const op = (await res.json()) as Record<string, unknown>;
      expect(op).toMatchObject({ done: false, error: { code: 9 } });
      expect(op).not.toHaveProperty('response');
    } finally {
      yandex.state.pollsUntilDone = 0;
      yandex.state.errorBeforeDone = undefined;
    }
  });
});
