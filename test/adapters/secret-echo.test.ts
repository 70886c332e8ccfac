/**
 * Vendors that echo a secret back: in a JSON `message`, a tracking id (body or header), a text
 * body, a field of a successful answer, JSON `\u` escapes, a form-encoded echo of the token
 * request, a PEM block. Whatever the endpoint (Webex identity actions and OAuth refresh, F5
 * unassign, Yandex domain, validate, operation and IAM exchange), no secret the process knows
 * may show in the VendorError (message, String, JSON, toJSON, hint, vendor message, request id,
 * request, inspect with causes) nor in a successful result.
 */
import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VendorCall, VendorClient } from '../../adapters/types.ts';
import { VendorError } from '../../adapters/vendor-error.ts';
import {
  type EchoReply,
  type EchoRequest,
  type EchoServer,
  sentCredential,
  startEchoServer,
  unicodeEscaped,
} from './echo-server.ts';
import { createVendorClient, fastHttp, rejection, targetFrom, tempFile } from './helpers.ts';

const ORG = 'org-7f3k2q9a';
const WEBEX_TOKEN = 'wxStatic-Q2hhdE9wcy1lY2hvLXRva2Vu';
/** `/`, `+` and `=` make its URL- and form-encoded forms differ from the value. */
const CLIENT_SECRET = 'cs/5f0e+8d7c=6b5a49382716';
const REFRESH_TOKEN = 'rt-MTIzNDU2Nzg5MGFiY2RlZg+/=';
const REFRESHED_ACCESS = 'wxRefreshed-ZmVkY2JhOTg3NjU0MzIx';
const ROTATED_REFRESH = 'rt-rotated-OTg3NjU0MzIxMGZlZGNi';
const F5_TOKEN = 'f5tok-YWJjZGVmMDEyMzQ1Njc4OQ';
const P12_PASSPHRASE = 'p12 Pa55w0rd "quoted"';
const YC_IAM_TOKEN = 't1.9euelZqXk5aQjpaVnJWSz5OQy4-Pze3rnpWa.staticSig-abcdEFGH1234';
const ISSUED_IAM_TOKEN = 't1.9euelZrKyc7Njs3JzZCQmJKTlo2K.issuedSig-ijklMNOP5678';
const KEY_ID = 'ajekey-not-secret';
const SA_ID = 'ajesa456';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const PRIVATE_KEY = `PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <${KEY_ID}>\n${keys.privateKey}`;
const KEY_JSON = JSON.stringify({
  id: KEY_ID,
  service_account_id: SA_ID,
  created_at: '2026-11-01T00:00:00Z',
  key_algorithm: 'RSA_2048',
  public_key: keys.publicKey,
  private_key: PRIVATE_KEY,
});
const KEY_FILE = tempFile('sa-key.json', KEY_JSON);
/** Every line of the key's base64: even one line quoted back is a leak. */
const KEY_LINES = keys.privateKey.split('\n').filter((l) => /^[A-Za-z0-9+/=]{16,}$/.test(l));
const KEY_SECRETS = [keys.privateKey, KEY_JSON, 'PRIVATE KEY', ...KEY_LINES];

let server: EchoServer;
const { http } = fastHttp();
let clock = 1_800_000_000_000;
const sleep = async (ms: number) => {
  clock += ms;
};

