import type { ExecuteOptions } from '../../src/core/ports.ts';
import { type AuthProvider, sendAuthenticated, withAuthorization } from '../auth/provider.ts';
import type { DnsChecker } from '../dns/check.ts';
import { awaitRecord } from '../dns/gate.ts';
import { type DnsCheckResult, type ExpectedRecord, humanSpan, notServedText } from '../dns/result.ts';
import type { HttpClient, HttpResponse, Sleep } from '../http.ts';
import { redactRequest } from '../redact.ts';
import { badShape, isRecord, successJson } from '../response.ts';
import type {
  PreparedRequest,
  RedactedRequest,
  VendorCall,
  VendorClient,
  VendorResult,
  YandexChallenge,
  YandexDomain,
} from '../types.ts';
import { unsupportedAction } from '../unsupported.ts';
import { baseUrl, sameDomainName, shownName } from '../url.ts';
import { VendorError } from '../vendor-error.ts';
import type { YandexCall } from './commands.ts';
import { parseRpcStatus, scopeLabel, yandexError, yandexHint } from './errors.ts';
import type { YandexTarget } from './target.ts';

/**
 * Domains asked for per `list-domains` page: the documented default of `pageSize` ("Default
 * value: 100", Yandex Cloud docs "Federation.ListDomains"; "Userpool.ListDomains" accepts 0 to 1000).
 */
export const LIST_PAGE_SIZE = 100;
/** Pages read at most by one `list-domains` (100 000 domains): a list that never ends is an error. */
export const MAX_LIST_PAGES = 1000;

/**
 * `{apiUrl}/saml/federations/{id}/domains/{domain}` or `{apiUrl}/idp/userpools/{id}/domains/{domain}`;
 * an apiUrl that is a bare host gets the documented `/organization-manager/v1`.
 */
export function domainUrl(target: YandexTarget, domain: string): string {
  return `${domainsUrl(target)}/${encodeURIComponent(domain)}`;
}

/** `{apiUrl}/saml/federations/{id}/domains` or `{apiUrl}/idp/userpools/{id}/domains`. */
export function domainsUrl(target: YandexTarget): string {
  const scope = target.scope.kind === 'federation' ? 'saml/federations' : 'idp/userpools';
  const api = baseUrl(target.apiUrl, '/organization-manager/v1');
  return `${api}/${scope}/${encodeURIComponent(target.scope.id)}/domains`;
}

/**
 * One page of `list-domains`: `GET …/domains?pageSize=100[&pageToken=…]` → `{domains[],
 * nextPageToken}` (Yandex Cloud docs, "Federation.ListDomains" / "Userpool.ListDomains").
 */
export function buildListRequest(target: YandexTarget, pageToken?: string): PreparedRequest {
  const token = pageToken === undefined ? '' : `&pageToken=${encodeURIComponent(pageToken)}`;
  return {
    method: 'GET',
    url: `${domainsUrl(target)}?pageSize=${LIST_PAGE_SIZE}${token}`,
    headers: { Accept: 'application/json' },
    idempotent: true,
  };
}

/**
 * The request for a Yandex call, without Authorization. `domain`: `GET …/domains/{domain}` →
 * Domain (Yandex Cloud docs, "Userpool.GetDomain" / "Federation.GetDomain"). `validate`:
 * `POST …/domains/{domain}:validate` → Operation ("Federation.ValidateDomain"); the `:validate`
 * suffix is a custom-method verb, not part of the encoded domain. The method's HTTP rule in
 * yandex-cloud/cloudapi (`organizationmanager/v1/saml/federation_service.proto` and
 * `idp/userpool_service.proto`) is `post: "…/domains/{domain}:validate" body: "*"` with every
 * request field in the path, so the body is the empty JSON object `{}`, sent as JSON.
 * Validate is marked idempotent: repeating it only re-checks DNS, so a lost answer is retried.
 * `add-domain`: `POST …/domains {domain}` → Operation → Domain ("Userpool.AddDomain",
 * "Federation.AddDomain"). `delete-domain`: `DELETE …/domains/{domain}` → Operation → Empty
 * ("Userpool.DeleteDomain", "Federation.DeleteDomain"). Neither is repeated once it may have
 * reached Yandex: a lost answer leaves the outcome unknown. `list-domains`: the first page
 * (`buildListRequest`).
 */
