/**
 * The Yandex domain lifecycle against the local fake: add-domain, list-domains (every page) and
 * delete-domain (deletion protection refused before anything is sent) for federations and
 * userpools alike: the exact requests, the operation polling, and every refusal with its code
 * and hint.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VendorClient, VendorResult, YandexDomain } from '../../adapters/types.ts';
import { yandexAuth } from '../../adapters/yandex-org/auth.ts';
import { createYandexClient } from '../../adapters/yandex-org/client.ts';
import { startYandexFake, type YandexFake } from '../../adapters/yandex-org/sandbox.ts';
import type { YandexTarget } from '../../adapters/yandex-org/target.ts';
import { createVendorClient, fastHttp, rejection, targetFrom } from './helpers.ts';

const FED = { kind: 'federation', id: 'bpf3crucp1v2fake' } as const;
const POOL = { kind: 'userpool', id: 'pool-7' } as const;
const FED_DOMAINS = '/organization-manager/v1/saml/federations/bpf3crucp1v2fake/domains';
const POOL_DOMAINS = '/organization-manager/v1/idp/userpools/pool-7/domains';

let fake: YandexFake;
let iamToken: string;
const { http, sleeps } = fastHttp();
let clock = 0;
const pollSleeps: number[] = [];
const sleep = async (ms: number) => {
  pollSleeps.push(ms);
  clock += ms;
};

beforeAll(async () => {
  fake = await startYandexFake({ now: () => clock });
});
afterAll(async () => {
  await http.close();
  await fake.close();
});
beforeEach(() => {
  clock = Date.UTC(2026, 10, 23, 10, 42);
  fake.state.scopes.clear();
  fake.state.published.clear();
  fake.state.awaitingPublication.clear();
  fake.state.autoPublish = false;
  fake.state.iamTokens.clear();
  fake.state.pollsUntilDone = 2;
  fake.state.errorBeforeDone = undefined;
  iamToken = fake.issueIamToken();
  fake.addDomain(FED, 'corp.ru');
  fake.addDomain(POOL, 'corp.ru');
});
afterEach(() => {
  fake.requests.length = 0;
  fake.clearFaults();
  sleeps.length = 0;
  pollSleeps.length = 0;
});

function target(scope: typeof FED | typeof POOL = FED): YandexTarget {
  const id = scope.kind === 'federation' ? `federationId: ${scope.id}` : `userpoolId: ${scope.id}`;
  return targetFrom(
    'yc-sso',
    `vendor: yandex\n${id}\napiUrl: ${fake.apiUrl}\noperationUrl: ${fake.operationUrl}\noperationPoll: { interval: 1s, maxInterval: 3s, timeout: 20s }\nauth: { iamToken: env:YC_IAM_TOKEN }`,
    { YC_IAM_TOKEN: iamToken },
  ) as YandexTarget;
}

function client(scope: typeof FED | typeof POOL = FED): VendorClient {
  return createVendorClient(target(scope), { http, now: () => clock, sleep });
}

/** `METHOD path` of every request the fake received. */
const wire = () => fake.requests.map((r) => `${r.method} ${r.path}`);

/** The request the dry run shows, as the fake would record it. */
function expectDryRunIsWire(c: VendorClient, call: Parameters<VendorClient['describe']>[0], index: number) {
  const shown = c.describe(call);
  const got = fake.requests[index]!;
  expect(`${fake.url}${got.path}`).toBe(shown.url);
  expect(got.method).toBe(shown.method);
  expect(got.body).toBe(shown.body ?? '');
  expect(shown.headers.Authorization).toBe('Bearer [REDACTED]');
  expect(got.headers.authorization).toBe(`Bearer ${iamToken}`);
  for (const [name, value] of Object.entries(shown.headers)) {
    if (name !== 'Authorization') expect(got.headers[name.toLowerCase()], name).toBe(value);
  }
}