beforeAll(async () => {
  server = await startEchoServer();
});
afterAll(async () => {
  await http.close();
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

function client(name: string, yaml: string, env: Record<string, string> = {}): VendorClient {
  return createVendorClient(targetFrom(name, yaml, env), { http, now: () => clock, sleep });
}

const webexStatic = () =>
  client(
    'webex-prod',
    `vendor: webex\norgId: ${ORG}\napiUrl: ${server.url}/v1\nauth: { accessToken: env:WEBEX_TOKEN }`,
    { WEBEX_TOKEN },
  );
const webexRefresh = () =>
  client(
    'webex-oauth',
    [
      'vendor: webex',
      `orgId: ${ORG}`,
      `apiUrl: ${server.url}/v1`,
      'auth:',
      '  clientId: C0ffee',
      '  clientSecret: env:WEBEX_CLIENT_SECRET',
      '  refreshToken: env:WEBEX_REFRESH',
      `  tokenUrl: ${server.url}/v1/access_token`,
    ].join('\n'),
    { WEBEX_CLIENT_SECRET: CLIENT_SECRET, WEBEX_REFRESH: REFRESH_TOKEN },
  );
const f5Token = () =>
  client('f5-acme', `vendor: f5xc\ntenantUrl: ${server.url}\nauth: { apiToken: env:F5_TOKEN }`, {
    F5_TOKEN,
  });
const f5P12 = () =>
  client(
    'f5-cert',
    `vendor: f5xc\ntenantUrl: ${server.url}\nauth: { p12: "file:${tempFile('client.p12', 'not read over plain http')}", passphrase: env:P12_PASS }`,
    { P12_PASS: P12_PASSPHRASE },
  );
const yandexConfig = (auth: string) =>
  [
    'vendor: yandex',
    'federationId: fed1',
    `apiUrl: ${server.url}/organization-manager/v1`,
    `operationUrl: ${server.url}`,
    'operationPoll: { interval: 1s, maxInterval: 1s, timeout: 10s }',
    auth,
  ].join('\n');
const yandexStatic = () =>
  client('yc-sso', yandexConfig('auth: { iamToken: env:YC_IAM_TOKEN }'), { YC_IAM_TOKEN });
const yandexKey = () =>
  client(
    'yc-key',
    yandexConfig(`auth: { serviceAccountKey: "file:${KEY_FILE}", iamUrl: ${server.url}/iam/v1/tokens }`),
  );

/** Everything of an error or a result that could reach a card, a document, the store or a log. */
function shown(value: unknown): string {
  if (value instanceof Error) {
    const e = value as VendorError;
    return [
      e.message,
      String(e),
      JSON.stringify(e),
      JSON.stringify(e.toJSON()),
      String(e.hint),
      String(e.vendorMessage),
      String(e.requestId),
      JSON.stringify(e.request ?? null),
      e.stack ?? '',
      inspect(e, { depth: 10 }),
    ].join('\n');
  }
  return `${JSON.stringify(value)}\n${inspect(value, { depth: 20 })}`;
}

/** The forms a secret takes in text: as is, JSON-escaped, URL-encoded. */
function forms(secret: string): string[] {
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
}

function expectNone(value: unknown, secrets: readonly string[]): void {
  const text = shown(value);
  secrets.forEach((secret, i) => {
    for (const form of forms(secret)) {
      if (text.includes(form)) throw new Error(`secret #${i} (${secret.slice(0, 6)}…) shows in:\n${text}`);
    }
  });
}

async function failure(c: VendorClient, call: VendorCall): Promise<VendorError> {
  const error = await rejection(c.execute(call));
  expect(error).toBeInstanceOf(VendorError);
  return error as unknown as VendorError;
}

/** A JSON body written with `\u` escapes only, which the HTTP layer cannot read as text. */
function escapedJson(status: number, members: Record<string, string>): EchoReply {
  const body = Object.entries(members)
    .map(([k, v]) => `"${k}":"${unicodeEscaped(v)}"`)
    .join(',');
  return { status, headers: { 'content-type': 'application/json' }, text: `{${body}}` };
}

const webexErrors: [string, (token: string) => EchoReply][] = [
  [
    '400 JSON message, errors, trackingId and TrackingID header',
    (t) => ({
      status: 400,
      headers: { trackingid: `ROUTER_${t}` },
      json: {
        message: `The token ${t} may not change this organization`,
        errors: [{ description: `Authorization: Bearer ${t}` }],
        trackingId: t,
      },
    }),
  ],
  ['401 text body', (t) => ({ status: 401, text: `invalid credentials: Authorization: Bearer ${t}` })],
  ['500 JSON written in \\u escapes', (t) => escapedJson(500, { message: t, trackingId: t })],
  [
    '404 HTML page quoting the request headers',
    (t) => ({
      status: 404,
      headers: { 'content-type': 'text/html' },
      text: `<pre>authorization: ${t}</pre>`,
    }),
  ],
];

describe('Webex identity actions echoing the access token', () => {
  const calls: VendorCall[] = [
    { action: 'unclaim', domain: 'abc.com' },
    { action: 'unverify', domain: 'corp.com', removePending: false },
  ];
  for (const call of calls) {
    it.each(webexErrors)(`${call.action}: %s`, async (_name, reply) => {
      server.route = (r) => reply(sentCredential(r, 'Bearer'));
      const error = await failure(webexStatic(), call);
      expect(server.requests).toHaveLength(1);
      expectNone(error, [WEBEX_TOKEN]);
      expect(shown(error)).toContain('[REDACTED]');
    });
  }

  it('unverify: a successful answer whose fields echo the token gives a result without it', async () => {
    server.route = (r) => {
      const t = sentCredential(r, 'Bearer');
      return {
        status: 200,
        headers: { 'content-type': 'application/json', trackingid: t },
        text: `{"verifiedDomains":["old.com","${t}"],"claimedDomains":[],"url":"https://h/?t=${t}","echo":"${unicodeEscaped(t)}"}`,
      };
    };
    const result = await webexStatic().execute({
      action: 'unverify',
      domain: 'corp.com',
      removePending: true,
    });
    expect(result.action).toBe('unverify');
    expectNone(result, [WEBEX_TOKEN]);
    expect(result).toMatchObject({ verifiedDomains: ['old.com', '[REDACTED]'] });
  });

  it('unclaim: a 200 body echoing the token gives a result without it', async () => {
    server.route = (r) => ({ status: 200, json: { domain: 'abc.com', note: sentCredential(r, 'Bearer') } });
    const result = await webexStatic().execute({ action: 'unclaim', domain: 'abc.com' });
    expectNone(result, [WEBEX_TOKEN]);
  });
});

describe('Webex OAuth refresh echoing the client secret and refresh token', () => {
  const SECRETS = [CLIENT_SECRET, REFRESH_TOKEN];
  const form = (r: EchoRequest) => new URLSearchParams(r.body);

  it.each<[string, (r: EchoRequest) => EchoReply]>([
    [
      '400 OAuth JSON with error_description, trackingId and TrackingID header',
      (r) => ({
        status: 400,
        headers: { trackingid: form(r).get('client_secret')! },
        json: {
          error: 'invalid_grant',
          error_description: `refresh token ${form(r).get('refresh_token')} of a client with secret ${form(r).get('client_secret')}`,
          trackingId: form(r).get('refresh_token'),
        },
      }),
    ],
    ['400 text body: the form-encoded request echoed', (r) => ({ status: 400, text: r.body })],
    ['401 JSON written in \\u escapes', (r) => escapedJson(401, { message: r.body })],
    ['500 text body', (r) => ({ status: 500, text: `upstream said: ${r.body}` })],
  ])('%s', async (_name, reply) => {
    server.route = (r) => (r.path === '/v1/access_token' ? reply(r) : { status: 500, text: 'unexpected' });
    const error = await failure(webexRefresh(), { action: 'unclaim', domain: 'abc.com' });
    expect(server.requests.map((r) => r.path)).toEqual(['/v1/access_token']);
    expect(form(server.requests[0]!).get('client_secret')).toBe(CLIENT_SECRET);
    expectNone(error, SECRETS);
  });

  it('a malformed token answer that quotes the request shows none of it', async () => {
    server.route = (r) => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      text: `{"access_token": "${REFRESHED_ACCESS}", ${r.body}`,
    });
    const error = await failure(webexRefresh(), { action: 'unclaim', domain: 'abc.com' });
    expect(error.code).toBe('vendor_bad_response');
    expectNone(error, [...SECRETS, REFRESHED_ACCESS]);
  });

  it('the refreshed access token and the rotated refresh token are scrubbed as soon as they are obtained', async () => {
    server.route = (r) => {
      if (r.path === '/v1/access_token') {
        return {
          status: 200,
          json: { access_token: REFRESHED_ACCESS, expires_in: 1_209_600, refresh_token: ROTATED_REFRESH },
        };
      }
      const t = sentCredential(r, 'Bearer');
      return {
        status: 400,
        headers: { trackingid: t },
        json: {
          message: `token ${t}, next refresh with ${ROTATED_REFRESH} or ${REFRESH_TOKEN}`,
          trackingId: t,
        },
      };
    };
    const c = webexRefresh();
    const error = await failure(c, { action: 'unverify', domain: 'corp.com', removePending: false });
    expect(sentCredential(server.requests[1]!, 'Bearer')).toBe(REFRESHED_ACCESS);
    expectNone(error, [...SECRETS, REFRESHED_ACCESS, ROTATED_REFRESH]);

    server.route = (r) => ({
      status: 200,
      json: { verifiedDomains: [sentCredential(r, 'Bearer')], claimedDomains: [ROTATED_REFRESH], url: 'u' },
    });
    const result = await c.execute({ action: 'unverify', domain: 'corp.com', removePending: false });
    expectNone(result, [...SECRETS, REFRESHED_ACCESS, ROTATED_REFRESH]);
  });
});

