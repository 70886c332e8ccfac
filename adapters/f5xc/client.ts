import { readFileSync } from 'node:fs';
import {
  type AuthProvider,
  certificateAuth,
  revealSecret,
  sendAuthenticated,
  staticAuth,
  withAuthorization,
} from '../auth/provider.ts';
import type { HttpClient, HttpResponse } from '../http.ts';
import { redactRequest } from '../redact.ts';
import {
  codeForStatus,
  isRecord,
  outcomeForStatus,
  requestIdFrom,
  successJson,
  tryJson,
} from '../response.ts';
import type { PreparedRequest, RedactedRequest, VendorCall, VendorClient, VendorResult } from '../types.ts';
import { unsupportedAction } from '../unsupported.ts';
import { baseUrl, shownName } from '../url.ts';
import { VendorError } from '../vendor-error.ts';
import type { F5Call, F5Result } from './commands.ts';
import type { F5Target } from './target.ts';

/** The F5 XC contract for `email` (F5 Distributed Cloud API, "Assign/Unassign domain owner"). */
export const F5_EMAIL_PATTERN = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;
const F5_EMAIL_MAX = 1024;

/** The last path segment of each call (F5 Distributed Cloud API, tenant domain owner). */
const OPERATION: Record<F5Call['action'], 'assign' | 'unassign'> = {
  'assign-owner': 'assign',
  'unassign-owner': 'unassign',
};

function isF5Call(call: VendorCall): call is F5Call {
  return Object.hasOwn(OPERATION, call.action);
}

/**
 * The request for an F5 XC call, without Authorization. Wire format (F5 Distributed Cloud API,
 * "Assign domain owner" and "Unassign domain owner"):
 * `POST {tenantUrl}/api/web/namespaces/system/tenant/domain_owner/assign` `{"email"}` → 200 `{}`,
 * `POST {tenantUrl}/api/web/namespaces/system/tenant/domain_owner/unassign` `{"email"}` → 200 `{}`.
 */
export function buildF5Request(target: F5Target, call: VendorCall): PreparedRequest {
  if (!isF5Call(call)) throw unsupportedAction('f5xc', target.name, call.action);
  if (call.email.length > F5_EMAIL_MAX || !F5_EMAIL_PATTERN.test(call.email)) {
    throw new VendorError({
      vendor: 'f5xc',
      code: 'vendor_bad_request',
      message: `"${call.email.slice(0, 80)}" is not an email F5 XC accepts`,
      hint: 'write a plain address such as user@example.com (at most 1024 characters)',
    });
  }
  return {
    method: 'POST',
    url: `${baseUrl(target.tenantUrl)}/api/web/namespaces/system/tenant/domain_owner/${OPERATION[call.action]}`,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ email: call.email }),
    idempotent: false,
  };
}

/** `Authorization: APIToken <token>`, or nothing with a P12 client certificate. */
export function f5Auth(target: F5Target): AuthProvider {
  const auth = target.auth;
  return auth.kind === 'apiToken' ? staticAuth('APIToken', auth.apiToken, 'f5xc') : certificateAuth;
}

/** The P12 bytes: read from the file itself, since a certificate is binary and not a text secret. */
function readP12(target: F5Target & { auth: { kind: 'p12' } }): Uint8Array {
  const file = target.auth.p12.filePath;
  try {
    if (file === undefined) throw new Error('not a file reference');
    return readFileSync(file);
  } catch (error) {
    throw new VendorError({
      vendor: 'f5xc',
      code: 'vendor_auth_failed',
      message: `cannot read the P12 certificate of target ${target.name} (${target.auth.p12.source})`,
      hint: `check ${target.auth.p12.path}: it must be file:PATH to a readable .p12 file`,
      cause: error,
    });
  }
}