export function buildYandexRequest(target: YandexTarget, call: VendorCall): PreparedRequest {
  // dns-check reads the domain for its challenge record first; then it asks DNS, not Yandex.
  if (call.action === 'domain' || call.action === 'dns-check') {
    return {
      method: 'GET',
      url: domainUrl(target, call.domain),
      headers: { Accept: 'application/json' },
      idempotent: true,
    };
  }
  if (call.action === 'validate') {
    return {
      method: 'POST',
      url: `${domainUrl(target, call.domain)}:validate`,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: '{}',
      idempotent: true,
    };
  }
  if (call.action === 'add-domain') {
    return {
      method: 'POST',
      url: domainsUrl(target),
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ domain: call.domain }),
      idempotent: false,
    };
  }
  if (call.action === 'delete-domain') {
    return {
      method: 'DELETE',
      url: domainUrl(target, call.domain),
      headers: { Accept: 'application/json' },
      idempotent: false,
    };
  }
  if (call.action === 'list-domains') return buildListRequest(target);
  throw unsupportedAction('yandex', target.name, call.action);
}

/** `GET {operationUrl}/operations/{id}`. */
export function buildOperationRequest(target: YandexTarget, id: string): PreparedRequest {
  return {
    method: 'GET',
    url: `${baseUrl(target.operationUrl)}/operations/${encodeURIComponent(id)}`,
    headers: { Accept: 'application/json' },
    idempotent: true,
  };
}

function optionalStrings<K extends string>(
  source: Record<string, unknown>,
  keys: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) if (typeof source[k] === 'string') out[k] = source[k];
  return out;
}

/** A Domain from a response body; undefined when the body is not one. */
export function parseDomain(value: unknown): YandexDomain | undefined {
  if (!isRecord(value) || typeof value.domain !== 'string') return undefined;
  const challenges: YandexChallenge[] = (Array.isArray(value.challenges) ? value.challenges : [])
    .filter(isRecord)
    .map((c) => {
      const challenge: YandexChallenge = optionalStrings(c, [
        'createdAt',
        'updatedAt',
        'type',
        'status',
      ] as const);
      if (isRecord(c.dnsChallenge))
        challenge.dnsChallenge = optionalStrings(c.dnsChallenge, ['name', 'type', 'value'] as const);
      return challenge;
    });
  const domain: YandexDomain = {
    domain: value.domain,
    ...optionalStrings(value, ['status', 'statusCode', 'createdAt', 'validatedAt'] as const),
    challenges,
  };
  if (typeof value.deletionProtection === 'boolean') domain.deletionProtection = value.deletionProtection;
  return domain;
}

/**
 * A `vendor_bad_response` for an answer about another domain than the one asked about: such an
 * answer is nonsense for this request, so nothing in it is shown as the result. `outcome` is the
 * caller's judgement of whether the request may have acted (see its call sites).
 */
function answeredAboutOther(
  response: HttpResponse,
  answered: string,
  asked: string,
  outcome: 'failed' | 'unknown',
  hint: string,
): VendorError {
  const requestId = response.headers['x-request-id'];
  return new VendorError({
    vendor: 'yandex',
    code: 'vendor_bad_response',
    message: `Yandex answered about ${shownName(answered)}, not ${asked}`,
    hint,
    status: response.status,
    request: response.request,
    outcome,
    ...(requestId === undefined ? {} : { requestId }),
  });
}

interface Deps {
  http: HttpClient;
  auth: AuthProvider;
  now: () => number;
  sleep: Sleep;
  /** Pages one `list-domains` reads at most (default MAX_LIST_PAGES). */
  maxListPages?: number;
  /** The DNS checker of dns-check, the precheck of validate and `--wait`. */
  dns?: DnsChecker;
}

/** The calls that start a long-running Operation. */
type OperationAction = 'validate' | 'add-domain' | 'delete-domain';

/** How messages and hints speak of an operation of each action on `domain`. */
const OPERATION_WORDS: Record<
  OperationAction,
  {
    /** `Yandex could not … {domain} …`. */
    failed: (domain: string, scope: string) => string;
    /** The hint when it may still finish (a timeout, or a poll that failed). */
    mayFinish: (domain: string, op: string) => string;
    /** The hint when Yandex answered about another domain: the call may have acted. */
    mayHaveActed: (domain: string) => string;
  }
