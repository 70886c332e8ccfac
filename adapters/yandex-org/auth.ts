import { constants, createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { type Clock, systemClock } from '../../src/core/clock.ts';
import { registerSecret } from '../../src/core/scrub.ts';
import { type AuthProvider, revealSecret, staticAuth } from '../auth/provider.ts';
import { type CachedToken, TokenCache } from '../auth/token-cache.ts';
import type { HttpClient } from '../http.ts';
import { codeForStatus, credentialJson, isRecord, scrubbedResponse, tryJson } from '../response.ts';
import type { PreparedRequest } from '../types.ts';
import { VendorError } from '../vendor-error.ts';
import { parseRpcStatus } from './errors.ts';
import type { YandexTarget } from './target.ts';

/** The IAM token endpoint of the main Yandex Cloud installation, and the `aud` it requires. */
export const YANDEX_IAM_AUDIENCE = 'https://iam.api.cloud.yandex.net/iam/v1/tokens';

/**
 * The JWT `aud` for a token endpoint: the endpoint's own URL ("Get an IAM token for a service
 * account" in the Yandex Cloud IAM documentation; the yandexcloud Python SDK signs
 * `aud: https://iam.{endpoint}/iam/v1/tokens` for the endpoint it exchanges at), so another
 * installation (`https://iam.api.yandexcloud.kz/iam/v1/tokens`) gets its own. Query and
 * fragment are dropped, and a trailing slash of the path.
 */
export function iamAudience(iamUrl: string): string {
  const url = new URL(iamUrl);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** JWT lifetime; Yandex accepts at most one hour. */
const JWT_LIFETIME_S = 3600;
/** Renew an IAM token after an hour or 5 minutes before it expires, whichever comes first. */
const RENEW_AFTER = 3_600_000;
const RENEW_MARGIN = 5 * 60_000;

/** An authorized key file as the Yandex console writes it (other members are ignored). */
export interface ServiceAccountKey {
  id: string;
  service_account_id: string;
  private_key: string;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** The PEM block of `private_key`, without the `PLEASE DO NOT REMOVE THIS LINE! …` line before it. */
export function pemOf(privateKey: string): string {
  const start = privateKey.indexOf('-----BEGIN');
  return start === -1 ? privateKey : privateKey.slice(start);
}

/**
 * A PS256 JWT for the IAM exchange: header `{typ: "JWT", alg: "PS256", kid}`, claims
 * `{iss: service_account_id, aud, iat, exp}`, RSA-PSS SHA-256 with a 32-byte salt.
 */
export function signServiceAccountJwt(
  key: ServiceAccountKey,
  privateKey: KeyObject,
  nowMs: number,
  audience: string = YANDEX_IAM_AUDIENCE,
): string {
  const iat = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'PS256', kid: key.id }));
  const claims = base64url(
    JSON.stringify({ iss: key.service_account_id, aud: audience, iat, exp: iat + JWT_LIFETIME_S }),
  );
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), {
    key: privateKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  });
  return `${header}.${claims}.${base64url(signature)}`;
}

/** The exchange request: `POST {iamUrl}` `{"jwt": "…"}` → `{iamToken, expiresAt}`. */
export function buildIamRequest(iamUrl: string, jwt: string): PreparedRequest {
  return {
    method: 'POST',
    url: iamUrl,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ jwt }),
    idempotent: true,
  };
}

type KeyAuth = Extract<YandexTarget['auth'], { kind: 'serviceAccountKey' }>;

/** Reads and checks the key file; errors name the file, never its content. */
function loadKey(target: YandexTarget, auth: KeyAuth): { key: ServiceAccountKey; privateKey: KeyObject } {
  const where = auth.serviceAccountKey.filePath ?? auth.serviceAccountKey.source;
  const fail = (what: string, cause?: unknown): VendorError =>
    new VendorError({
      vendor: 'yandex',
      code: 'vendor_auth_failed',
      message: `the service account key ${where} of target ${target.name} ${what}`,
      hint: 'download a new authorized key for the service account (JSON with id, service_account_id, private_key)',
      ...(cause === undefined ? {} : { cause }),
    });
  const parsed = tryJson(revealSecret(auth.serviceAccountKey, 'yandex'));
  if (
    !isRecord(parsed) ||
    typeof parsed.id !== 'string' ||
    typeof parsed.service_account_id !== 'string' ||
    typeof parsed.private_key !== 'string'
  ) {
    throw fail('is not an authorized key file (JSON with id, service_account_id, private_key)');
  }
  const key = {
    id: parsed.id,
    service_account_id: parsed.service_account_id,
    private_key: parsed.private_key,
  };
  // The whole file is registered by reveal(); the key itself too, in the forms it may be echoed.
  registerSecret(key.private_key);
  registerSecret(pemOf(key.private_key));
  try {
    return { key, privateKey: createPrivateKey(pemOf(key.private_key)) };
  } catch (error) {
    // The crypto error may quote parts of the key: keep it out of the message.
    throw fail('has a private_key that is not a readable PEM RSA key', error);
  }
}