describe('F5 XC unassign-owner echoing the credential', () => {
  const call: VendorCall = { action: 'unassign-owner', email: 'hello@example.com' };

  it.each<[string, (token: string) => EchoReply]>([
    [
      '401 text body and x-request-id',
      (t) => ({ status: 401, headers: { 'x-request-id': t }, text: `APIToken ${t} is not valid` }),
    ],
    [
      '403 JSON-encoded string body',
      (t) => ({ status: 403, json: `user with token ${t} is not a domain owner` }),
    ],
    ['409 text written in \\u escapes', (t) => escapedJson(409, { message: t })],
  ])('%s', async (_name, reply) => {
    server.route = (r) => reply(sentCredential(r, 'APIToken'));
    const error = await failure(f5Token(), call);
    expectNone(error, [F5_TOKEN]);
  });

  it('a 200 whose body echoes the token gives a result without it', async () => {
    server.route = (r) => {
      const t = sentCredential(r, 'APIToken');
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-request-id': t },
        text: `{"email":"hello@example.com","by":"${t}","echo":"${unicodeEscaped(t)}"}`,
      };
    };
    expectNone(await f5Token().execute(call), [F5_TOKEN]);
  });

  it('a P12 target: an answer echoing the passphrase', async () => {
    server.route = () => ({
      status: 401,
      headers: { 'x-request-id': encodeURIComponent(P12_PASSPHRASE) },
      json: `certificate with passphrase ${P12_PASSPHRASE} rejected`,
    });
    const error = await failure(f5P12(), call);
    expectNone(error, [P12_PASSPHRASE]);
  });
});

