import { type Clock, systemClock } from '../../src/core/clock.ts';
import { registerSecret } from '../../src/core/scrub.ts';
import { type AuthProvider, revealSecret, staticAuth } from '../auth/provider.ts';
import { type CachedToken, TokenCache } from '../auth/token-cache.ts';
import type { HttpClient } from '../http.ts';
import { codeForStatus, credentialJson, isRecord, requestIdFrom, scrubbedResponse } from '../response.ts';
import type { PreparedRequest } from '../types.ts';
import { VendorError } from '../vendor-error.ts';
import { parseWebexError } from './errors.ts';
import type { WebexTarget } from './target.ts';

/** Renew this long before the access token expires (it lives about 14 days). */
const RENEW_MARGIN = 5 * 60_000;

/**
 * The refresh-token request: `POST {tokenUrl}`, form-encoded
 * `grant_type=refresh_token&client_id=…&client_secret=…&refresh_token=…`.
 */
export function buildWebexTokenRequest(
  tokenUrl: string,
  clientId: string,
  clientSecret: string,
  refreshToken: string,
): PreparedRequest {
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: clientId,
    client_secret: clientSecret,
    refresh_token: refreshToken,
  }).toString();
  return {
    method: 'POST',
    url: tokenUrl,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body,
    // Refreshing changes no business state; repeating it after a lost answer is harmless.
    idempotent: true,
  };
}

/**
 * Auth for a Webex target: the static access token, or the refresh-token flow. The flow
 * refreshes before the first call and before expiry, once more after a 401, and shares one
 * in-flight refresh between concurrent callers. A rotated refresh_token is kept in memory only:
 * it is not written back to the secret's source yet, so a restart starts from the configured one
 * (Webex keeps the old refresh token valid until its own expiry, about 90 days). Token lifetimes
 * are kept on `now`, the process clock's (real time by default).
 */
export function webexAuth(
  target: WebexTarget,
  http: HttpClient,
  now: Clock['now'] = systemClock.now,
): AuthProvider {
  const auth = target.auth;
  if (auth.kind === 'accessToken') return staticAuth('Bearer', auth.accessToken, 'webex');

  let refreshToken: string | undefined;
  const refresh = async (): Promise<CachedToken> => {
    refreshToken ??= revealSecret(auth.refreshToken, 'webex');
    const clientSecret = revealSecret(auth.clientSecret, 'webex');
    const request = buildWebexTokenRequest(auth.tokenUrl, auth.clientId, clientSecret, refreshToken);
    const response = await http.send(request, { vendor: 'webex', sensitiveBody: true, rawBody: true });
    if (response.status !== 200) {
      // The client secret and refresh token are registered (revealed or obtained): scrubbed here.
      const parsed = parseWebexError(scrubbedResponse(response));
      const vendorMessage = parsed.message;
      const rejected = response.status === 400 || response.status === 401 || response.status === 403;
      const requestId = parsed.trackingId ?? requestIdFrom(response.headers);
      throw new VendorError({
        vendor: 'webex',
        code: rejected ? 'vendor_auth_failed' : codeForStatus(response.status),
        message: `Webex token refresh for target ${target.name} failed (${response.status})${vendorMessage ? `: ${vendorMessage}` : ''}`,
        hint: rejected
          ? `the refresh token (${auth.refreshToken.source}) or client credentials of ${target.name} were rejected: re-authorise the integration as a full admin with scope identity:organizations_rw and update ${auth.refreshToken.path}`
          : 'the Webex token endpoint is unavailable: try again later',
        status: response.status,
        request: response.request,
        ...(vendorMessage === undefined ? {} : { vendorMessage }),
        ...(requestId === undefined ? {} : { requestId }),
      });
    }
    const body = credentialJson(response, 'webex');
    // Registered before anything else sees them: an echo of either is scrubbed from now on.
    if (isRecord(body) && typeof body.access_token === 'string') {
      registerSecret(body.access_token, { transient: true });
    }
    if (isRecord(body) && typeof body.refresh_token === 'string') registerSecret(body.refresh_token);
    if (!isRecord(body) || typeof body.access_token !== 'string' || body.access_token === '') {
      throw new VendorError({
        vendor: 'webex',
        code: 'vendor_bad_response',
        message: `Webex token endpoint answered without an access_token for target ${target.name}`,
        status: response.status,
        request: response.request,
      });
    }
    if (typeof body.refresh_token === 'string' && body.refresh_token !== '')
      refreshToken = body.refresh_token;
    const lifetime =
      typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : 3_600_000;
    return { value: body.access_token, renewAt: now() + Math.max(lifetime - RENEW_MARGIN, lifetime / 2) };
  };

  const cache = new TokenCache(refresh, now);
  return {
    redactedHeader: 'Bearer [REDACTED]',
    header: async () => `Bearer ${await cache.get()}`,
    rejected: (header) => {
      cache.drop(header.slice('Bearer '.length));
      return true;
    },
  };
}
