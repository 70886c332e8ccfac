/** The shared HTTP layer every vendor module of this folder builds on. */

export { createDnsChecker, type DnsChecker } from './dns/check.ts';
export {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type HttpResponse,
  type Sleep,
} from './http.ts';
export type { AdapterDeps, AdapterModule } from './module.ts';
export { REDACTED, redactRequest } from './redact.ts';
export type { PreparedRequest, RedactedRequest, VendorClient, VendorResult, YandexDomain } from './types.ts';
export { VendorError, type VendorErrorCode } from './vendor-error.ts';