const DOMAIN_PATH = '/organization-manager/v1/saml/federations/fed1/domains/corp.ru';

function domainBody(echo: string): Record<string, unknown> {
  return {
    domain: 'corp.ru',
    status: 'NEED_TO_VALIDATE',
    challenges: [
      {
        type: 'DNS_TXT',
        status: 'PENDING',
        dnsChallenge: { name: `_yandex-verification.corp.ru`, type: 'TXT', value: `yc-domain-${echo}` },
      },
    ],
  };
}

describe('Yandex Organization Manager echoing the IAM token', () => {
  it.each<[string, (token: string) => EchoReply]>([
    [
      '404 google.rpc.Status message, details and x-request-id',
      (t) => ({
        status: 404,
        headers: { 'x-request-id': t },
        json: { code: 5, message: `Domain not found (token ${t})`, details: [{ requestId: t }] },
      }),
    ],
    ['401 text body', (t) => ({ status: 401, text: `Authorization: Bearer ${t}` })],
    ['403 JSON written in \\u escapes', (t) => escapedJson(403, { message: t })],
  ])('domain: %s', async (_name, reply) => {
    server.route = (r) => reply(sentCredential(r, 'Bearer'));
    const error = await failure(yandexStatic(), { action: 'domain', domain: 'corp.ru' });
    expectNone(error, [YC_IAM_TOKEN]);
  });

  it('domain: a Domain whose fields echo the token gives a result without it', async () => {
    server.route = (r) => ({
      status: 200,
      headers: { 'x-request-id': sentCredential(r, 'Bearer') },
      json: { ...domainBody(sentCredential(r, 'Bearer')), statusCode: sentCredential(r, 'Bearer') },
    });
    const result = await yandexStatic().execute({ action: 'domain', domain: 'corp.ru' });
    expect(result.action).toBe('domain');
    expectNone(result, [YC_IAM_TOKEN]);
  });

  /** validate: the POST starts an operation; `poll` answers the operation GETs. */
  function validateRoute(poll: (token: string) => EchoReply, domain?: (token: string) => EchoReply) {
    server.route = (r) => {
      const t = sentCredential(r, 'Bearer');
      if (r.method === 'POST') {
        return { status: 200, json: { id: 'op-1', done: false, metadata: { domain: 'corp.ru' } } };
      }
      if (r.path === '/operations/op-1') return poll(t);
      if (r.path === DOMAIN_PATH && domain) return domain(t);
      return { status: 500, text: 'unexpected' };
    };
  }

  it('validate: the operation GET answers 404 echoing the token', async () => {
    validateRoute((t) => ({
      status: 404,
      headers: { 'x-request-id': t },
      json: { code: 5, message: `Operation not found for ${t}` },
    }));
    const error = await failure(yandexStatic(), { action: 'validate', domain: 'corp.ru' });
    expect(error.outcome).toBe('unknown');
    expectNone(error, [YC_IAM_TOKEN]);
  });

  it('validate: a failed operation and the challenge record in the hint echo the token', async () => {
    validateRoute(
      (t) => ({
        status: 200,
        json: {
          id: 'op-1',
          done: true,
          metadata: { domain: 'corp.ru' },
          error: { code: 9, message: `DNS check failed for ${t}` },
        },
      }),
      (t) => ({ status: 200, json: domainBody(t) }),
    );
    const error = await failure(yandexStatic(), { action: 'validate', domain: 'corp.ru' });
    expect(error.code).toBe('vendor_operation_failed');
    expect(error.hint).toContain('`_yandex-verification.corp.ru` TXT');
    expectNone(error, [YC_IAM_TOKEN]);
  });

  it('validate: a finished operation whose Domain echoes the token gives a result without it', async () => {
    validateRoute((t) => ({
      status: 200,
      json: {
        id: 'op-1',
        done: true,
        metadata: { domain: 'corp.ru', by: t },
        response: { ...domainBody(t), status: 'VALID' },
      },
    }));
    const result = await yandexStatic().execute({ action: 'validate', domain: 'corp.ru' });
    expect(result.action).toBe('validate');
    expectNone(result, [YC_IAM_TOKEN]);
  });
});