> = {
  validate: {
    failed: (domain, scope) => `validate ${domain} in ${scope}`,
    mayFinish: (domain, op) =>
      `the validation may still finish: run \`domain ${domain}\` later to see the result (operation ${op})`,
    mayHaveActed: (domain) =>
      `the validation of ${domain} may have started: run \`domain ${domain}\` to see its state before validating again`,
  },
  'add-domain': {
    failed: (domain, scope) => `add ${domain} to ${scope}`,
    mayFinish: (domain, op) =>
      `${domain} may still be added: run \`domain ${domain}\` later to see it and its DNS record (operation ${op})`,
    mayHaveActed: (domain) =>
      `${domain} may have been added: run \`domain ${domain}\` to see its state before adding it again`,
  },
  'delete-domain': {
    failed: (domain, scope) => `delete ${domain} from ${scope}`,
    mayFinish: (domain, op) =>
      `the deletion may still finish: run \`domain ${domain}\` later; once Yandex no longer finds it, it is deleted (operation ${op})`,
    mayHaveActed: (domain) =>
      `${domain} may have been deleted: run \`domain ${domain}\` to see its state before deleting it again`,
  },
};

/** An Operation as the client follows it. */
interface OperationState {
  id: string;
  done: boolean;
  failed: boolean;
  body: Record<string, unknown>;
}

