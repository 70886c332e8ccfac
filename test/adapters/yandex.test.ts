import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VendorClient } from '../../adapters/types.ts';
import { startYandexFake, type YandexFake } from '../../adapters/yandex-org/sandbox.ts';
import { createVendorClient, everythingShown, fastHttp, rejection, targetFrom, tempFile } from './helpers.ts';

const FED = { kind: 'federation', id: 'bpf3crucp1v2fake' } as const;
const POOL = { kind: 'userpool', id: 'pool-7' } as const;
const FED_PATH = '/organization-manager/v1/saml/federations/bpf3crucp1v2fake/domains/corp.ru';
const POOL_PATH = '/organization-manager/v1/idp/userpools/pool-7/domains/corp.ru';

const keyPair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const saKey = keyPair();
const otherKey = keyPair();
const KEY_ID = 'ajekey123';
const SA_ID = 'ajesa456';

function keyFile(privateKey = saKey.privateKey): string {
  return tempFile(
    'sa-key.json',
    JSON.stringify({
      id: KEY_ID,
      service_account_id: SA_ID,
      created_at: '2026-11-01T00:00:00Z',
      key_algorithm: 'RSA_2048',
      public_key: saKey.publicKey,
      private_key: `PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <${KEY_ID}>\n${privateKey}`,
    }),
  );
}

let fake: YandexFake;
let iamToken: string;
const { http, sleeps } = fastHttp();
let clock = 0;
/** How far the fake's clock is ahead of ours (an IAM server that sees our JWT as expired). */
let fakeAhead = 0;
const pollSleeps: number[] = [];
const sleep = async (ms: number) => {
  pollSleeps.push(ms);
  clock += ms;
};

