import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { iamAudience, signServiceAccountJwt, YANDEX_IAM_AUDIENCE } from '../../adapters/yandex-org/auth.ts';
import { type EchoServer, startEchoServer } from './echo-server.ts';
import { createVendorClient, fastHttp, targetFrom, tempFile } from './helpers.ts';

const pair = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const key = { id: 'ajekey', service_account_id: 'ajesa', private_key: pair.privateKey };
const KEY_FILE = tempFile('sa-key.json', JSON.stringify(key));

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('iamAudience', () => {
  it.each([
    ['https://iam.api.cloud.yandex.net/iam/v1/tokens', YANDEX_IAM_AUDIENCE],
    ['https://iam.api.yandexcloud.kz/iam/v1/tokens', 'https://iam.api.yandexcloud.kz/iam/v1/tokens'],
    ['https://iam.api.yandexcloud.kz/iam/v1/tokens/', 'https://iam.api.yandexcloud.kz/iam/v1/tokens'],
    ['https://IAM.example.com:8443/iam/v1/tokens?x=1#f', 'https://iam.example.com:8443/iam/v1/tokens'],
  ])('%s → %s', (url, aud) => {
    expect(iamAudience(url)).toBe(aud);
  });
});

describe('Yandex IAM JWT audience in the config', () => {
  it('is left unset unless configured (the adapter derives it from iamUrl)', () => {
    const target = targetFrom(
      'yc',
      'vendor: yandex\nfederationId: fed1\nauth: { serviceAccountKey: file:./key.json, iamUrl: https://iam.api.yandexcloud.kz/iam/v1/tokens }',
    );
    if (target.vendor !== 'yandex' || target.auth.kind !== 'serviceAccountKey') throw new Error('unexpected');
    expect(target.auth.audience).toBeUndefined();
    expect(target.auth.iamUrl).toBe('https://iam.api.yandexcloud.kz/iam/v1/tokens');
  });

  it('keeps an explicit audience', () => {
    const target = targetFrom(
      'yc',
      'vendor: yandex\nuserpoolId: pool1\nauth: { serviceAccountKey: file:./key.json, audience: https://aud.example/iam/v1/tokens }',
    );
    if (target.vendor !== 'yandex' || target.auth.kind !== 'serviceAccountKey') throw new Error('unexpected');
    expect(target.auth.audience).toBe('https://aud.example/iam/v1/tokens');
    const jwt = signServiceAccountJwt(
      key,
      createPrivateKey(pair.privateKey),
      1_700_000_000_000,
      target.auth.audience,
    );
    expect(claims(jwt)).toMatchObject({ aud: 'https://aud.example/iam/v1/tokens', iss: 'ajesa' });
  });

  it('rejects an audience that is not a URL, naming the field', () => {
    expect(() =>
      targetFrom(
        'yc',
        'vendor: yandex\nfederationId: fed1\nauth: { serviceAccountKey: file:./key.json, audience: nope }',
      ),
    ).toThrow('targets.yc.auth.audience: expected a URL');
  });
});

describe('the JWT sent to the token endpoint', () => {
  let server: EchoServer;
  const { http } = fastHttp();
  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterAll(async () => {
    await http.close();
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.route = (r) =>
      r.path.startsWith('/iam/')
        ? { status: 200, json: { iamToken: 't1.audience-test-token', expiresAt: '2099-01-01T00:00:00Z' } }
        : { status: 200, json: { domain: 'corp.ru', status: 'VALID', challenges: [] } };
  });

  async function sentAud(auth: string): Promise<unknown> {
    const target = targetFrom(
      'yc',
      `vendor: yandex\nfederationId: fed1\napiUrl: ${server.url}\nauth: { serviceAccountKey: "file:${KEY_FILE}", ${auth} }`,
    );
    await createVendorClient(target, { http }).execute({ action: 'domain', domain: 'corp.ru' });
    const exchange = server.requests.find((r) => r.path.startsWith('/iam/'));
    return claims((JSON.parse(exchange!.body) as { jwt: string }).jwt).aud;
  }

  it('carries the iamUrl it is sent to as aud when no audience is configured', async () => {
    expect(await sentAud(`iamUrl: ${server.url}/iam/v1/tokens`)).toBe(`${server.url}/iam/v1/tokens`);
  });

  it('carries the configured audience when there is one, whatever the iamUrl', async () => {
    expect(await sentAud(`iamUrl: ${server.url}/iam/v1/tokens, audience: ${YANDEX_IAM_AUDIENCE}`)).toBe(
      YANDEX_IAM_AUDIENCE,
    );
  });
});
