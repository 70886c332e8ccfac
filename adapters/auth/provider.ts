import type { Secret } from '../../src/core/config/secret.ts';
import { DomainopsError } from '../../src/core/errors.ts';
import type { HttpClient, HttpResponse, SendOptions } from '../http.ts';
import type { PreparedRequest, Vendor } from '../types.ts';
import { VendorError } from '../vendor-error.ts';

/**
 * A secret's value; a missing variable or unreadable file (a ConfigError, which names the field
 * and never the value) becomes `vendor_auth_failed` so that `execute` throws only VendorError.
 */
export function revealSecret(secret: Secret, vendor: Vendor): string {
  try {
    return secret.reveal();
  } catch (error) {
    if (!(error instanceof DomainopsError)) throw error;
    throw new VendorError({
      vendor,
      code: 'vendor_auth_failed',
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      cause: error,
    });
  }
}

/** Supplies the `Authorization` header of one target. */
export interface AuthProvider {
  /** The header as `describe()` shows it, e.g. `Bearer [REDACTED]`; undefined for TLS client auth. */
  readonly redactedHeader: string | undefined;
  /** The header value to send now (may fetch or renew a token); undefined for TLS client auth. */
  header(signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Called after the vendor answered 401 to `header`. Returns true when a fresh credential may
   * help (the provider then drops the rejected one); false for static credentials.
   */
  rejected(header: string): boolean;
}

/** A fixed credential: an access token, IAM token or API token from the config. */
export function staticAuth(scheme: string, secret: Secret, vendor: Vendor): AuthProvider {
  return {
    redactedHeader: `${scheme} [REDACTED]`,
    header: async () => `${scheme} ${revealSecret(secret, vendor)}`,
    rejected: () => false,
  };
}

/** No header: the client authenticates with a TLS certificate. */
export const certificateAuth: AuthProvider = {
  redactedHeader: undefined,
  header: async () => undefined,
  rejected: () => false,
};

/** The request with the header added; the input is not changed. */
export function withAuthorization(request: PreparedRequest, header: string | undefined): PreparedRequest {
  return header === undefined
    ? request
    : { ...request, headers: { ...request.headers, Authorization: header } };
}

/**
 * Sends an authenticated request. A 401 means the vendor did not execute it, so after the
 * provider renews its credential the request is sent once more, whatever its idempotency.
 */
export async function sendAuthenticated(
  http: HttpClient,
  auth: AuthProvider,
  request: PreparedRequest,
  options: SendOptions,
): Promise<HttpResponse> {
  const header = await auth.header(options.signal);
  const response = await http.send(withAuthorization(request, header), options);
  if (response.status !== 401 || header === undefined || !auth.rejected(header)) return response;
  return http.send(withAuthorization(request, await auth.header(options.signal)), options);
}
