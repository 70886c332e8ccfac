import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signServiceAccountJwt, YANDEX_IAM_AUDIENCE } from '../../adapters/auth/yandex-iam.ts';
import { targetFrom } from './helpers.ts';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key = { id: 'ajekey', service_account_id: 'ajesa', private_key: '' };

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('Yandex IAM JWT audience', () => {
  it('defaults to the documented IAM tokens URL', () => {
    expect(claims(signServiceAccountJwt(key, privateKey, 1_700_000_000_000)).aud).toBe(YANDEX_IAM_AUDIENCE);
    const target = targetFrom(
      'yc',
      'vendor: yandex\nfederationId: fed1\nauth: { serviceAccountKey: file:./key.json }',
    );
    expect(
      target.vendor === 'yandex' && target.auth.kind === 'serviceAccountKey' && target.auth.audience,
    ).toBe('https://iam.api.cloud.yandex.net/iam/v1/tokens');
  });

  it('is configurable for other installations', () => {
    const target = targetFrom(
      'yc',
      [
        'vendor: yandex',
        'userpoolId: pool1',
        'auth:',
        '  serviceAccountKey: file:./key.json',
        '  iamUrl: https://iam.api.yandexcloud.kz/iam/v1/tokens',
        '  audience: https://iam.api.yandexcloud.kz/iam/v1/tokens',
      ].join('\n'),
    );
    if (target.vendor !== 'yandex' || target.auth.kind !== 'serviceAccountKey') throw new Error('unexpected');
    const jwt = signServiceAccountJwt(key, privateKey, 1_700_000_000_000, target.auth.audience);
    expect(claims(jwt)).toMatchObject({ aud: 'https://iam.api.yandexcloud.kz/iam/v1/tokens', iss: 'ajesa' });
  });
});
