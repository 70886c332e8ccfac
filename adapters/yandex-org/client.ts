import { type AuthProvider, sendAuthenticated, withAuthorization } from '../auth/provider.ts';
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
import { parseRpcStatus, scopeLabel, yandexError, yandexHint } from './errors.ts';
import type { YandexTarget } from './target.ts';

/**
 * `{apiUrl}/saml/federations/{id}/domains/{domain}` or `{apiUrl}/idp/userpools/{id}/domains/{domain}`;
 * an apiUrl that is a bare host gets the documented `/organization-manager/v1`.
 */
export function domainUrl(target: YandexTarget, domain: string): string {
  const scope = target.scope.kind === 'federation' ? 'saml/federations' : 'idp/userpools';
  const api = baseUrl(target.apiUrl, '/organization-manager/v1');
  return `${api}/${scope}/${encodeURIComponent(target.scope.id)}/domains/${encodeURIComponent(domain)}`;
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
 */
export function buildYandexRequest(target: YandexTarget, call: VendorCall): PreparedRequest {
  if (call.action === 'domain') {
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
}

/** A client for Yandex Organization Manager domains of one federation or userpool. */
export function createYandexClient(target: YandexTarget, deps: Deps): VendorClient {
  const { http, auth, now, sleep } = deps;

  const send = (request: PreparedRequest, signal: AbortSignal | undefined): Promise<HttpResponse> =>
    sendAuthenticated(http, auth, request, { vendor: 'yandex', ...(signal ? { signal } : {}) });

  /**
   * The validation of `asked` may have started whatever Yandex answered: the request went to that
   * domain's `:validate` path. An answer about another domain therefore leaves the outcome
   * `unknown` (look at the domain before validating again), never `failed`.
   */
  const validateAnsweredAboutOther = (response: HttpResponse, answered: string, asked: string) =>
    answeredAboutOther(
      response,
      answered,
      asked,
      'unknown',
      `the validation of ${asked} may have started: run \`domain ${asked}\` to see its state before validating again`,
    );

  /**
   * An Operation of validate `domain`. `failed` is true as soon as `error` is set: the operation
   * service (yandex-cloud/cloudapi `operation/operation.proto`) sets it while `done` is still
   * false when it detects a failure early, and such an operation will not succeed.
   */
  const operation = (
    response: HttpResponse,
    domain: string,
  ): { id: string; done: boolean; failed: boolean; body: Record<string, unknown> } => {
    const body = successJson(response, 'yandex', false);
    if (!isRecord(body) || typeof body.id !== 'string')
      throw badShape(response, 'yandex', false, 'its body is not an Operation');
    // ValidateFederationDomainMetadata / ValidateUserpoolDomainMetadata name the domain.
    const about = isRecord(body.metadata) ? body.metadata.domain : undefined;
    if (typeof about === 'string' && !sameDomainName(about, domain))
      throw validateAnsweredAboutOther(response, about, domain);
    return {
      id: body.id,
      done: body.done === true,
      failed: parseRpcStatus(body.error) !== undefined,
      body,
    };
  };

  /** The DNS records of a domain's challenges (`name TXT "value"`); empty when they cannot be read. */
  const challengeRecords = async (name: string, signal?: AbortSignal): Promise<string[]> => {
    try {
      const got = await send(buildYandexRequest(target, { action: 'domain', domain: name }), signal);
      if (got.status !== 200) return [];
      const parsed = parseDomain(successJson(got, 'yandex', false));
      // Another domain's challenge is not the record to publish for this one.
      if (parsed === undefined || !sameDomainName(parsed.domain, name)) return [];
      return parsed.challenges
        .map((c) => c.dnsChallenge)
        .filter((r) => r?.name !== undefined && r.value !== undefined)
        .map((r) => `${r!.name} ${r!.type ?? 'TXT'} "${r!.value}"`);
    } catch {
      return [];
    }
  };

  /**
   * Polls with growing intervals until done or failed; a timeout leaves the operation running
   * at Yandex.
   */
  const waitFor = async (
    first: ReturnType<typeof operation>,
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
          message: `Yandex operation ${op.id} (validate ${domain}) is still running after ${Math.round(timeout / 1000)} s`,
          hint: `it may still finish: run \`domain ${domain}\` later to see the result (operation ${op.id})`,
          outcome: 'unknown',
        });
      }
      await sleep(Math.min(wait, left), signal);
      wait = Math.min(wait * 2, maxInterval);
      try {
        response = await send(buildOperationRequest(target, op.id), signal);
        if (response.status !== 200) {
          throw yandexError(response, {
            action: `operation ${op.id} of validate`,
            domain,
            target,
            idempotent: true,
          });
        }
        op = operation(response, domain);
      } catch (error) {
        if (!(error instanceof VendorError)) throw error;
        // Validation was started; only our view of it failed.
        throw new VendorError({
          vendor: 'yandex',
          code: error.code,
          message: `${error.message} (while waiting for operation ${op.id})`,
          hint: `the validation may still finish: run \`domain ${domain}\` later (operation ${op.id})`,
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

  return {
    vendor: 'yandex',
    target: target.name,
    describe(call): RedactedRequest {
      return redactRequest(withAuthorization(buildYandexRequest(target, call), auth.redactedHeader));
    },
    async execute(call, options = {}): Promise<VendorResult> {
      const request = buildYandexRequest(target, call);
      const domain = call.action === 'validate' || call.action === 'domain' ? call.domain : '';
      const response = await send(request, options.signal);
      if (response.status < 200 || response.status > 299) {
        throw yandexError(response, { action: call.action, domain, target, idempotent: true });
      }
      if (call.action === 'domain') {
        const body = successJson(response, 'yandex', false);
        const parsed = parseDomain(body);
        if (!parsed) throw badShape(response, 'yandex', false, 'its body is not a Domain');
        if (!sameDomainName(parsed.domain, domain)) {
          // A read: nothing can have changed, so the outcome is `failed`.
          throw answeredAboutOther(
            response,
            parsed.domain,
            domain,
            'failed',
            `Yandex's answer was about another domain: try again; if it persists, check apiUrl of target ${target.name} (a proxy or cache in between?)`,
          );
        }
        return { action: 'domain', domain: parsed, raw: body };
      }
      const started = operation(response, domain);
      const { body, response: last } =
        started.done || started.failed
          ? { body: started.body, response }
          : await waitFor(started, domain, options.signal);
      const failure = parseRpcStatus(body.error);
      if (failure) {
        let hint = yandexHint(failure.code, domain, target);
        if (failure.code === 9) {
          // Not validated yet: show the record to publish right here, as `domain` would.
          const records = await challengeRecords(domain, options.signal);
          if (records.length > 0) {
            hint = `publish this DNS record, wait for DNS, then run \`validate ${domain}\` again: ${records.join('; ')}`;
          }
        }
        throw new VendorError({
          vendor: 'yandex',
          code: 'vendor_operation_failed',
          message: `Yandex could not validate ${domain} in ${scopeLabel(target)}${failure.message ? `: ${failure.message}` : ''} (operation ${started.id}${failure.code === undefined ? '' : `, gRPC code ${failure.code}`})`,
          ...(hint === undefined ? {} : { hint }),
          ...(failure.message === undefined ? {} : { vendorMessage: failure.message }),
          request: last.request,
        });
      }
      const validated = parseDomain(body.response);
      if (!validated)
        throw badShape(last, 'yandex', false, `operation ${started.id} finished without a Domain`);
      if (!sameDomainName(validated.domain, domain))
        throw validateAnsweredAboutOther(last, validated.domain, domain);
      return { action: 'validate', domain: validated, operationId: started.id, raw: body };
    },
  };
}