describe('Yandex IAM exchange echoing the JWT and the service account key', () => {
  const jwtOf = (r: EchoRequest) => (JSON.parse(r.body) as { jwt: string }).jwt;

  it.each<[string, (r: EchoRequest) => EchoReply]>([
    [
      '400 with the JWT and the private key in message and x-request-id',
      (r) => ({
        status: 400,
        headers: { 'x-request-id': jwtOf(r) },
        json: { code: 16, message: `JWT ${jwtOf(r)} does not match key ${PRIVATE_KEY}` },
      }),
    ],
    [
      '401 with the whole key file in message',
      () => ({ status: 401, json: { code: 16, message: KEY_JSON } }),
    ],
    ['403 with the key written in \\u escapes', () => escapedJson(403, { message: keys.privateKey })],
    [
      '401 with the key cut short (a truncated message)',
      () => ({ status: 401, json: { code: 16, message: keys.privateKey.slice(0, 300) } }),
    ],
    ['500 text body with the PEM block', () => ({ status: 500, text: keys.privateKey })],
  ])('%s', async (_name, reply) => {
    let jwt = '';
    server.route = (r) => {
      jwt = jwtOf(r);
      return reply(r);
    };
    const error = await failure(yandexKey(), { action: 'domain', domain: 'corp.ru' });
    expect(server.requests.map((r) => r.path)).toEqual(['/iam/v1/tokens']);
    expect(jwt.split('.')).toHaveLength(3);
    expectNone(error, [jwt, ...KEY_SECRETS]);
  });

  it('the IAM token obtained is scrubbed as soon as it is obtained, in errors and results', async () => {
    let jwt = '';
    server.route = (r) => {
      if (r.path === '/iam/v1/tokens') {
        jwt = jwtOf(r);
        return {
          status: 200,
          json: { iamToken: ISSUED_IAM_TOKEN, expiresAt: new Date(clock + 43_200_000).toISOString() },
        };
      }
      const t = sentCredential(r, 'Bearer');
      return {
        status: 404,
        headers: { 'x-request-id': t },
        json: { code: 5, message: `no domain for ${t} (assertion ${jwt})` },
      };
    };
    const c = yandexKey();
    const error = await failure(c, { action: 'domain', domain: 'corp.ru' });
    expect(sentCredential(server.requests[1]!, 'Bearer')).toBe(ISSUED_IAM_TOKEN);
    expectNone(error, [ISSUED_IAM_TOKEN, jwt, ...KEY_SECRETS]);

    server.route = (r) => ({ status: 200, json: domainBody(sentCredential(r, 'Bearer')) });
    expectNone(await c.execute({ action: 'domain', domain: 'corp.ru' }), [ISSUED_IAM_TOKEN]);
  });
});