const domainOf = (result: VendorResult): YandexDomain => (result as { domain: YandexDomain }).domain;

describe('yandex add-domain', () => {
  it.each([
    [FED, FED_DOMAINS, 'federationId'],
    [POOL, POOL_DOMAINS, 'userpoolId'],
  ])(
    '%o: POSTs {domain} as JSON to …/domains and polls the operation to the Domain',
    async (scope, path, metaKey) => {
      const c = client(scope);
      const result = await c.execute({ action: 'add-domain', domain: 'new.corp.ru' });
      const opId = (result as { operationId: string }).operationId;
      expect(wire()).toEqual([`POST ${path}`, `GET /operations/${opId}`, `GET /operations/${opId}`]);
      expect(fake.requests[0]!.body).toBe('{"domain":"new.corp.ru"}');
      expect(fake.requests[0]!.headers).toMatchObject({
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${iamToken}`,
      });
      expectDryRunIsWire(c, { action: 'add-domain', domain: 'new.corp.ru' }, 0);
      expect(pollSleeps).toEqual([1000, 2000]);
      expect(result.action).toBe('add-domain');
      const added = domainOf(result);
      expect(added).toMatchObject({ domain: 'new.corp.ru', status: 'NEED_TO_VALIDATE' });
      expect(added.challenges[0]).toMatchObject({
        type: 'DNS_TXT',
        status: 'PENDING',
        dnsChallenge: { name: '_yc-domain-validation.new.corp.ru', type: 'TXT' },
      });
      expect(added.deletionProtection).toBe(scope.kind === 'userpool' ? false : undefined);
      expect((result as { raw: { metadata: Record<string, string> } }).raw.metadata[metaKey]).toBe(scope.id);
      // The fake holds it now, with the same challenge.
      expect(fake.domainsOf(scope).map((d) => d.domain)).toEqual(['corp.ru', 'new.corp.ru']);
    },
  );

  it('a domain already added: vendor_conflict (ALREADY_EXISTS) with a hint to look at it; sent once', async () => {
    const error = await rejection(client().execute({ action: 'add-domain', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_conflict', status: 409, outcome: 'failed' });
    expect(error.hint).toBe(
      'corp.ru is already added to federation bpf3crucp1v2fake: run `domain corp.ru` to see its status and DNS record',
    );
    expect(error.vendorMessage).toContain('already exists');
    expect(fake.requests).toHaveLength(1);
  });

  it('a connection reset after sending is never retried: outcome unknown', async () => {
    fake.fault({ kind: 'reset' }, { method: 'POST' });
    const error = await rejection(client().execute({ action: 'add-domain', domain: 'new.corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_outcome_unknown', outcome: 'unknown' });
    expect(fake.requests).toHaveLength(1);
  });

  it('an unreadable answer to the POST leaves the outcome unknown (Yandex most likely added it)', async () => {
    fake.fault({ kind: 'wrong-content-type' }, { method: 'POST' });
    const error = await rejection(client().execute({ action: 'add-domain', domain: 'new.corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_bad_response', outcome: 'unknown' });
  });

  it('an operation that ends in error: vendor_operation_failed, outcome failed, with the gRPC hint', async () => {
    fake.state.pollsUntilDone = 1;
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => {
          const { response: _dropped, ...op } = reply.json as Record<string, unknown>;
          return { ...reply, json: { ...op, error: { code: 9, message: 'Domain is being deleted' } } };
        },
      },
      { method: 'GET', path: /^\/operations\// },
    );
    const error = await rejection(client().execute({ action: 'add-domain', domain: 'new.corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_operation_failed', outcome: 'failed' });
    expect(error.message).toMatch(
      /^Yandex could not add new\.corp\.ru to federation bpf3crucp1v2fake: Domain is being deleted \(operation fake-op-\d+, gRPC code 9\)$/,
    );
    expect(error.hint).toContain(
      'cannot add new.corp.ru to federation bpf3crucp1v2fake in its current state',
    );
  });

  it('an operation that does not finish in time: vendor_operation_pending, outcome unknown, look later', async () => {
    fake.state.pollsUntilDone = 1000;
    const error = await rejection(client().execute({ action: 'add-domain', domain: 'new.corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_operation_pending', outcome: 'unknown' });
    expect(error.message).toMatch(
      /^Yandex operation fake-op-\d+ \(add-domain new\.corp\.ru\) is still running/,
    );
    expect(error.hint).toMatch(/^new\.corp\.ru may still be added: run `domain new\.corp\.ru` later/);
    expect(pollSleeps.reduce((a, b) => a + b, 0)).toBe(20_000);
  });

  it('a poll that fails after the POST was accepted: outcome unknown, with the same hint', async () => {
    fake.fault({ kind: 'status', status: 500 }, { method: 'GET', path: /^\/operations\// });
    const error = await rejection(client().execute({ action: 'add-domain', domain: 'new.corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_server_error', outcome: 'unknown' });
    expect(error.message).toContain('while waiting for operation');
    expect(error.hint).toContain('may still be added');
  });

  it('an operation about another domain: vendor_bad_response, outcome unknown', async () => {
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => {
          const op = reply.json as { metadata: Record<string, string> };
          return { ...reply, json: { ...op, metadata: { ...op.metadata, domain: 'other.com' } } };
        },
      },
      { method: 'POST' },
    );
    const error = await rejection(client().execute({ action: 'add-domain', domain: 'new.corp.ru' }));
    expect(error).toMatchObject({
      code: 'vendor_bad_response',
      outcome: 'unknown',
      message: 'Yandex answered about other.com, not new.corp.ru',
    });
    expect(error.hint).toContain('new.corp.ru may have been added');
  });

  it('a finished operation without a Domain: vendor_bad_response, outcome unknown', async () => {
    fake.state.pollsUntilDone = 0;
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => ({ ...reply, json: { ...(reply.json as object), response: { nothing: true } } }),
      },
      { method: 'POST' },
    );
    const error = await rejection(client().execute({ action: 'add-domain', domain: 'new.corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_bad_response', outcome: 'unknown' });
    expect(error.message).toMatch(/operation fake-op-\d+ finished without a Domain/);
  });

  it('a name Yandex refuses (INVALID_ARGUMENT) is vendor_bad_request asking to check the name', async () => {
    // The grammar never sends such a name; the fake checks it as Yandex does.
    const error = await rejection(client().execute({ action: 'add-domain', domain: 'bad_name' }));
    expect(error).toMatchObject({ code: 'vendor_bad_request', status: 400 });
    expect(error.hint).toContain('check the domain name');
  });
});

/** A page token as the fake issues them (opaque to the client). */
const token = (text: string) => Buffer.from(text).toString('base64url');

describe('yandex list-domains', () => {
  /** `count` more domains d001.corp.ru… in the scope, after corp.ru. */
  function many(scope: typeof FED | typeof POOL, count: number): void {
    for (let i = 1; i <= count; i++) fake.addDomain(scope, `d${String(i).padStart(3, '0')}.corp.ru`);
  }

  it.each([
    [FED, FED_DOMAINS],
    [POOL, POOL_DOMAINS],
  ])('%o: follows nextPageToken over three pages and returns every domain in order', async (scope, path) => {
    many(scope, 249);
    const c = client(scope);
    const result = await c.execute({ action: 'list-domains' });
    expect(fake.requests).toHaveLength(3);
    const queries = fake.requests.map((r) => new URL(r.path, fake.url));
    for (const q of queries) {
      expect(q.pathname).toBe(path);
      expect(q.searchParams.get('pageSize')).toBe('100');
    }
    expect(fake.requests[0]!.path).toBe(`${path}?pageSize=100`);
    expect(queries[1]!.searchParams.get('pageToken')).toBeTruthy();
    expect(queries[2]!.searchParams.get('pageToken')).toBeTruthy();
    expect(queries[2]!.searchParams.get('pageToken')).not.toBe(queries[1]!.searchParams.get('pageToken'));
    for (const r of fake.requests) {
      expect(r.body).toBe('');
      expect(r.headers).toMatchObject({ accept: 'application/json', authorization: `Bearer ${iamToken}` });
    }
    // The dry run shows the first request.
    expectDryRunIsWire(c, { action: 'list-domains' }, 0);
    expect(result.action).toBe('list-domains');
    const { domains, pages } = result as { domains: YandexDomain[]; pages: number };
    expect(pages).toBe(3);
    expect(domains).toHaveLength(250);
    expect(domains.map((d) => d.domain)).toEqual(fake.domainsOf(scope).map((d) => d.domain));
    expect(domains[0]).toMatchObject({ domain: 'corp.ru', status: 'NEED_TO_VALIDATE' });
    expect(domains[0]!.challenges[0]!.dnsChallenge?.name).toBe('_yc-domain-validation.corp.ru');
  });

  it('the page token is sent URL-encoded, as given', async () => {
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => ({ ...reply, json: { ...(reply.json as object), nextPageToken: 'a+b/c=d&e' } }),
      },
      { method: 'GET' },
    );
    fake.fault(
      { kind: 'status', status: 400, body: '{"code":3,"message":"Invalid page token"}' },
      { method: 'GET' },
    );
    await rejection(client().execute({ action: 'list-domains' }));
    expect(fake.requests[1]!.path).toBe(`${FED_DOMAINS}?pageSize=100&pageToken=a%2Bb%2Fc%3Dd%26e`);
  });

  it('an empty federation: no `domains` member (proto3 JSON leaves it out) is an empty list', async () => {
    fake.state.scopes.clear();
    const result = await client().execute({ action: 'list-domains' });
    expect(result).toEqual({ action: 'list-domains', domains: [], pages: 1 });
    expect(fake.requests).toHaveLength(1);
  });

  it('a page token Yandex sent before ends the listing with vendor_bad_response (no endless loop)', async () => {
    many(FED, 249);
    let first: string | undefined;
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => {
          first = (reply.json as { nextPageToken: string }).nextPageToken;
          return reply;
        },
      },
      { method: 'GET' },
    );
    // Page 2 answers with page 1's token again.
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => ({ ...reply, json: { ...(reply.json as object), nextPageToken: first } }),
      },
      { method: 'GET' },
    );
    const error = await rejection(client().execute({ action: 'list-domains' }));
    expect(error).toMatchObject({ code: 'vendor_bad_response', outcome: 'failed', status: 200 });
    expect(error.message).toBe(
      'Yandex sent a page token it had sent before (page 2): the list would never end',
    );
    expect(error.hint).toContain('try again');
    expect(error.requestId).toBeTypeOf('string');
    expect(fake.requests).toHaveLength(2);
  });

  it('a page token that repeats the one just used is caught on the next page', async () => {
    many(FED, 249);
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => ({
          ...reply,
          json: { ...(reply.json as object), nextPageToken: token('offset:0') },
        }),
      },
      { method: 'GET', times: 5 },
    );
    const error = await rejection(client().execute({ action: 'list-domains' }));
    expect(error.message).toContain('page token it had sent before (page 2)');
    expect(fake.requests).toHaveLength(2);
  });

  it('a list that never ends (a new token on every page) stops at the page limit', async () => {
    let n = 0;
    fake.fault(
      {
        kind: 'rewrite',
        // Tokens the fake takes (all for the first page), each new.
        edit: (reply) => ({
          ...reply,
          json: { ...(reply.json as object), nextPageToken: token(`offset:${'0'.repeat(++n)}`) },
        }),
      },
      { method: 'GET', times: 100 },
    );
    const t = target();
    const c = createYandexClient(t, {
      http,
      auth: yandexAuth(t, http, () => clock),
      now: () => clock,
      sleep,
      maxListPages: 4,
    });
    const error = await rejection(c.execute({ action: 'list-domains' }));
    expect(error).toMatchObject({ code: 'vendor_bad_response', outcome: 'failed' });
    expect(error.message).toBe('Yandex listed more than 4 pages (1 domain so far): stopped');
    expect(fake.requests).toHaveLength(4);
  });

  it('a domain listed on two pages (the list changed in between) is shown once', async () => {
    many(FED, 149);
    fake.fault({ kind: 'rewrite', edit: (reply) => reply }, { method: 'GET' });
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => {
          const page = reply.json as { domains: unknown[] };
          return {
            ...reply,
            json: { ...page, domains: [{ domain: 'CORP.RU', challenges: [] }, ...page.domains] },
          };
        },
      },
      { method: 'GET' },
    );
    const result = await client().execute({ action: 'list-domains' });
    const { domains } = result as { domains: YandexDomain[] };
    expect(domains).toHaveLength(150);
    expect(domains.filter((d) => d.domain.toLowerCase() === 'corp.ru')).toHaveLength(1);
  });

  it('an error on a later page is mapped like the first (failed: a read changes nothing)', async () => {
    many(FED, 149);
    fake.fault({ kind: 'rewrite', edit: (reply) => reply }, { method: 'GET' });
    fake.fault(
      { kind: 'status', status: 403, body: '{"code":7,"message":"Permission denied"}' },
      { method: 'GET' },
    );
    const error = await rejection(client().execute({ action: 'list-domains' }));
    expect(error).toMatchObject({ code: 'vendor_forbidden', status: 403, outcome: 'failed' });
    expect(error.message).toBe('Yandex refused list-domains (403): Permission denied');
    expect(error.hint).toContain('grant it a role');
  });

  it('a missing federation: vendor_not_found asking to check federationId', async () => {
    fake.fault({ kind: 'status', status: 404, body: '{"code":5,"message":"Federation not found"}' });
    const error = await rejection(client().execute({ action: 'list-domains' }));
    expect(error).toMatchObject({ code: 'vendor_not_found', status: 404 });
    expect(error.hint).toBe(
      'the federation bpf3crucp1v2fake was not found: check federationId of target yc-sso',
    );
  });

  it.each([
    ['a page that is not an object', ['not', 'a', 'page']],
    ['domains that is not a list', { domains: 'corp.ru' }],
    ['an entry that is not a Domain', { domains: [{ name: 'corp.ru' }] }],
    ['a token that is not a string', { domains: [], nextPageToken: 7 }],
  ])('%s is vendor_bad_response, outcome failed', async (_name, json) => {
    fake.fault({ kind: 'rewrite', edit: (reply) => ({ ...reply, json }) });
    const error = await rejection(client().execute({ action: 'list-domains' }));
    expect(error).toMatchObject({ code: 'vendor_bad_response', outcome: 'failed' });
  });

  it('a page retried after a reset (a read repeats safely)', async () => {
    fake.fault({ kind: 'reset' });
    const result = await client().execute({ action: 'list-domains' });
    expect((result as { domains: unknown[] }).domains).toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
  });
});

describe('yandex delete-domain', () => {
  it('federation: DELETEs the domain (no body, no read first) and polls the operation until done', async () => {
    const c = client(FED);
    const result = await c.execute({ action: 'delete-domain', domain: 'corp.ru' });
    const opId = (result as { operationId: string }).operationId;
    expect(wire()).toEqual([
      `DELETE ${FED_DOMAINS}/corp.ru`,
      `GET /operations/${opId}`,
      `GET /operations/${opId}`,
    ]);
    expect(fake.requests[0]!.body).toBe('');
    expect(fake.requests[0]!.headers['content-type']).toBeUndefined();
    expectDryRunIsWire(c, { action: 'delete-domain', domain: 'corp.ru' }, 0);
    expect(pollSleeps).toEqual([1000, 2000]);
    expect(result).toMatchObject({ action: 'delete-domain', domain: 'corp.ru', operationId: opId });
    expect((result as { raw: { done: boolean } }).raw.done).toBe(true);
    expect(fake.domainsOf(FED)).toEqual([]);
  });

  it('userpool: reads the domain first, then DELETEs it; the dry run shows the DELETE', async () => {
    const c = client(POOL);
    const shown = c.describe({ action: 'delete-domain', domain: 'corp.ru' });
    expect(shown).toEqual({
      method: 'DELETE',
      url: `${fake.url}${POOL_DOMAINS}/corp.ru`,
      headers: { Accept: 'application/json', Authorization: 'Bearer [REDACTED]' },
    });
    const result = await c.execute({ action: 'delete-domain', domain: 'corp.ru' });
    expect(wire().slice(0, 2)).toEqual([`GET ${POOL_DOMAINS}/corp.ru`, `DELETE ${POOL_DOMAINS}/corp.ru`]);
    expectDryRunIsWire(c, { action: 'delete-domain', domain: 'corp.ru' }, 1);
    expect(result).toMatchObject({ action: 'delete-domain', domain: 'corp.ru' });
    expect(fake.domainsOf(POOL)).toEqual([]);
  });

  it('userpool: a domain protected from deletion is refused after the read, and no DELETE is sent', async () => {
    fake.domainsOf(POOL)[0]!.deletionProtection = true;
    const error = await rejection(client(POOL).execute({ action: 'delete-domain', domain: 'corp.ru' }));
    expect(error).toMatchObject({
      code: 'deletion_protected',
      outcome: 'failed',
      vendor: 'yandex',
      message: 'corp.ru is protected from deletion in userpool pool-7: domainops sent no DELETE',
      hint: 'turn off the deletion protection of corp.ru in userpool pool-7 (Yandex Cloud console), then run `delete-domain corp.ru` again',
    });
    expect(error.status).toBeUndefined();
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: 'deletion_protected', vendor: 'yandex' });
    expect(wire()).toEqual([`GET ${POOL_DOMAINS}/corp.ru`]);
    expect(fake.requests.some((r) => r.method === 'DELETE')).toBe(false);
    expect(fake.domainsOf(POOL)).toHaveLength(1);
  });

  it('userpool: a domain that is not there is vendor_not_found (nothing to delete), and no DELETE is sent', async () => {
    const error = await rejection(client(POOL).execute({ action: 'delete-domain', domain: 'other.ru' }));
    expect(error).toMatchObject({ code: 'vendor_not_found', status: 404, outcome: 'failed' });
    expect(error.hint).toBe(
      'other.ru is not a domain of userpool pool-7 (or the userpool does not exist): nothing to delete; run `list-domains` to see its domains',
    );
    expect(wire()).toEqual([`GET ${POOL_DOMAINS}/other.ru`]);
  });

  it('userpool: a read about another domain is vendor_bad_response (failed), and no DELETE is sent', async () => {
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => ({ ...reply, json: { ...(reply.json as object), domain: 'other.com' } }),
      },
      { method: 'GET' },
    );
    const error = await rejection(client(POOL).execute({ action: 'delete-domain', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_bad_response', outcome: 'failed' });
    expect(fake.requests.some((r) => r.method === 'DELETE')).toBe(false);
  });

  it("Yandex's own refusal (protection switched on after the read): FAILED_PRECONDITION with a hint", async () => {
    fake.domainsOf(POOL)[0]!.deletionProtection = true;
    // The read still shows it unprotected: the protection came on in between.
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => ({ ...reply, json: { ...(reply.json as object), deletionProtection: false } }),
      },
      { method: 'GET' },
    );
    const error = await rejection(client(POOL).execute({ action: 'delete-domain', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_bad_request', status: 400, outcome: 'failed' });
    expect(error.vendorMessage).toBe('Domain corp.ru is protected from deletion');
    expect(error.hint).toBe(
      'Yandex refuses to delete corp.ru from userpool pool-7 in its current state: if the domain is protected from deletion, turn the protection off in the Yandex Cloud console first; run `domain corp.ru` to see its state',
    );
    expect(wire()).toEqual([`GET ${POOL_DOMAINS}/corp.ru`, `DELETE ${POOL_DOMAINS}/corp.ru`]);
  });

  it('federation: a domain that is not there is vendor_not_found from the DELETE itself', async () => {
    const error = await rejection(client(FED).execute({ action: 'delete-domain', domain: 'other.ru' }));
    expect(error).toMatchObject({ code: 'vendor_not_found', status: 404 });
    expect(error.hint).toContain('nothing to delete');
    expect(wire()).toEqual([`DELETE ${FED_DOMAINS}/other.ru`]);
  });

  it('a reset after the DELETE was sent is never retried: outcome unknown', async () => {
    fake.fault({ kind: 'reset' }, { method: 'DELETE' });
    const error = await rejection(client(FED).execute({ action: 'delete-domain', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_outcome_unknown', outcome: 'unknown' });
    expect(fake.requests).toHaveLength(1);
  });

  it('the domain shows DELETING while the operation runs; a timeout says the deletion may still finish', async () => {
    fake.state.pollsUntilDone = 1000;
    const error = await rejection(client(FED).execute({ action: 'delete-domain', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_operation_pending', outcome: 'unknown' });
    expect(error.hint).toMatch(/^the deletion may still finish: run `domain corp\.ru` later/);
    expect(fake.domainsOf(FED)[0]!.status).toBe('DELETING');
  });

  it('an operation that ends in error: vendor_operation_failed naming the deletion', async () => {
    fake.state.pollsUntilDone = 0;
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => {
          const { response: _dropped, ...op } = reply.json as Record<string, unknown>;
          return { ...reply, json: { ...op, error: { code: 13, message: 'internal error' } } };
        },
      },
      { method: 'DELETE' },
    );
    const error = await rejection(client(FED).execute({ action: 'delete-domain', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_operation_failed', outcome: 'failed' });
    expect(error.message).toMatch(
      /^Yandex could not delete corp\.ru from federation bpf3crucp1v2fake: internal error/,
    );
    expect(error.hint).toBe('Yandex is unavailable: try again later');
  });

  it('an operation error set before done ends the wait at once', async () => {
    fake.state.pollsUntilDone = 1000;
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => ({
          ...reply,
          json: { ...(reply.json as object), error: { code: 9, message: 'domain is in use' } },
        }),
      },
      { method: 'GET', path: /^\/operations\// },
    );
    const error = await rejection(client(FED).execute({ action: 'delete-domain', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_operation_failed', outcome: 'failed' });
    expect(error.hint).toContain('turn the protection off');
    expect(pollSleeps).toEqual([1000]);
  });
});

describe('the fake: the lifecycle with believable state', () => {
  it('list shows what was added, delete removes it, and an added domain is validated once published', async () => {
    fake.state.pollsUntilDone = 0;
    const c = client(POOL);
    await c.execute({ action: 'add-domain', domain: 'new.corp.ru' });
    const listed = (await c.execute({ action: 'list-domains' })) as { domains: YandexDomain[] };
    expect(listed.domains.map((d) => [d.domain, d.status])).toEqual([
      ['corp.ru', 'NEED_TO_VALIDATE'],
      ['new.corp.ru', 'NEED_TO_VALIDATE'],
    ]);
    // Not published (autoPublish is off here): validation fails.
    const failed = await rejection(c.execute({ action: 'validate', domain: 'new.corp.ru' }));
    expect(failed).toMatchObject({ code: 'vendor_operation_failed' });
    fake.state.published.add('new.corp.ru');
    const valid = await c.execute({ action: 'validate', domain: 'new.corp.ru' });
    expect(domainOf(valid).status).toBe('VALID');
    await c.execute({ action: 'delete-domain', domain: 'new.corp.ru' });
    const after = (await c.execute({ action: 'list-domains' })) as { domains: YandexDomain[] };
    expect(after.domains.map((d) => d.domain)).toEqual(['corp.ru']);
    // Added again: a new challenge, whose record is not published yet.
    const again = await c.execute({ action: 'add-domain', domain: 'new.corp.ru' });
    expect(domainOf(again).status).toBe('NEED_TO_VALIDATE');
    expect(fake.state.published.has('new.corp.ru')).toBe(false);
  });

  it('autoPublish (the playground): an added domain is published from its second read on', async () => {
    fake.state.pollsUntilDone = 0;
    fake.state.autoPublish = true;
    const c = client(FED);
    await c.execute({ action: 'add-domain', domain: 'new.corp.ru' });
    expect(fake.state.published.has('new.corp.ru')).toBe(false);
    const shown = await c.execute({ action: 'domain', domain: 'new.corp.ru' });
    // The first read shows the record waiting: publishing it is what the admin does next.
    expect(domainOf(shown).status).toBe('NEED_TO_VALIDATE');
    expect(fake.state.published.has('new.corp.ru')).toBe(false);
    await c.execute({ action: 'domain', domain: 'new.corp.ru' });
    expect(fake.state.published.has('new.corp.ru')).toBe(true);
    const valid = await c.execute({ action: 'validate', domain: 'new.corp.ru' });
    expect(domainOf(valid).status).toBe('VALID');
    // A seeded domain is never published this way.
    await c.execute({ action: 'domain', domain: 'corp.ru' });
    expect(fake.state.published.has('corp.ru')).toBe(false);
  });

  it('autoPublish: a failed validate shows the record (the first read); once read again, validate succeeds', async () => {
    fake.state.pollsUntilDone = 0;
    fake.state.autoPublish = true;
    const c = client(FED);
    const added = domainOf(await c.execute({ action: 'add-domain', domain: 'new.corp.ru' }));
    const failed = await rejection(c.execute({ action: 'validate', domain: 'new.corp.ru' }));
    expect(failed.hint).toContain(added.challenges[0]!.dnsChallenge!.value!);
    // The precheck of validate (off here) or `domain` reads it again: published from then on.
    await c.execute({ action: 'domain', domain: 'new.corp.ru' });
    const valid = await c.execute({ action: 'validate', domain: 'new.corp.ru' });
    expect(domainOf(valid).status).toBe('VALID');
  });

  it('list pages: pageSize over 1000 and a token it did not issue are INVALID_ARGUMENT', async () => {
    const get = (query: string) =>
      fetch(`${fake.url}${FED_DOMAINS}?${query}`, { headers: { authorization: `Bearer ${iamToken}` } });
    expect((await get('pageSize=1001')).status).toBe(400);
    expect((await get('pageSize=100&pageToken=bogus')).status).toBe(400);
    const page = (await (await get('pageSize=1')).json()) as { domains: unknown[]; nextPageToken?: string };
    expect(page.domains).toHaveLength(1);
    expect(page.nextPageToken).toBeUndefined();
  });

  it('AddDomain insists on a JSON object with only `domain`', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${fake.url}${FED_DOMAINS}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${iamToken}`, 'content-type': type },
        body,
      });
    expect((await post('{"domain":"x.ru"}', 'text/plain')).status).toBe(400);
    expect((await post('["x.ru"]')).status).toBe(400);
    expect((await post('{"domain":"x.ru","federationId":"y"}')).status).toBe(400);
    expect((await post('{}')).status).toBe(400);
    expect((await post('{"domain":"x.ru"}')).status).toBe(200);
  });
});