/** A client for Yandex Organization Manager domains of one federation or userpool. */
export function createYandexClient(target: YandexTarget, deps: Deps): VendorClient {
  const { http, auth, now, sleep } = deps;
  const maxListPages = deps.maxListPages ?? MAX_LIST_PAGES;

  const send = (request: PreparedRequest, signal: AbortSignal | undefined): Promise<HttpResponse> =>
    sendAuthenticated(http, auth, request, { vendor: 'yandex', ...(signal ? { signal } : {}) });

  /**
   * An operation on `asked` may have started whatever Yandex answered: the request went to that
   * domain. An answer about another domain therefore leaves the outcome `unknown` (look at the
   * domain before trying again), never `failed`.
   */
  const operationAboutOther = (
    action: OperationAction,
    response: HttpResponse,
    answered: string,
    asked: string,
  ) => answeredAboutOther(response, answered, asked, 'unknown', OPERATION_WORDS[action].mayHaveActed(asked));

  /**
   * An Operation of `action` on `domain`. `failed` is true as soon as `error` is set: the
   * operation service (yandex-cloud/cloudapi `operation/operation.proto`) sets it while `done` is
   * still false when it detects a failure early, and such an operation will not succeed. An
   * unreadable answer to add or delete leaves their outcome unknown (Yandex most likely acted).
   */
  const operation = (action: OperationAction, response: HttpResponse, domain: string): OperationState => {
    const sideEffect = action !== 'validate';
    const body = successJson(response, 'yandex', sideEffect);
    if (!isRecord(body) || typeof body.id !== 'string')
      throw badShape(response, 'yandex', sideEffect, 'its body is not an Operation');
    // The metadata of validate, add and delete (…DomainMetadata) names the domain.
    const about = isRecord(body.metadata) ? body.metadata.domain : undefined;
    if (typeof about === 'string' && !sameDomainName(about, domain))
      throw operationAboutOther(action, response, about, domain);
    return {
      id: body.id,
      done: body.done === true,
      failed: parseRpcStatus(body.error) !== undefined,
      body,
    };
  };

  /** A Domain read with `GET …/domains/{domain}`; errors are those of `action` (hints, message). */
  const readDomain = async (
    action: string,
    name: string,
    signal: AbortSignal | undefined,
  ): Promise<{ domain: YandexDomain; body: unknown; response: HttpResponse }> => {
    const response = await send(buildYandexRequest(target, { action: 'domain', domain: name }), signal);
    if (response.status < 200 || response.status > 299) {
      throw yandexError(response, { action, domain: name, target, idempotent: true });
    }
    const body = successJson(response, 'yandex', false);
    const parsed = parseDomain(body);
    if (!parsed) throw badShape(response, 'yandex', false, 'its body is not a Domain');
    if (!sameDomainName(parsed.domain, name)) {
      // A read: nothing can have changed, so the outcome is `failed`.
      throw answeredAboutOther(
        response,
        parsed.domain,
        name,
        'failed',
        `Yandex's answer was about another domain: try again; if it persists, check apiUrl of target ${target.name} (a proxy or cache in between?)`,
      );
    }
    return { domain: parsed, body, response };
  };

  /**
   * The DNS records of a domain's challenges, name and value each in backticks (cards show them
   * as code, to copy exactly): `` `name` TXT `value` ``; empty when they cannot be read.
   */
  const challengeRecords = async (name: string, signal?: AbortSignal): Promise<string[]> => {
    try {
      const { domain } = await readDomain('domain', name, signal);
      return domain.challenges
        .map((c) => c.dnsChallenge)
        .filter((r) => r?.name !== undefined && r.value !== undefined)
        .map((r) => `\`${r!.name}\` ${r!.type ?? 'TXT'} \`${r!.value}\``);
    } catch {
      // Another domain's challenge is not the record to publish for this one, nor is nothing.
      return [];
    }
  };

  /**
   * Polls with growing intervals until done or failed; a timeout leaves the operation running
   * at Yandex.
   */
  const waitFor = async (
    action: OperationAction,
    first: OperationState,
    domain: string,
    signal: AbortSignal | undefined,
  ): Promise<{ body: Record<string, unknown>; response: HttpResponse }> => {
    let op = first;
    let response: HttpResponse | undefined;
    const { interval, maxInterval, timeout } = target.operationPoll;
    const deadline = now() + timeout;
    let wait = interval;
    while (!op.done && !op.failed) {
      const left = deadline - now();
      if (left <= 0) {
        throw new VendorError({
          vendor: 'yandex',
          code: 'vendor_operation_pending',
          message: `Yandex operation ${op.id} (${action} ${domain}) is still running after ${Math.round(timeout / 1000)} s`,
          hint: OPERATION_WORDS[action].mayFinish(domain, op.id),
          outcome: 'unknown',
        });
      }
      await sleep(Math.min(wait, left), signal);
      wait = Math.min(wait * 2, maxInterval);
      try {
        response = await send(buildOperationRequest(target, op.id), signal);
        if (response.status !== 200) {
          throw yandexError(response, {
            action: `operation ${op.id} of ${action}`,
            domain,
            target,
            idempotent: true,
          });
        }
        op = operation(action, response, domain);
      } catch (error) {
        if (!(error instanceof VendorError)) throw error;
        // The operation was started; only our view of it failed.
        throw new VendorError({
          vendor: 'yandex',
          code: error.code,
          message: `${error.message} (while waiting for operation ${op.id})`,
          hint: OPERATION_WORDS[action].mayFinish(domain, op.id),
          outcome: 'unknown',
          ...(error.status === undefined ? {} : { status: error.status }),
          ...(error.vendorMessage === undefined ? {} : { vendorMessage: error.vendorMessage }),
          ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
          ...(error.request === undefined ? {} : { request: error.request }),
          cause: error,
        });
      }
    }
    // The loop ran at least once (the first operation was neither done nor failed), so `response` is set.
    return { body: op.body, response: response! };
  };

  /** Sends a call that starts an Operation and follows it to its end; the finished body. */
  const runOperation = async (
    action: OperationAction,
    domain: string,
    signal: AbortSignal | undefined,
  ): Promise<{ id: string; body: Record<string, unknown>; response: HttpResponse }> => {
    const request = buildYandexRequest(target, { action, domain });
    const response = await send(request, signal);
    if (response.status < 200 || response.status > 299) {
      throw yandexError(response, { action, domain, target, idempotent: request.idempotent });
    }
    const started = operation(action, response, domain);
    const { body, response: last } =
      started.done || started.failed
        ? { body: started.body, response }
        : await waitFor(action, started, domain, signal);
    const failure = parseRpcStatus(body.error);
    if (failure) {
      let hint = yandexHint(failure.code, { action, domain, target });
      if (action === 'validate' && failure.code === 9) {
        // Not validated yet: show the record to publish right here, as `domain` would.
        const records = await challengeRecords(domain, signal);
        if (records.length > 0) {
          hint = `publish this DNS record, wait for DNS, then run \`validate ${domain}\` again: ${records.join('; ')}`;
        }
      }
      // The operation says it ended in error: it did not take effect.
      throw new VendorError({
        vendor: 'yandex',
        code: 'vendor_operation_failed',
        message: `Yandex could not ${OPERATION_WORDS[action].failed(domain, scopeLabel(target))}${failure.message ? `: ${failure.message}` : ''} (operation ${started.id}${failure.code === undefined ? '' : `, gRPC code ${failure.code}`})`,
        ...(hint === undefined ? {} : { hint }),
        ...(failure.message === undefined ? {} : { vendorMessage: failure.message }),
        request: last.request,
      });
    }
    return { id: started.id, body, response: last };
  };

  /** The Domain an add or validate operation finished with; it must be the domain asked about. */
  const finishedDomain = (
    action: 'validate' | 'add-domain',
    finished: { id: string; body: Record<string, unknown>; response: HttpResponse },
    domain: string,
  ): YandexDomain => {
    const parsed = parseDomain(finished.body.response);
    if (!parsed)
      throw badShape(
        finished.response,
        'yandex',
        action !== 'validate',
        `operation ${finished.id} finished without a Domain`,
      );
    if (!sameDomainName(parsed.domain, domain))
      throw operationAboutOther(action, finished.response, parsed.domain, domain);
    return parsed;
  };

  /**
   * A userpool Domain carries `deletionProtection` ("Userpool.GetDomain"): a protected domain is
   * refused here, from a read, so that no DELETE is sent. Federation domains have no such flag.
   */
  const refuseProtected = async (domain: string, signal: AbortSignal | undefined): Promise<void> => {
    if (target.scope.kind !== 'userpool') return;
    const { domain: found, response } = await readDomain('delete-domain', domain, signal);
    if (found.deletionProtection !== true) return;
    throw new VendorError({
      vendor: 'yandex',
      code: 'deletion_protected',
      message: `${domain} is protected from deletion in ${scopeLabel(target)}: domainops sent no DELETE`,
      hint: `turn off the deletion protection of ${domain} in userpool ${target.scope.id} (Yandex Cloud console), then run \`delete-domain ${domain}\` again`,
      request: response.request,
      outcome: 'failed',
    });
  };

  /** Every page of `list-domains`, following `nextPageToken` until it is empty. */
  const listDomains = async (signal: AbortSignal | undefined): Promise<VendorResult> => {
    const domains: YandexDomain[] = [];
    const names = new Set<string>();
    const tokens = new Set<string>();
    let token: string | undefined;
    for (let page = 1; ; page++) {
      const response = await send(buildListRequest(target, token), signal);
      if (response.status < 200 || response.status > 299) {
        throw yandexError(response, { action: 'list-domains', domain: '', target, idempotent: true });
      }
      const body = successJson(response, 'yandex', false);
      // proto3 JSON leaves out an empty list and an empty token.
      const items = isRecord(body) ? (body.domains ?? []) : undefined;
      if (!Array.isArray(items))
        throw badShape(response, 'yandex', false, `page ${page} is not a list of domains`);
      for (const item of items) {
        const parsed = parseDomain(item);
        if (!parsed)
          throw badShape(response, 'yandex', false, `page ${page} lists something that is not a Domain`);
        // A domain listed twice (the list changed between pages) is shown once.
        const key = parsed.domain.toLowerCase().replace(/\.$/, '');
        if (names.has(key)) continue;
        names.add(key);
        domains.push(parsed);
      }
      const next = (body as Record<string, unknown>).nextPageToken;
      if (next === undefined || next === '') return { action: 'list-domains', domains, pages: page };
      if (typeof next !== 'string')
        throw badShape(response, 'yandex', false, `page ${page} has a nextPageToken that is not a string`);
      const stop = tokens.has(next)
        ? `Yandex sent a page token it had sent before (page ${page}): the list would never end`
        : page >= maxListPages
          ? `Yandex listed more than ${maxListPages} pages (${domains.length} ${domains.length === 1 ? 'domain' : 'domains'} so far): stopped`
          : undefined;
      if (stop !== undefined) {
        const requestId = response.headers['x-request-id'];
        throw new VendorError({
          vendor: 'yandex',
          code: 'vendor_bad_response',
          message: stop,
          hint: `try again; if it persists, tell Yandex support (request id ${requestId ?? 'unknown'})`,
          status: response.status,
          request: response.request,
          outcome: 'failed',
          ...(requestId === undefined ? {} : { requestId }),
        });
      }
      tokens.add(next);
      token = next;
    }
  };

  /**
   * The DNS record of the domain's challenge (the latest DNS challenge Yandex lists), read with
   * `GET …/domains/{domain}`; `action` names the command in errors.
   */
  const challengeRecord = async (
    action: 'dns-check' | 'validate',
    domain: string,
    signal: AbortSignal | undefined,
  ): Promise<ExpectedRecord> => {
    const { domain: found, response } = await readDomain(action, domain, signal);
    const records = found.challenges
      .filter((c) => c.dnsChallenge?.name !== undefined && c.dnsChallenge.value !== undefined)
      .sort((a, b) => (Date.parse(a.createdAt ?? '') || 0) - (Date.parse(b.createdAt ?? '') || 0));
    const latest = records.at(-1)?.dnsChallenge;
    if (latest === undefined) {
      throw new VendorError({
        vendor: 'yandex',
        code: 'dns_no_record',
        message: `Yandex lists no DNS challenge for ${domain} in ${scopeLabel(target)}: there is no record to check`,
        hint: `run \`domain ${domain}\` to see its status; a domain added anew gets a challenge to publish`,
        request: response.request,
        outcome: 'failed',
      });
    }
    return { name: latest.name!.replace(/\.$/, ''), type: 'TXT', value: latest.value! };
  };

  const checker = (): DnsChecker => {
    if (deps.dns === undefined) throw new Error('the Yandex client was created without a DNS checker');
    return deps.dns;
  };

  /** `dns_not_ready`: the record is not served everywhere; nothing was sent to Yandex (or only read). */
  const notReady = (result: DnsCheckResult, message: string, hint: string): VendorError =>
    new VendorError({ vendor: 'yandex', code: 'dns_not_ready', message, hint, outcome: 'failed', result });

  /** What to do about a record that is not served everywhere yet. */
  const publishHint = (result: DnsCheckResult, next: string): string =>
    result.problem !== undefined
      ? `check dns.resolvers (or the system's resolvers) and try again; ${next}`
      : `publish \`${result.record.name}\` TXT \`${result.record.value}\` at the DNS provider of ${result.zone ?? result.domain} and wait until every nameserver serves it; ${next}`;

  /** `dns-check`: the challenge record at every authoritative nameserver address. */
  const dnsCheck = async (domain: string, signal: AbortSignal | undefined): Promise<DnsCheckResult> => {
    const record = await challengeRecord('dns-check', domain, signal);
    const check = await checker().check(record, signal ? { signal } : {});
    const result: DnsCheckResult = { action: 'dns-check', domain, ...check };
    if (result.ready) return result;
    throw notReady(
      result,
      `${notServedText(result)}`,
      publishHint(
        result,
        `then run \`validate ${domain}\` (\`validate ${domain} --wait\` checks until it is served)`,
      ),
    );
  };

  /** The precheck of validate (or `--wait`): refuses with the table while the record is not served. */
  const precheck = async (call: Extract<YandexCall, { action: 'validate' }>, options: ExecuteOptions) => {
    const dns = checker();
    const wait = call.wait === true;
    if (call.skipDnsCheck === true || (!wait && !dns.settings.precheck)) return;
    const record = await challengeRecord('validate', call.domain, options.signal);
    await awaitRecord({
      checker: dns,
      clock: { now, sleep },
      record,
      domain: call.domain,
      next: `validate ${call.domain}`,
      wait,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
      refuse: (result, waited) =>
        notReady(
          result,
          `domainops did not ask Yandex to validate ${call.domain}${waited ? ` (waited ${humanSpan(dns.settings.wait)})` : ''}: ${notServedText(result)}`,
          publishHint(
            result,
            `then run \`validate ${call.domain}\` again (\`--wait\` checks until it is served; \`--skip-dns-check\` sends it anyway)`,
          ),
        ),
    });
  };

  return {
    vendor: 'yandex',
    target: target.name,
    describe(call): RedactedRequest {
      return redactRequest(withAuthorization(buildYandexRequest(target, call), auth.redactedHeader));
    },
    async execute(vendorCall, options = {}): Promise<VendorResult> {
      const call = vendorCall as YandexCall;
      const { signal } = options;
      switch (call.action) {
        case 'domain': {
          const { domain, body } = await readDomain('domain', call.domain, signal);
          return { action: 'domain', domain, raw: body };
        }
        case 'list-domains':
          return listDomains(signal);
        case 'dns-check':
          return dnsCheck(call.domain, signal);
        case 'validate': {
          await precheck(call, options);
          const finished = await runOperation('validate', call.domain, signal);
          const domain = finishedDomain('validate', finished, call.domain);
          return { action: 'validate', domain, operationId: finished.id, raw: finished.body };
        }
        case 'add-domain': {
          const finished = await runOperation('add-domain', call.domain, signal);
          const domain = finishedDomain('add-domain', finished, call.domain);
          return { action: 'add-domain', domain, operationId: finished.id, raw: finished.body };
        }
        case 'delete-domain': {
          await refuseProtected(call.domain, signal);
          // The operation's response is google.protobuf.Empty: success is `done` without `error`.
          const finished = await runOperation('delete-domain', call.domain, signal);
          return {
            action: 'delete-domain',
            domain: call.domain,
            operationId: finished.id,
            raw: finished.body,
          };
        }
        default:
          throw unsupportedAction('yandex', target.name, (vendorCall as { action: string }).action);
      }
    },
  };
}
