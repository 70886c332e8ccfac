import { type Clock, systemClock } from '../../src/core/clock.ts';
import type {
  VendorCall as AnyCall,
  CallHistory,
  RedactedRequest as CoreRedactedRequest,
  ExecuteOptions,
  VendorClient,
} from '../../src/core/ports.ts';
import { type AuthProvider, sendAuthenticated, withAuthorization } from '../auth/provider.ts';
import type { DnsChecker } from '../dns/check.ts';
import { awaitRecord, servedAnywhere } from '../dns/gate.ts';
import { type DnsCheckResult, type ExpectedRecord, humanSpan, notServedText } from '../dns/result.ts';
import type { HttpClient, HttpResponse } from '../http.ts';
import { redactRequest } from '../redact.ts';
import { badShape, isRecord, isStringArray, requestIdFrom, successJson } from '../response.ts';
import type { PreparedRequest, RedactedRequest } from '../types.ts';
import { unsupportedAction } from '../unsupported.ts';
import { baseUrl, sameDomainName, shownName } from '../url.ts';
import { VendorError } from '../vendor-error.ts';
import type { WebexCall } from './commands.ts';
import { webexError } from './errors.ts';
import { TXT_PREFIX, txtRecord, type WebexResult } from './result.ts';
import type { WebexTarget } from './target.ts';

/** The Webex actions of this module, by the call's action (dns-check asks DNS, not Webex). */
const ACTIONS: Record<Exclude<WebexCall['action'], 'dns-check'>, string> = {
  'verify-token': 'getDomainVerificationToken',
  verify: 'verifyDomain',
  claim: 'claimDomain',
  unclaim: 'unclaimDomain',
  unverify: 'unverifyDomain',
};

/**
 * The request for a Webex call, without Authorization. Wire format (Webex for Developers,
 * "API - Domain Management"): every call is `POST {apiUrl}/identity/organizations/{orgId}/actions/…`
 * with a JSON body:
 * - `getDomainVerificationToken` `{"domain"}` → `{domain, token, verificationMethod, url}`;
 * - `verifyDomain` `{"domain","claimDomain"}` → `{verifiedDomains, claimedDomains, url}`;
 * - `claimDomain` `{"data":[{"domain"}],"forceDomainClaim"}` → `{data: [{domain, url}]}`;
 *   `forceDomainClaim` defaults to true at Webex, so it is always sent: false unless `--force`;
 * - `unclaimDomain` `{"domain"}` → 204/200;
 * - `unverifyDomain` `{"domain","removePending"}` → `{verifiedDomains, claimedDomains, url}`.
 */
export function buildWebexRequest(target: WebexTarget, anyCall: AnyCall): PreparedRequest {
  const call = anyCall as Exclude<WebexCall, { action: 'dns-check' }>;
  const action = Object.hasOwn(ACTIONS, call.action) ? ACTIONS[call.action] : undefined;
  if (action === undefined) throw unsupportedAction('webex', target.name, anyCall.action);
  const api = baseUrl(target.apiUrl, '/v1');
  const url = `${api}/identity/organizations/${encodeURIComponent(target.orgId)}/actions/${action}`;
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  let body: unknown;
  switch (call.action) {
    case 'verify-token':
    case 'unclaim':
      body = { domain: call.domain };
      break;
    case 'verify':
      body = { domain: call.domain, claimDomain: call.claim };
      break;
    case 'claim':
      body = { data: [{ domain: call.domain }], forceDomainClaim: call.force };
      break;
    case 'unverify':
      body = { domain: call.domain, removePending: call.removePending };
      break;
  }
  // Asking for a token again changes nothing that was not already so (the domain is pending
  // with a token): it may be retried. Every other action changes the organization.
  return {
    method: 'POST',
    url,
    headers,
    body: JSON.stringify(body),
    idempotent: call.action === 'verify-token',
  };
}

/** `vendor_bad_response` for an answer about another domain than the one asked about. */
function otherDomain(
  response: HttpResponse,
  answered: string,
  asked: string,
  outcome: 'failed' | 'unknown',
  hint: string,
): VendorError {
  const requestId = requestIdFrom(response.headers);
  return new VendorError({
    vendor: 'webex',
    code: 'vendor_bad_response',
    message: `Webex answered about ${shownName(answered)}, not ${asked}`,
    hint,
    status: response.status,
    request: response.request,
    outcome,
    ...(requestId === undefined ? {} : { requestId }),
  });
}

