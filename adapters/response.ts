import { scrub, scrubDeep } from '../src/core/scrub.ts';
import type { HttpResponse } from './http.ts';
import type { Vendor } from './types.ts';
import { VendorError, type VendorErrorCode, type VendorErrorInit } from './vendor-error.ts';

/** The stable code for an HTTP error status (vendor mappers may refine it). */
export function codeForStatus(status: number): VendorErrorCode {
  switch (status) {
    case 400:
      return 'vendor_bad_request';
    case 401:
      return 'vendor_unauthorized';
    case 403:
      return 'vendor_forbidden';
    case 404:
      return 'vendor_not_found';
    case 409:
      return 'vendor_conflict';
    case 423:
      return 'vendor_locked';
    case 429:
      return 'vendor_rate_limited';
    case 503:
      return 'vendor_unavailable';
    case 504:
      return 'vendor_timeout';
    default:
      return status >= 500 ? 'vendor_server_error' : 'vendor_error';
  }
}

/**
 * Whether a side-effecting call may have taken effect despite this error status. 502 and 504
 * come from a gateway whose upstream may still have acted; every other error status is the
 * vendor saying the request was not carried out (423/429/503 by definition, 4xx by refusal,
 * 500 by the vendor's own account).
 */
export function outcomeForStatus(status: number, idempotent: boolean): 'failed' | 'unknown' {
  return !idempotent && (status === 502 || status === 504) ? 'unknown' : 'failed';
}

/** The vendor's request id from the usual headers (Webex `TrackingID`, Yandex `x-request-id`). */
export function requestIdFrom(headers: Record<string, string>): string | undefined {
  return headers.trackingid ?? headers['x-request-id'] ?? headers['x-vcap-request-id'];
}

/** Parses a body as JSON whatever the content type; undefined when it is not JSON. */
export function tryJson(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** The JSON body of a 2xx response as received; errors as described at `successJson`. */
function parseSuccessJson(
  response: HttpResponse,
  vendor: Vendor,
  sideEffect: boolean,
  keepCause: boolean,
): unknown {
  const type = response.headers['content-type'] ?? '';
  const id = requestIdFrom(response.headers);
  const withId: Omit<VendorErrorInit, 'message'> = {
    vendor,
    code: 'vendor_bad_response',
    status: response.status,
    request: response.request,
    outcome: sideEffect ? 'unknown' : 'failed',
    hint: sideEffect
      ? 'the vendor accepted the request but its answer was unreadable: check the current state before trying again'
      : 'the vendor answered something other than JSON: check the target URL (a proxy or login page?)',
    ...(id === undefined ? {} : { requestId: id }),
  };
  if (!/\bjson\b|\+json/i.test(type)) {
    throw new VendorError({
      ...withId,
      message: `${vendor} answered ${response.status} with content type ${type || '(none)'} instead of JSON`,
    });
  }
  try {
    return JSON.parse(response.body) as unknown;
  } catch (error) {
    throw new VendorError({
      ...withId,
      message: `${vendor} answered ${response.status} with malformed JSON`,
      // A SyntaxError quotes the text around the fault: never for an unscrubbed body.
      ...(keepCause ? { cause: error } : {}),
    });
  }
}

/**
 * The JSON body of a successful response, every string in it scrubbed once more after parsing
 * (a secret written with JSON `\u` escapes is only readable now). A wrong content type or
 * malformed JSON is `vendor_bad_response`; when the call had side effects and the status was
 * 2xx the vendor most likely acted, so the outcome is `unknown` rather than `failed`.
 */
export function successJson(response: HttpResponse, vendor: Vendor, sideEffect: boolean): unknown {
  return scrubDeep(parseSuccessJson(response, vendor, sideEffect, true));
}

/**
 * The JSON body of a token endpoint's successful answer, as received: it carries the new
 * credential, which the auth provider registers with the scrubber before anything else sees it.
 */
export function credentialJson(response: HttpResponse, vendor: Vendor): unknown {
  return parseSuccessJson(response, vendor, false, false);
}

/** A token exchange's answer with its body scrubbed too: what may go into an error. */
export function scrubbedResponse(response: HttpResponse): HttpResponse {
  return { ...response, body: scrub(response.body) };
}

/** A `vendor_bad_response` for a JSON body of the wrong shape. */
export function badShape(
  response: HttpResponse,
  vendor: Vendor,
  sideEffect: boolean,
  what: string,
): VendorError {
  const id = requestIdFrom(response.headers);
  return new VendorError({
    vendor,
    code: 'vendor_bad_response',
    message: `${vendor} answered ${response.status} but ${what}`,
    status: response.status,
    request: response.request,
    outcome: sideEffect ? 'unknown' : 'failed',
    ...(id === undefined ? {} : { requestId: id }),
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
