import { type AuthProvider, sendAuthenticated, withAuthorization } from '../auth/provider.ts';
import type { HttpClient, HttpResponse } from '../http.ts';
import { redactRequest } from '../redact.ts';
import { badShape, isRecord, isStringArray, requestIdFrom, successJson } from '../response.ts';
import type { PreparedRequest, RedactedRequest, VendorCall, VendorClient, VendorResult } from '../types.ts';
import { unsupportedAction } from '../unsupported.ts';
import { baseUrl, sameDomainName, shownName } from '../url.ts';
import { VendorError } from '../vendor-error.ts';
import { webexError } from './errors.ts';
import type { WebexTarget } from './target.ts';

/**
 * The request for a Webex call, without Authorization. Wire format (Webex for Developers,
 * "Unclaim Domain" and "Unverify Domain"):
 * `POST {apiUrl}/identity/organizations/{orgId}/actions/unclaimDomain` `{"domain"}` → 204/200;
 * `POST …/actions/unverifyDomain` `{"domain","removePending"}` → `{verifiedDomains, claimedDomains, url}`.
 */
export function buildWebexRequest(target: WebexTarget, call: VendorCall): PreparedRequest {
  const api = baseUrl(target.apiUrl, '/v1');
  const base = `${api}/identity/organizations/${encodeURIComponent(target.orgId)}/actions`;
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (call.action === 'unclaim') {
    return {
      method: 'POST',
      url: `${base}/unclaimDomain`,
      headers,
      body: JSON.stringify({ domain: call.domain }),
      idempotent: false,
    };
  }
  if (call.action === 'unverify') {
    return {
      method: 'POST',
      url: `${base}/unverifyDomain`,
      headers,
      body: JSON.stringify({ domain: call.domain, removePending: call.removePending }),
      idempotent: false,
    };
  }
  throw unsupportedAction('webex', target.name, call.action);
}

/**
 * Unclaim is documented to answer 204 without a body; a 200 whose JSON names a `domain` other
 * than the one sent is an answer to some other request. Webex may still have unclaimed the
 * domain asked about (the request reached it), so the outcome is `unknown`, not `failed`.
 */
function checkEcho(response: HttpResponse, raw: unknown, asked: string): void {
  if (!isRecord(raw) || typeof raw.domain !== 'string' || sameDomainName(raw.domain, asked)) return;
  const requestId = requestIdFrom(response.headers);
  throw new VendorError({
    vendor: 'webex',
    code: 'vendor_bad_response',
    message: `Webex answered about ${shownName(raw.domain)}, not ${asked}`,
    hint: `Webex may have acted on ${asked}: check the organization's claimed domains in Control Hub before trying again`,
    status: response.status,
    request: response.request,
    outcome: 'unknown',
    ...(requestId === undefined ? {} : { requestId }),
  });
}

/** A client for Webex Identity organization domains (unclaim, unverify). */
export function createWebexClient(target: WebexTarget, http: HttpClient, auth: AuthProvider): VendorClient {
  return {
    vendor: 'webex',
    target: target.name,
    describe(call): RedactedRequest {
      return redactRequest(withAuthorization(buildWebexRequest(target, call), auth.redactedHeader));
    },
    async execute(call, options = {}): Promise<VendorResult> {
      const request = buildWebexRequest(target, call);
      const response = await sendAuthenticated(http, auth, request, {
        vendor: 'webex',
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const domain = call.action === 'unclaim' || call.action === 'unverify' ? call.domain : '';
      if (response.status < 200 || response.status > 299) {
        throw webexError(response, { action: call.action, domain, orgId: target.orgId, idempotent: false });
      }
      if (call.action === 'unclaim') {
        // 204 No Content is the documented answer; a 200 may carry a body, kept as raw when it is JSON.
        const raw =
          response.status === 204 || response.body.trim() === ''
            ? null
            : successJson(response, 'webex', true);
        checkEcho(response, raw, domain);
        return { action: 'unclaim', domain, raw };
      }
      const body = successJson(response, 'webex', true);
      if (
        !isRecord(body) ||
        !isStringArray(body.verifiedDomains ?? []) ||
        !isStringArray(body.claimedDomains ?? [])
      ) {
        throw badShape(response, 'webex', true, 'its body is not {verifiedDomains, claimedDomains, url}');
      }
      return {
        action: 'unverify',
        domain,
        verifiedDomains: (body.verifiedDomains as string[] | undefined) ?? [],
        claimedDomains: (body.claimedDomains as string[] | undefined) ?? [],
        ...(typeof body.url === 'string' ? { url: body.url } : {}),
        raw: body,
      };
    },
  };
}