function f5Hint(
  action: F5Call['action'],
  status: number,
  email: string,
  attempts: number,
): string | undefined {
  const assign = action === 'assign-owner';
  switch (status) {
    case 400:
      return 'F5 XC found the request invalid: check the email';
    case 401:
      return 'the API token (or certificate) is invalid or expired: create a new one in the F5 XC console';
    case 403:
      return 'the account behind the credential must itself be a domain owner of the tenant';
    case 404:
      return assign
        ? `no user ${email} in this tenant: check the address; a new user must be added to the tenant (in the F5 XC console) before becoming a domain owner`
        : `no user ${email} in this tenant: check the address`;
    case 409:
      return assign
        ? `this conflicts with the current value: ${email} is probably a domain owner already (nothing to do)`
        : `this conflicts with the current value: ${email} is probably not a domain owner`;
    case 429:
    case 503:
      return `F5 XC is busy (still ${status} after ${attempts} attempts): try again later`;
    case 504:
      return assign
        ? `F5 XC timed out: check in the console whether ${email} became a domain owner before trying again`
        : 'F5 XC timed out: check in the console whether the owner was removed before trying again';
    default:
      return status >= 500 ? 'F5 XC had an internal error: try again later' : undefined;
  }
}

/** F5 XC error bodies are a plain string, usually JSON-encoded (`"…"`), sometimes bare text. */
function f5Error(response: HttpResponse, call: F5Call): VendorError {
  const { action, email } = call;
  const parsed = tryJson(response.body);
  const text = typeof parsed === 'string' ? parsed : response.body.trim();
  const vendorMessage = text === '' ? undefined : text.slice(0, 500);
  const hint = f5Hint(action, response.status, email, response.attempts);
  const requestId = requestIdFrom(response.headers);
  return new VendorError({
    vendor: 'f5xc',
    code: codeForStatus(response.status),
    message: `F5 XC refused ${action} ${email} (${response.status})${vendorMessage ? `: ${vendorMessage}` : ''}`,
    status: response.status,
    request: response.request,
    outcome: outcomeForStatus(response.status, false),
    ...(hint === undefined ? {} : { hint }),
    ...(vendorMessage === undefined ? {} : { vendorMessage }),
    ...(requestId === undefined ? {} : { requestId }),
  });
}

/**
 * Assign and unassign answer `{}`; a body that names an `email` other than the one sent is an
 * answer to some other request. F5 may still have changed the owner asked about (the request
 * reached it), so the outcome is `unknown`, not `failed`. Addresses compare without letter case.
 */
function checkEcho(response: HttpResponse, raw: unknown, call: F5Call): void {
  const asked = call.email;
  if (!isRecord(raw) || typeof raw.email !== 'string') return;
  if (raw.email.toLowerCase() === asked.toLowerCase()) return;
  const requestId = requestIdFrom(response.headers);
  throw new VendorError({
    vendor: 'f5xc',
    code: 'vendor_bad_response',
    message: `F5 XC answered about ${shownName(raw.email)}, not ${asked}`,
    hint:
      call.action === 'assign-owner'
        ? `F5 XC may have made ${asked} a domain owner: check the user in the F5 XC console before trying again`
        : `F5 XC may have removed the domain-owner flag of ${asked}: check the user in the F5 XC console before trying again`,
    status: response.status,
    request: response.request,
    outcome: 'unknown',
    ...(requestId === undefined ? {} : { requestId }),
  });
}

/** A client for F5 Distributed Cloud domain owners. A P12 target gets its own TLS pool. */
export function createF5Client(target: F5Target, http: HttpClient): VendorClient {
  const auth = f5Auth(target);
  let tlsHttp: HttpClient | undefined;
  const transport = (): HttpClient => {
    const a = target.auth;
    if (a.kind !== 'p12') return http;
    tlsHttp ??= http.withClientCertificate({
      pfx: readP12({ ...target, auth: a }),
      passphrase: revealSecret(a.passphrase, 'f5xc'),
    });
    return tlsHttp;
  };
  return {
    vendor: 'f5xc',
    target: target.name,
    describe(call): RedactedRequest {
      return redactRequest(withAuthorization(buildF5Request(target, call), auth.redactedHeader));
    },
    async execute(call, options = {}): Promise<VendorResult> {
      const request = buildF5Request(target, call);
      const f5Call = call as F5Call; // buildF5Request refused any other call
      const response = await sendAuthenticated(transport(), auth, request, {
        vendor: 'f5xc',
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (response.status < 200 || response.status > 299) throw f5Error(response, f5Call);
      const raw = response.body.trim() === '' ? {} : successJson(response, 'f5xc', true);
      checkEcho(response, raw, f5Call);
      const result: F5Result = { action: f5Call.action, email: f5Call.email, raw };
      return result;
    },
  };
}
