import type { HttpResponse } from '../http.ts';
import { codeForStatus, isRecord, outcomeForStatus, tryJson } from '../response.ts';
import { VendorError } from '../vendor-error.ts';

/**
 * Webex error body: `{ "message": "...", "errors": [{ "description": "..." }], "trackingId": "..." }`;
 * the token endpoint may answer OAuth style `{ "error": "...", "error_description": "..." }`.
 * The tracking id is also in the `TrackingID` response header.
 */
export function parseWebexError(response: HttpResponse): { message?: string; trackingId?: string } {
  const body = tryJson(response.body);
  const out: { message?: string; trackingId?: string } = {};
  if (isRecord(body)) {
    const errors = Array.isArray(body.errors) ? body.errors : [];
    const first = errors.find(
      (e): e is { description: string } => isRecord(e) && typeof e.description === 'string',
    );
    const message = [body.message, first?.description, body.error_description, body.error].find(
      (m): m is string => typeof m === 'string' && m !== '',
    );
    if (message !== undefined) out.message = message;
    if (typeof body.trackingId === 'string') out.trackingId = body.trackingId;
  } else if (body === undefined && response.body.trim() !== '' && response.body.length < 500) {
    out.message = response.body.trim();
  }
  const header = response.headers.trackingid;
  if (out.trackingId === undefined && header !== undefined) out.trackingId = header;
  return out;
}

/** What the call was, for the hints: which domain, which organization and target, which options. */
export interface WebexErrorContext {
  action: string;
  domain: string;
  orgId: string;
  /** The target's name, for the commands a hint names (`verify-token x in <target>`). */
  target?: string;
  idempotent: boolean;
  /** verify: `--claim` was given. */
  claim?: boolean;
  /** claim: `--force` was given. */
  force?: boolean;
}

/**
 * What the person in chat should do, from the meanings Webex for Developers documents for each
 * action ("Get Domain Verification Token", "Verify Domain", "Claim Domain", "Unclaim Domain",
 * "Unverify Domain", and the shared response codes).
 */
function webexHint(
  context: WebexErrorContext,
  status: number,
  attempts: number,
  retryAfter: string | undefined,
): string | undefined {
  const { action, domain, orgId } = context;
  const at = context.target === undefined ? '' : ` in ${context.target}`;
  if (action === 'verify-token' && status === 409) {
    return `${domain} is already claimed, by organization ${orgId} or by another one: a claimed domain needs no verification token (check its claimed domains in Control Hub)`;
  }
  if (action === 'verify' && status === 400) {
    return `Webex has no verification token for ${domain}, or its TXT record is not published yet: run \`verify-token ${domain}${at}\` first, publish the TXT record it shows at ${domain}, then run verify again`;
  }
  if (action === 'verify' && status === 409) {
    return context.claim === true
      ? `${domain} is claimed by another organization, or users of another organization use it: verify without --claim, then run \`claim ${domain}${at} --force\` to take it from them`
      : `${domain} is already claimed by another organization: that organization must unclaim it first`;
  }
  if (action === 'claim' && status === 400) {
    return `${domain} is not a verified domain of organization ${orgId}: run \`verify ${domain}${at}\` first (after \`verify-token ${domain}${at}\` and publishing its TXT record)`;
  }
  if (action === 'claim' && status === 409) {
    return context.force === true
      ? `${domain} conflicts with the current state of the organization or of another one (claimed elsewhere?): check it in Control Hub`
      : `users of another organization use addresses at ${domain}: \`claim ${domain}${at} --force\` takes the domain from them (its approver is warned)`;
  }
  if (action === 'unverify' && status === 400) {
    return `the domain is still claimed: unclaim it first (\`unclaim ${domain}\`), then unverify`;
  }
  if (action === 'unverify' && status === 404) return `${domain} is not a domain of organization ${orgId}`;
  if (action === 'unclaim' && status === 400) {
    return `${domain} is not a claimed domain of organization ${orgId}, or the request was invalid: check the domain`;
  }
  switch (status) {
    case 401:
      return 'the Webex identity token has expired or lacks the identity:organizations_rw scope; it must come from an integration authorised by a full admin (id_full_admin)';
    case 403:
      return `the token's user is not allowed to manage domains of organization ${orgId}: it must be a full admin (id_full_admin) of that organization`;
    case 404:
      return `organization ${orgId} was not found: check orgId and apiUrl of the target`;
    case 409:
      return 'the request conflicts with the current state of the organization: check it in Control Hub';
    case 423:
    case 429:
    case 503: {
      // 423/429 carry Retry-After in seconds (Webex for Developers, "Response Codes"); an HTTP-date is passed on as is.
      const when =
        retryAfter === undefined
          ? 'later'
          : /^\d+$/.test(retryAfter.trim())
            ? `in ${retryAfter.trim()} s`
            : `after ${retryAfter.trim()}`;
      return `Webex is busy (still ${status} after ${attempts} attempts): try again ${when}`;
    }
    case 502:
    case 504:
      return action === 'verify-token'
        ? `Webex did not answer in time: try again (asking again for ${domain}'s token changes nothing)`
        : 'Webex did not answer in time: check in Control Hub whether the change happened before trying again';
    default:
      return status >= 500
        ? 'Webex had an internal error: try again later; give the tracking id to Webex support if it persists'
        : undefined;
  }
}

/** The VendorError for a Webex error response of `action` (a command's action, or `token`). */
export function webexError(response: HttpResponse, context: WebexErrorContext): VendorError {
  const { message, trackingId } = parseWebexError(response);
  const hint = webexHint(context, response.status, response.attempts, response.headers['retry-after']);
  return new VendorError({
    vendor: 'webex',
    code: codeForStatus(response.status),
    message: `Webex refused ${context.action} ${context.domain} (${response.status})${message ? `: ${message}` : ''}`,
    status: response.status,
    request: response.request,
    outcome: outcomeForStatus(response.status, context.idempotent),
    ...(hint === undefined ? {} : { hint }),
    ...(message === undefined ? {} : { vendorMessage: message }),
    ...(trackingId === undefined ? {} : { requestId: trackingId }),
  });
}
