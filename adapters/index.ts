import { setTimeout as delay } from 'node:timers/promises';
import type { Target } from '../src/config/types.ts';
import { webexAuth } from './auth/webex-oauth.ts';
import { yandexAuth } from './auth/yandex-iam.ts';
import { createF5Client } from './f5xc.ts';
import type { HttpClient, Sleep } from './http.ts';
import type { VendorClient } from './types.ts';
import { createWebexClient } from './webex-identity.ts';
import { createYandexClient } from './yandex-org.ts';

export {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type HttpResponse,
  type Sleep,
} from './http.ts';
export { REDACTED, redactRequest } from './redact.ts';
export type { PreparedRequest, RedactedRequest, VendorClient, VendorResult, YandexDomain } from './types.ts';
export { VendorError, type VendorErrorCode } from './vendor-error.ts';

export interface VendorClientDeps {
  /** The shared HTTP layer (one per process; tests pass one aimed at a fake). */
  http: HttpClient;
  /** Clock for token expiry and operation deadlines (ms since the epoch). */
  now?: () => number;
  /** Waits between operation polls; injectable so tests do not wait. */
  sleep?: Sleep;
}

const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : {});

/** The typed client of one configured target. Creating it reads no secret and sends nothing. */
export function createVendorClient(target: Target, deps: VendorClientDeps): VendorClient {
  const now = deps.now ?? Date.now;
  switch (target.vendor) {
    case 'webex':
      return createWebexClient(target, deps.http, webexAuth(target, deps.http, now));
    case 'f5xc':
      return createF5Client(target, deps.http);
    case 'yandex':
      return createYandexClient(target, {
        http: deps.http,
        auth: yandexAuth(target, deps.http, now),
        now,
        sleep: deps.sleep ?? defaultSleep,
      });
  }
}