/**
 * Unclaim is documented to answer 204 without a body; a 200 whose JSON names a `domain` other
 * than the one sent is an answer to some other request. Webex may still have unclaimed the
 * domain asked about (the request reached it), so the outcome is `unknown`, not `failed`.
 */
function checkEcho(response: HttpResponse, raw: unknown, asked: string): void {
  if (!isRecord(raw) || typeof raw.domain !== 'string' || sameDomainName(raw.domain, asked)) return;
  throw otherDomain(
    response,
    raw.domain,
    asked,
    'unknown',
    `Webex may have acted on ${asked}: check the organization's claimed domains in Control Hub before trying again`,
  );
}

/** `{verifiedDomains, claimedDomains, url}`: the answer of verify and unverify. */
function domainLists(response: HttpResponse): {
  verifiedDomains: string[];
  claimedDomains: string[];
  url?: string;
  raw: unknown;
} {
  const body = successJson(response, 'webex', true);
  if (
    !isRecord(body) ||
    !isStringArray(body.verifiedDomains ?? []) ||
    !isStringArray(body.claimedDomains ?? [])
  ) {
    throw badShape(response, 'webex', true, 'its body is not {verifiedDomains, claimedDomains, url}');
  }
  return {
    verifiedDomains: (body.verifiedDomains as string[] | undefined) ?? [],
    claimedDomains: (body.claimedDomains as string[] | undefined) ?? [],
    ...(typeof body.url === 'string' ? { url: body.url } : {}),
    raw: body,
  };
}

/** The token answer: the record to publish, for the domain asked about and no other. */
function tokenResult(response: HttpResponse, domain: string, orgId: string): WebexResult {
  const body = successJson(response, 'webex', false);
  if (!isRecord(body) || typeof body.token !== 'string' || body.token.trim() === '') {
    throw badShape(response, 'webex', false, 'its body is not {domain, token, verificationMethod, url}');
  }
  if (typeof body.domain === 'string' && !sameDomainName(body.domain, domain)) {
    // A token for another domain must never be shown as the record to publish at this one.
    throw otherDomain(
      response,
      body.domain,
      domain,
      'failed',
      `nothing from this answer is to be published: run verify-token ${domain} again`,
    );
  }
  const token = body.token.trim();
  return {
    action: 'verify-token',
    domain,
    // The organization it was issued for: a token of another one is not what Webex expects there.
    orgId,
    token,
    verificationMethod: typeof body.verificationMethod === 'string' ? body.verificationMethod : 'DNS_TXT',
    record: txtRecord(domain, token),
    ...(typeof body.url === 'string' ? { url: body.url } : {}),
    raw: body,
  };
}

/** The claim answer `{data: [{domain, url}]}` (a 204 or an empty body is taken as it comes). */
function claimResult(response: HttpResponse, domain: string, force: boolean): WebexResult {
  const body =
    response.status === 204 || response.body.trim() === '' ? null : successJson(response, 'webex', true);
  const data = isRecord(body) ? body.data : undefined;
  if (body !== null && (!isRecord(body) || (data !== undefined && !Array.isArray(data)))) {
    throw badShape(response, 'webex', true, 'its body is not {data: [{domain, url}]}');
  }
  const claimed = ((data as unknown[] | undefined) ?? [])
    .filter((d): d is Record<string, unknown> => isRecord(d) && typeof d.domain === 'string')
    .map((d) => ({
      domain: d.domain as string,
      ...(typeof d.url === 'string' ? { url: d.url } : {}),
    }));
  if (claimed.length > 0 && !claimed.some((d) => sameDomainName(d.domain, domain))) {
    throw otherDomain(
      response,
      claimed[0]!.domain,
      domain,
      'unknown',
      `Webex may have claimed ${domain}: check the organization's claimed domains in Control Hub before trying again`,
    );
  }
  return { action: 'claim', domain, force, claimed, raw: body };
}

/**
 * What `dns-check` looks up, as a dry run shows it: no request goes to Webex, only DNS queries
 * for the TXT records at the domain, written as a `dns:` URI (RFC 4501).
 */
export function describeDnsCheck(domain: string): CoreRedactedRequest {
  return { method: 'GET', url: `dns:${domain}?type=TXT`, headers: {} };
}