beforeAll(async () => {
  fake = await startYandexFake({ now: () => clock + fakeAhead });
});
afterAll(async () => {
  await http.close();
  await fake.close();
});
beforeEach(() => {
  clock = Date.now();
  fakeAhead = 0;
  fake.state.scopes.clear();
  fake.state.published.clear();
  fake.state.iamTokens.clear();
  fake.state.keys = new Map([[KEY_ID, { serviceAccountId: SA_ID, publicKey: saKey.publicKey }]]);
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

function client(
  scope: typeof FED | typeof POOL = FED,
  auth = 'auth: { iamToken: env:YC_IAM_TOKEN }',
  env = {},
): VendorClient {
  const id = scope.kind === 'federation' ? `federationId: ${scope.id}` : `userpoolId: ${scope.id}`;
  const target = targetFrom(
    'yc-sso',
    `vendor: yandex\n${id}\napiUrl: ${fake.apiUrl}\noperationUrl: ${fake.operationUrl}\noperationPoll: { interval: 1s, maxInterval: 3s, timeout: 20s }\n${auth}`,
    { YC_IAM_TOKEN: iamToken, ...env },
  );
  return createVendorClient(target, { http, now: () => clock, sleep });
}

const keyClient = (file: string, scope: typeof FED | typeof POOL = FED) =>
  // The fake stands in for the main installation behind a local URL: its aud, not the local URL.
  client(
    scope,
    `auth: { serviceAccountKey: "file:${file}", iamUrl: ${fake.iamUrl}, audience: "https://iam.api.cloud.yandex.net/iam/v1/tokens" }`,
  );

describe('yandex domain (get)', () => {
  it.each([
    [FED, FED_PATH],
    [POOL, POOL_PATH],
  ])('%o: GET the domain path with a Bearer IAM token', async (scope, path) => {
    const result = await client(scope).execute({ action: 'domain', domain: 'corp.ru' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path, body: '' });
    expect(fake.requests[0]!.headers).toMatchObject({
      authorization: `Bearer ${iamToken}`,
      accept: 'application/json',
    });
    expect(result.action).toBe('domain');
    if (result.action !== 'domain') return;
    expect(result.domain).toMatchObject({ domain: 'corp.ru', status: 'NEED_TO_VALIDATE' });
    expect(result.domain.challenges[0]).toMatchObject({
      type: 'DNS_TXT',
      status: 'PENDING',
      dnsChallenge: { type: 'TXT' },
    });
    expect(result.domain.deletionProtection).toBe(scope.kind === 'userpool' ? false : undefined);
  });

  it('describe() matches the request and redacts the token; validate sends {} as JSON (HTTP rule body: "*")', () => {
    expect(client(POOL).describe({ action: 'validate', domain: 'corp.ru' })).toEqual({
      method: 'POST',
      url: `${fake.url}${POOL_PATH}:validate`,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Authorization: 'Bearer [REDACTED]',
      },
      body: '{}',
    });
  });

  it.each([
    'https://organization-manager.api.yandexcloud.kz/organization-manager/v1',
    'https://organization-manager.api.yandexcloud.kz/organization-manager/v1/',
    'https://organization-manager.api.yandexcloud.kz',
  ])('apiUrl %s reaches the documented path; ids are encoded, :validate is not', (apiUrl) => {
    const target = targetFrom(
      'yc-kz',
      'vendor: yandex\nuserpoolId: "pool/7 x"\nauth: { iamToken: env:YC_IAM_TOKEN }',
    );
    const c = createVendorClient({ ...target, apiUrl } as typeof target, { http });
    expect(c.describe({ action: 'validate', domain: 'corp.ru' }).url).toBe(
      'https://organization-manager.api.yandexcloud.kz/organization-manager/v1/idp/userpools/pool%2F7%20x/domains/corp.ru:validate',
    );
  });

  it('an operationUrl with a trailing slash polls /operations/{id}, not //operations', async () => {
    fake.state.published.add('corp.ru');
    const target = targetFrom(
      'yc-sso',
      `vendor: yandex\nfederationId: ${FED.id}\napiUrl: ${fake.apiUrl}\nauth: { iamToken: env:YC_IAM_TOKEN }`,
      { YC_IAM_TOKEN: iamToken },
    );
    const c = createVendorClient({ ...target, operationUrl: `${fake.operationUrl}/` } as typeof target, {
      http,
      now: () => clock,
      sleep,
    });
    await c.execute({ action: 'validate', domain: 'corp.ru' });
    const polls = fake.requests.slice(1).map((r) => r.path);
    expect(polls).toHaveLength(2);
    for (const path of polls) expect(path).toMatch(/^\/operations\/fake-op-\d+$/);
  });

  it('a domain not in the federation: vendor_not_found with the add-it-first hint and request id', async () => {
    const error = await rejection(client().execute({ action: 'domain', domain: 'other.ru' }));
    expect(error).toMatchObject({ code: 'vendor_not_found', status: 404, vendor: 'yandex' });
    expect(error.hint).toContain('not added to federation bpf3crucp1v2fake');
    expect(error.vendorMessage).toContain('not found');
    expect(error.requestId).toBeTypeOf('string');
  });

  it('retries a GET after a reset', async () => {
    fake.fault({ kind: 'reset' });
    await client().execute({ action: 'domain', domain: 'corp.ru' });
    expect(fake.requests).toHaveLength(2);
  });

  it('a body that is not JSON is vendor_bad_response (failed: nothing changed)', async () => {
    fake.fault({ kind: 'wrong-content-type' });
    const error = await rejection(client().execute({ action: 'domain', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_bad_response', outcome: 'failed' });
  });

  it('a Domain about another domain is vendor_bad_response (failed: a read changes nothing), not the answer', async () => {
    fake.fault({
      kind: 'rewrite',
      edit: (reply) => ({ ...reply, json: { ...(reply.json as object), domain: 'other.com' } }),
    });
    const error = await rejection(client().execute({ action: 'domain', domain: 'corp.ru' }));
    expect(error).toMatchObject({
      code: 'vendor_bad_response',
      outcome: 'failed',
      status: 200,
      message: 'Yandex answered about other.com, not corp.ru',
    });
    expect(error.requestId).toBeTypeOf('string');
    expect(error.hint).toContain('apiUrl of target yc-sso');
  });

  it('a Domain naming the same domain in another spelling (case, trailing dot) is the answer', async () => {
    fake.fault({
      kind: 'rewrite',
      edit: (reply) => ({ ...reply, json: { ...(reply.json as object), domain: 'CORP.RU.' } }),
    });
    const result = await client().execute({ action: 'domain', domain: 'corp.ru' });
    expect(result.action === 'domain' && result.domain.domain).toBe('CORP.RU.');
  });

  it('control characters of a vendor-supplied name are not passed into the message', async () => {
    fake.fault({
      kind: 'rewrite',
      edit: (reply) => ({ ...reply, json: { ...(reply.json as object), domain: 'evil.com\n<!channel>' } }),
    });
    const error = await rejection(client().execute({ action: 'domain', domain: 'corp.ru' }));
    expect(error.message).toBe('Yandex answered about evil.com?<!channel>, not corp.ru');
  });
});

describe('yandex validate', () => {
  it.each([
    [FED, FED_PATH, 'federationId'],
    [POOL, POOL_PATH, 'userpoolId'],
  ])('%o: POSTs :validate with {} and polls the operation until done', async (scope, path, metaKey) => {
    fake.state.published.add('corp.ru');
    const result = await client(scope).execute({ action: 'validate', domain: 'corp.ru' });
    const opId = result.action === 'validate' ? result.operationId : '';
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST ${path}:validate`,
      `GET /operations/${opId}`,
      `GET /operations/${opId}`,
    ]);
    // The HTTP rule is `body: "*"` with every field in the path: an empty JSON object.
    expect(fake.requests[0]!.body).toBe('{}');
    expect(fake.requests[0]!.headers['content-type']).toBe('application/json');
    for (const r of fake.requests.slice(1)) expect(r.body).toBe('');
    for (const r of fake.requests) expect(r.headers.authorization).toBe(`Bearer ${iamToken}`);
    expect(pollSleeps).toEqual([1000, 2000]);
    expect(result).toMatchObject({ action: 'validate', domain: { domain: 'corp.ru', status: 'VALID' } });
    const raw = result.action === 'validate' ? result.raw : undefined;
    expect((raw as { metadata: Record<string, string> }).metadata[metaKey]).toBe(scope.id);
  });

  it('an operation already done needs no polling', async () => {
    fake.state.published.add('corp.ru');
    fake.state.pollsUntilDone = 0;
    const result = await client().execute({ action: 'validate', domain: 'corp.ru' });
    expect(result.action === 'validate' && result.domain.status).toBe('VALID');
    expect(fake.requests).toHaveLength(1);
  });

  it('an operation that ends in error: vendor_operation_failed with the gRPC hint', async () => {
    const error = await rejection(client().execute({ action: 'validate', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_operation_failed', outcome: 'failed' });
    expect(error.message).toContain('fake-op-');
    expect(error.message).toContain('DNS TXT record for corp.ru not found');
    const record = fake.state.scopes.get('federation:bpf3crucp1v2fake')!.get('corp.ru')!
      .challenges[0]!.dnsChallenge;
    expect(error.hint).toBe(
      `publish this DNS record, wait for DNS, then run \`validate corp.ru\` again: \`${record.name}\` TXT \`${record.value}\``,
    );
    expect(fake.requests.at(-1)!.method).toBe('GET');
  });

  it('a failed validate whose domain cannot be read keeps the generic hint', async () => {
    fake.fault(
      { kind: 'status', status: 503, body: '{"code":14,"message":"unavailable"}' },
      { method: 'GET', path: /domains\/corp\.ru$/, times: 10 },
    );
    const error = await rejection(client().execute({ action: 'validate', domain: 'corp.ru' }));
    expect(error.hint).toContain('publish the DNS TXT record shown by `domain corp.ru`');
  });

  it('an operation that does not finish in time: vendor_operation_pending with its id, outcome unknown', async () => {
    fake.state.pollsUntilDone = 1000;
    const error = await rejection(client().execute({ action: 'validate', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_operation_pending', outcome: 'unknown' });
    expect(error.message).toMatch(/operation fake-op-\d+/);
    expect(error.hint).toContain('domain corp.ru');
    expect(pollSleeps.reduce((a, b) => a + b, 0)).toBe(20_000);
    expect(pollSleeps.slice(0, 3)).toEqual([1000, 2000, 3000]);
  });

  it('an error while done is still false ends the wait at once (failure detected early)', async () => {
    fake.state.pollsUntilDone = 1000;
    fake.state.errorBeforeDone = 0;
    const error = await rejection(client().execute({ action: 'validate', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_operation_failed', outcome: 'failed' });
    expect(error.message).toContain('DNS TXT record for corp.ru not found');
    expect(error.hint).toMatch(/^publish this DNS record/);
    expect(pollSleeps).toEqual([]);
    // The validate call, then the domain for the record to publish: no operation polls.
    expect(fake.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(fake.requests[1]!.path).toBe(FED_PATH);
  });

  it('an error that appears on a poll while done is still false stops the polling there', async () => {
    fake.state.pollsUntilDone = 1000;
    fake.state.errorBeforeDone = 2;
    const error = await rejection(client().execute({ action: 'validate', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_operation_failed', outcome: 'failed' });
    expect(pollSleeps).toEqual([1000, 2000]);
    expect(fake.requests.filter((r) => r.path.startsWith('/operations/'))).toHaveLength(2);
  });

  it('an operation about another domain is vendor_bad_response with outcome unknown (validation may have started)', async () => {
    fake.state.published.add('corp.ru');
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
    const error = await rejection(client().execute({ action: 'validate', domain: 'corp.ru' }));
    expect(error).toMatchObject({
      code: 'vendor_bad_response',
      outcome: 'unknown',
      message: 'Yandex answered about other.com, not corp.ru',
    });
    expect(error.hint).toContain('run `domain corp.ru`');
    expect(fake.requests).toHaveLength(1);
  });

  it('a finished operation whose Domain is another domain is vendor_bad_response, outcome unknown', async () => {
    fake.state.published.add('corp.ru');
    fake.state.pollsUntilDone = 1;
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => {
          const op = reply.json as { response: Record<string, unknown> };
          return { ...reply, json: { ...op, response: { ...op.response, domain: 'other.com' } } };
        },
      },
      { method: 'GET', path: /^\/operations\// },
    );
    const error = await rejection(client().execute({ action: 'validate', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_bad_response', outcome: 'unknown', status: 200 });
    expect(error.message).toBe('Yandex answered about other.com, not corp.ru');
    expect(error.hint).toContain('may have started');
  });

  it("a failed validate does not offer another domain's DNS record as the one to publish", async () => {
    fake.fault(
      {
        kind: 'rewrite',
        edit: (reply) => ({ ...reply, json: { ...(reply.json as object), domain: 'other.com' } }),
      },
      { method: 'GET', path: FED_PATH },
    );
    const error = await rejection(client().execute({ action: 'validate', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_operation_failed' });
    expect(error.hint).toContain('publish the DNS TXT record shown by `domain corp.ru`');
  });

  it('validate is retried after a reset (repeating it only re-checks DNS)', async () => {
    fake.state.published.add('corp.ru');
    fake.fault({ kind: 'reset' }, { method: 'POST' });
    const result = await client().execute({ action: 'validate', domain: 'corp.ru' });
    expect(result.action).toBe('validate');
    expect(sleeps).toHaveLength(1);
  });
});

describe('yandex service account key', () => {
  it('signs a PS256 JWT the IAM endpoint accepts, and 10 concurrent calls share one exchange', async () => {
    const c = keyClient(keyFile());
    await Promise.all(Array.from({ length: 10 }, () => c.execute({ action: 'domain', domain: 'corp.ru' })));
    const exchanges = fake.requests.filter((r) => r.path === '/iam/v1/tokens');
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]!.headers['content-type']).toBe('application/json');
    const jwt = (JSON.parse(exchanges[0]!.body) as { jwt: string }).jwt;
    const [h, p] = jwt.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({
      typ: 'JWT',
      alg: 'PS256',
      kid: KEY_ID,
    });
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, number | string>;
    expect(claims).toMatchObject({ iss: SA_ID, aud: 'https://iam.api.cloud.yandex.net/iam/v1/tokens' });
    expect(Number(claims.exp) - Number(claims.iat)).toBeLessThanOrEqual(3600);
    const api = fake.requests.filter((r) => r.path === FED_PATH);
    expect(api).toHaveLength(10);
    expect(api[0]!.headers.authorization).toMatch(/^Bearer t1\.fake-/);
  });

  it('renews the IAM token after an hour', async () => {
    const c = keyClient(keyFile());
    await c.execute({ action: 'domain', domain: 'corp.ru' });
    clock += 59 * 60_000;
    await c.execute({ action: 'domain', domain: 'corp.ru' });
    clock += 2 * 60_000;
    await c.execute({ action: 'domain', domain: 'corp.ru' });
    expect(fake.requests.filter((r) => r.path === '/iam/v1/tokens')).toHaveLength(2);
  });

  it('a 401 from the API causes one new exchange and one retry', async () => {
    const c = keyClient(keyFile());
    await c.execute({ action: 'domain', domain: 'corp.ru' });
    fake.state.iamTokens.clear();
    fake.requests.length = 0;
    await c.execute({ action: 'domain', domain: 'corp.ru' });
    expect(fake.requests.map((r) => r.path)).toEqual([FED_PATH, '/iam/v1/tokens', FED_PATH]);
  });

  it('an expired JWT (clock far behind) is vendor_auth_failed naming the key file, never the key', async () => {
    const file = keyFile();
    fakeAhead = 3 * 3_600_000;
    const error = await rejection(keyClient(file).execute({ action: 'domain', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_auth_failed', status: 401, vendor: 'yandex' });
    expect(error.message).toContain(file);
    expect(error.message).toContain(KEY_ID);
    const shown = everythingShown(error);
    expect(shown).not.toContain('PRIVATE KEY');
    expect(shown).not.toContain('eyJ');
    expect((error.request as { body: string }).body).toBe('[REDACTED]');
  });

  it('a key whose signature the IAM endpoint cannot verify is vendor_auth_failed', async () => {
    const file = keyFile(otherKey.privateKey);
    const error = await rejection(keyClient(file).execute({ action: 'domain', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_auth_failed' });
    expect(error.vendorMessage).toContain('signature');
    expect(fake.requests.filter((r) => r.path === FED_PATH)).toHaveLength(0);
  });

  it('a file that is not a key is vendor_auth_failed naming it, and nothing is sent', async () => {
    const file = tempFile('sa-key.json', '{"id":"x","private_key":"nope"}');
    const error = await rejection(keyClient(file).execute({ action: 'domain', domain: 'corp.ru' }));
    expect(error).toMatchObject({ code: 'vendor_auth_failed' });
    expect(error.message).toContain(file);
    const broken = tempFile(
      'sa-key.json',
      JSON.stringify({ id: 'x', service_account_id: 'y', private_key: 'SECRETSTUFF' }),
    );
    const error2 = await rejection(keyClient(broken).execute({ action: 'domain', domain: 'corp.ru' }));
    expect(error2).toMatchObject({ code: 'vendor_auth_failed' });
    expect(everythingShown(error2)).not.toContain('SECRETSTUFF');
    expect(fake.requests).toHaveLength(0);
  });
});