/**
 * Auth for a Yandex target: a static IAM token, or IAM tokens obtained from a service account
 * key and renewed before expiry (one exchange for concurrent callers; again after a 401). JWT
 * times and token lifetimes are kept on `now`, the process clock's (real time by default).
 */
export function yandexAuth(
  target: YandexTarget,
  http: HttpClient,
  now: Clock['now'] = systemClock.now,
): AuthProvider {
  const auth = target.auth;
  if (auth.kind === 'iamToken') return staticAuth('Bearer', auth.iamToken, 'yandex');

  let loaded: ReturnType<typeof loadKey> | undefined;
  const exchange = async (): Promise<CachedToken> => {
    loaded ??= loadKey(target, auth);
    const { key, privateKey } = loaded;
    const jwt = signServiceAccountJwt(key, privateKey, now(), auth.audience ?? iamAudience(auth.iamUrl));
    // The signed JWT is a credential for its hour: an endpoint that echoes it must not leak it.
    registerSecret(jwt, { transient: true });
    const request = buildIamRequest(auth.iamUrl, jwt);
    const response = await http.send(request, { vendor: 'yandex', sensitiveBody: true, rawBody: true });
    const where = auth.serviceAccountKey.filePath ?? auth.serviceAccountKey.source;
    if (response.status !== 200) {
      // Only the scrubbed body may go into the error (it may echo the JWT or the key).
      const status = parseRpcStatus(tryJson(scrubbedResponse(response).body));
      const rejected = response.status === 400 || response.status === 401 || response.status === 403;
      const requestId = response.headers['x-request-id'];
      throw new VendorError({
        vendor: 'yandex',
        code: rejected ? 'vendor_auth_failed' : codeForStatus(response.status),
        message: rejected
          ? `Yandex IAM rejected the service account key ${where} (key id ${key.id}) of target ${target.name}${status?.message ? `: ${status.message}` : ''}`
          : `Yandex IAM token exchange failed (${response.status}) for target ${target.name}`,
        hint: rejected
          ? 'the key may be deleted, expired or not the service account’s; check this host’s clock, or create a new authorized key'
          : 'the Yandex IAM endpoint is unavailable: try again later',
        status: response.status,
        request: response.request,
        ...(status?.message === undefined ? {} : { vendorMessage: status.message }),
        ...(requestId === undefined ? {} : { requestId }),
      });
    }
    const body = credentialJson(response, 'yandex');
    // Registered before anything else sees it: an echo of it is scrubbed from now on.
    if (isRecord(body) && typeof body.iamToken === 'string')
      registerSecret(body.iamToken, { transient: true });
    if (!isRecord(body) || typeof body.iamToken !== 'string' || body.iamToken === '') {
      throw new VendorError({
        vendor: 'yandex',
        code: 'vendor_bad_response',
        message: `Yandex IAM answered without an iamToken for target ${target.name}`,
        status: response.status,
        request: response.request,
      });
    }
    const obtained = now();
    const expires = typeof body.expiresAt === 'string' ? Date.parse(body.expiresAt) : Number.NaN;
    const renewAt = Number.isNaN(expires)
      ? obtained + RENEW_AFTER
      : Math.max(obtained + 60_000, Math.min(obtained + RENEW_AFTER, expires - RENEW_MARGIN));
    return { value: body.iamToken, renewAt };
  };

  const cache = new TokenCache(exchange, now);
  return {
    redactedHeader: 'Bearer [REDACTED]',
    header: async () => `Bearer ${await cache.get()}`,
    rejected: (header) => {
      cache.drop(header.slice('Bearer '.length));
      return true;
    },
  };
}