/** What a Webex client needs besides HTTP: DNS for dns-check and the precheck of verify. */
export interface WebexClientOptions {
  dns?: DnsChecker;
  clock?: Clock;
}

/**
 * The organization a stored verify-token result was issued for: its `orgId` (results since it
 * was recorded), else the organization in the `url` Webex answered with (Webex for Developers,
 * "Get Domain Verification Token": `…/organization/{orgId}/v1/…`); undefined when neither says.
 */
export function tokenOrganization(result: Record<string, unknown>): string | undefined {
  if (typeof result.orgId === 'string' && result.orgId !== '') return result.orgId;
  if (typeof result.url !== 'string') return undefined;
  const match = /\/organizations?\/([^/?#]+)/i.exec(result.url);
  if (match === null) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1];
  }
}

/** What domainops knows of the record Webex looks up: its value, or why it knows none. */
interface StoredRecord {
  value?: string;
  /** The organization the stored token was issued for, when it is not the target's (orgId changed). */
  otherOrg?: string;
}

/**
 * The record Webex looks up for the domain, from the latest verify-token domainops ran for it on
 * this target (the core reads the store); no value when there is none, or when that token was
 * issued for another organization than the target's (its `orgId` changed since: that token is
 * not the one Webex expects). Webex is never asked for a token here: a new token may replace the
 * one published.
 */
async function storedRecord(
  domain: string,
  history: CallHistory | undefined,
  orgId: string,
): Promise<StoredRecord> {
  let last: Record<string, unknown> | undefined;
  try {
    last = await history?.lastResult('verify-token', domain);
  } catch (error) {
    throw new VendorError({
      vendor: 'webex',
      code: 'vendor_error',
      message: `the last verify-token of ${domain} could not be read from the store: ${error instanceof Error ? error.message : String(error)}`,
      hint: 'try again in a moment',
      outcome: 'failed',
      cause: error,
    });
  }
  if (last === undefined) return {};
  const issuedFor = tokenOrganization(last);
  if (issuedFor !== undefined && issuedFor.toLowerCase() !== orgId.toLowerCase())
    return { otherOrg: issuedFor };
  const record = isRecord(last.record) ? last.record.value : undefined;
  if (typeof record === 'string' && record.startsWith(TXT_PREFIX)) return { value: record };
  return typeof last.token === 'string' && last.token !== ''
    ? { value: txtRecord(domain, last.token).value }
    : {};
}

/** A client for Webex Identity organization domains (verify-token, verify, claim, unclaim, unverify, dns-check). */
export function createWebexClient(
  target: WebexTarget,
  http: HttpClient,
  auth: AuthProvider,
  deps: WebexClientOptions = {},
): VendorClient {
  const checker = (): DnsChecker => {
    if (deps.dns === undefined) throw new Error('the Webex client was created without a DNS checker');
    return deps.dns;
  };

  const expected = async (
    domain: string,
    history: CallHistory | undefined,
  ): Promise<{ record: ExpectedRecord; otherOrg?: string }> => {
    const { value, otherOrg } = await storedRecord(domain, history, target.orgId);
    return {
      record: { name: domain, type: 'TXT', value: value ?? null, prefix: TXT_PREFIX },
      ...(otherOrg === undefined ? {} : { otherOrg }),
    };
  };

  /** `dns_not_ready`: nothing was sent to Webex. */
  const notReady = (result: DnsCheckResult, message: string, hint: string): VendorError =>
    new VendorError({ vendor: 'webex', code: 'dns_not_ready', message, hint, outcome: 'failed', result });

  /** What is wrong and what to do, for a record that is not served everywhere (or is unknown). */
  const words = (result: DnsCheckResult, next: string, otherOrg?: string): { what: string; hint: string } => {
    const { domain } = result;
    if (result.problem !== undefined) {
      return {
        what: notServedText(result),
        hint: `check dns.resolvers (or the system's resolvers) and try again; ${next}`,
      };
    }
    if (result.record.value == null) {
      const serving = result.servers.filter((s) => s.values.length > 0).length;
      const none =
        otherOrg === undefined
          ? `domainops has no verification token of ${domain} from verify-token in ${target.name}`
          : `the verification token of ${domain} domainops has from verify-token in ${target.name} was issued for another organization (${otherOrg}), not the target's organization ${target.orgId}, so it is not the one Webex expects now`;
      return {
        what: `${none}, so domainops does not know the record Webex expects; ${serving} of ${result.servers.length} nameserver addresses serve a ${TXT_PREFIX}… record`,
        hint: `run \`verify-token ${domain} in ${target.name}\` to see the record to publish, publish it at the DNS provider of ${result.zone ?? domain}, then ${next}`,
      };
    }
    return {
      what: notServedText(result),
      hint: `publish \`${domain}\` TXT \`${result.record.value}\` at the DNS provider of ${result.zone ?? domain} and wait until every nameserver serves it; ${next}`,
    };
  };

  const dnsCheck = async (domain: string, options: ExecuteOptions): Promise<DnsCheckResult> => {
    const { record, otherOrg } = await expected(domain, options.history);
    const check = await checker().check(record, options.signal ? { signal: options.signal } : {});
    const result: DnsCheckResult = { action: 'dns-check', domain, ...check };
    if (result.ready) return result;
    const { what, hint } = words(
      result,
      `run \`verify ${domain} in ${target.name}\` (with \`--wait\` it checks until the record is served)`,
      otherOrg,
    );
    throw notReady(result, what, hint);
  };

  /** The precheck of verify (or `--wait`): refuses with the table while the record is not served. */
  const precheck = async (call: Extract<WebexCall, { action: 'verify' }>, options: ExecuteOptions) => {
    const dns = checker();
    const wait = call.wait === true;
    if (call.skipDnsCheck === true || (!wait && !dns.settings.precheck)) return;
    const { record, otherOrg } = await expected(call.domain, options.history);
    await awaitRecord({
      checker: dns,
      clock: deps.clock ?? systemClock,
      record,
      domain: call.domain,
      next: `verify ${call.domain}`,
      wait,
      // Without a stored token the value is unknown: a verification record served everywhere will do.
      ...(record.value == null ? { accept: servedAnywhere } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
      refuse: (result, waited) => {
        const { what, hint } = words(
          result,
          `run \`verify ${call.domain} in ${target.name}\` again (\`--wait\` checks until the record is served; \`--skip-dns-check\` sends it anyway)`,
          otherOrg,
        );
        return notReady(
          result,
          `domainops did not ask Webex to verify ${call.domain}${waited ? ` (waited ${humanSpan(dns.settings.wait)})` : ''}: ${what}`,
          hint,
        );
      },
    });
  };

  return {
    vendor: 'webex',
    target: target.name,
    describe(call): RedactedRequest {
      if (call.action === 'dns-check') return describeDnsCheck(String(call.domain));
      return redactRequest(withAuthorization(buildWebexRequest(target, call), auth.redactedHeader));
    },
    async execute(anyCall, options = {}): Promise<WebexResult> {
      if (anyCall.action === 'dns-check') return dnsCheck(String(anyCall.domain), options);
      if (anyCall.action === 'verify')
        await precheck(anyCall as Extract<WebexCall, { action: 'verify' }>, options);
      const request = buildWebexRequest(target, anyCall);
      const call = anyCall as Exclude<WebexCall, { action: 'dns-check' }>;
      const response = await sendAuthenticated(http, auth, request, {
        vendor: 'webex',
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const { domain } = call;
      if (response.status < 200 || response.status > 299) {
        throw webexError(response, {
          action: call.action,
          domain,
          orgId: target.orgId,
          target: target.name,
          idempotent: request.idempotent,
          ...(call.action === 'verify' ? { claim: call.claim } : {}),
          ...(call.action === 'claim' ? { force: call.force } : {}),
        });
      }
      switch (call.action) {
        case 'verify-token':
          return tokenResult(response, domain, target.orgId);
        case 'verify':
          return { action: 'verify', domain, claim: call.claim, ...domainLists(response) };
        case 'claim':
          return claimResult(response, domain, call.force);
        case 'unclaim': {
          // 204 No Content is the documented answer; a 200 may carry a body, kept as raw when it is JSON.
          const raw =
            response.status === 204 || response.body.trim() === ''
              ? null
              : successJson(response, 'webex', true);
          checkEcho(response, raw, domain);
          return { action: 'unclaim', domain, raw };
        }
        case 'unverify':
          return { action: 'unverify', domain, ...domainLists(response) };
      }
    },
  };
}
