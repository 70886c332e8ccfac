/**
 * A local fake of Yandex Cloud Organization Manager domains (Yandex Cloud docs:
 * "Federation.ValidateDomain", "Userpool.GetDomain", "…ListDomains", "…AddDomain",
 * "…DeleteDomain") for SAML federations and IdP userpools, its operation service and the IAM
 * token endpoint. Paths: `/organization-manager/v1/...` (apiUrl), `/operations/{id}`
 * (operationUrl = root), `/iam/v1/tokens` (iamUrl). Errors are `google.rpc.Status` bodies with
 * an `x-request-id`. `startYandexSandbox` is the module's part of the built-in sandbox.
 */
import { constants, createPublicKey, randomBytes, randomUUID, verify } from 'node:crypto';
import type { RunningVendorSandbox, TargetConfigs } from '../../src/core/ports.ts';
import {
  type FakeReply,
  type Fault,
  type FaultMatch,
  forEachTarget,
  jsonBody,
  type RateLimit,
  type RecordedRequest,
  runningSandbox,
  startFake,
} from '../sandbox-http.ts';

const IAM_AUDIENCE = 'https://iam.api.cloud.yandex.net/iam/v1/tokens';
const DOMAIN_PATH =
  /^\/organization-manager\/v1\/(saml\/federations|idp\/userpools)\/([^/]+)\/domains\/([^/:]+)(:validate)?$/;
const DOMAINS_PATH = /^\/organization-manager\/v1\/(saml\/federations|idp\/userpools)\/([^/]+)\/domains$/;
/** `pageSize` when none is given ("Default value: 100") and the most it takes ("0 to 1000"). */
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
/** A domain name as AddDomain takes it: 1–253 characters of labels (punycode for IDNs). */
const DOMAIN_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
/** google.rpc.Code → HTTP status, the "HTTP Mapping" of each code in googleapis `google/rpc/code.proto`. */
export const GRPC_HTTP: Readonly<Record<number, number>> = {
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  13: 500,
  14: 503,
  16: 401,
};

export interface FakeDomain {
  domain: string;
  status: string;
  statusCode?: string;
  createdAt: string;
  validatedAt?: string;
  challenges: {
    createdAt: string;
    updatedAt: string;
    type: string;
    status: string;
    dnsChallenge: { name: string; type: string; value: string };
  }[];
  deletionProtection?: boolean;
}

interface FakeOperation {
  body: Record<string, unknown>;
  /** Polls answered so far. */
  polls: number;
  /** Validate: sets `error` (if the DNS record is not published) and leaves `done` as it is. */
  failEarly: () => void;
  /** Sets `done`, and `response` or `error`. */
  finish: () => void;
}

export interface YandexFakeState {
  /** Domains per scope key `federation:<id>` or `userpool:<id>`. */
  scopes: Map<string, Map<string, FakeDomain>>;
  /** IAM tokens the API accepts. */
  iamTokens: Set<string>;
  /** Authorized keys the IAM endpoint trusts: key id → service account and public key (PEM). */
  keys: Map<string, { serviceAccountId: string; publicKey: string }>;
  /** Domains whose DNS TXT record is "published": validation of these succeeds. */
  published: Set<string>;
  /**
   * The playground's stand-in for the admin publishing the record: a domain added through the
   * API (`add-domain`) counts as published from its second read (`GET …/domains/{domain}`) after
   * it was added on: the first read shows the admin the record (`domain`, or the DNS check of
   * `dns-check` and `validate`, which finds it not served yet), who then publishes it. Off by
   * default.
   */
  autoPublish: boolean;
  /**
   * Domains added through the API whose record is not published yet, as `<scope key>/<domain>`,
   * with the reads since the add.
   */
  awaitingPublication: Map<string, number>;
  /** Operation polls before a validate operation is done (0: done at once). */
  pollsUntilDone: number;
  /**
   * Polls after which a validate operation of an unpublished domain shows its `error` while
   * `done` is still false, as the operation service does for a failure detected early (0: in
   * the answer to validate itself). Undefined: the error appears only with `done`.
   */
  errorBeforeDone: number | undefined;
  operations: Map<string, FakeOperation>;
  /** Lifetime of issued IAM tokens, ms. */
  iamTokenLifetime: number;
}

export interface YandexFake {
  url: string;
  apiUrl: string;
  operationUrl: string;
  iamUrl: string;
  requests: RecordedRequest[];
  state: YandexFakeState;
  fault(fault: Fault, match?: FaultMatch): void;
  clearFaults(): void;
  /** Answers 429 to a share of requests (undefined: stop). */
  rateLimit(limit: RateLimit | undefined): void;
  /** Adds a domain (status NEED_TO_VALIDATE with one DNS TXT challenge) and returns it. */
  addDomain(scope: { kind: 'federation' | 'userpool'; id: string }, domain: string): FakeDomain;
  /** The domains of a federation or userpool, in the order they were added. */
  domainsOf(scope: { kind: 'federation' | 'userpool'; id: string }): FakeDomain[];
  issueIamToken(): string;
  close(): Promise<void>;
}

function rpcError(grpc: number, message: string): FakeReply {
  return { status: GRPC_HTTP[grpc] ?? 500, json: { code: grpc, message, details: [] } };
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the fake. `now` drives JWT checks and timestamps (tests may freeze it). */
export async function startYandexFake(
  options: { now?: () => number; port?: number } = {},
): Promise<YandexFake> {
  const now = options.now ?? Date.now;
  const iso = (): string => new Date(now()).toISOString();
  const state: YandexFakeState = {
    scopes: new Map(),
    iamTokens: new Set(),
    keys: new Map(),
    published: new Set(),
    autoPublish: false,
    awaitingPublication: new Map(),
    pollsUntilDone: 2,
    errorBeforeDone: undefined,
    operations: new Map(),
    iamTokenLifetime: 12 * 3_600_000,
  };
  let opCounter = 0;
  const issueIamToken = (): string => {
    const token = `t1.fake-${randomUUID()}`;
    state.iamTokens.add(token);
    return token;
  };

  const addDomain: YandexFake['addDomain'] = (scope, domain) => {
    const key = `${scope.kind}:${scope.id}`;
    const domains = state.scopes.get(key) ?? new Map<string, FakeDomain>();
    state.scopes.set(key, domains);
    const at = iso();
    const record: FakeDomain = {
      domain,
      status: 'NEED_TO_VALIDATE',
      createdAt: at,
      challenges: [
        {
          createdAt: at,
          updatedAt: at,
          type: 'DNS_TXT',
          status: 'PENDING',
          dnsChallenge: {
            name: `_yc-domain-validation.${domain}`,
            type: 'TXT',
            value: randomBytes(16).toString('hex'),
          },
        },
      ],
    };
    if (scope.kind === 'userpool') record.deletionProtection = false;
    domains.set(domain, record);
    return record;
  };

  /** POST /iam/v1/tokens {jwt}: checks a PS256 JWT against a registered key. */
  const iam = (request: RecordedRequest): FakeReply => {
    const jwt = (jsonBody(request) as { jwt?: unknown } | undefined)?.jwt;
    const parts = typeof jwt === 'string' ? jwt.split('.') : [];
    const [h, p, s] = parts;
    const header = h === undefined ? undefined : decodeSegment(h);
    const claims = p === undefined ? undefined : decodeSegment(p);
    if (parts.length !== 3 || !header || !claims || s === undefined) return rpcError(3, 'Invalid JWT');
    if (header.alg !== 'PS256' || header.typ !== 'JWT') return rpcError(3, 'JWT must be PS256');
    const key = state.keys.get(String(header.kid));
    if (!key) return rpcError(16, `Unknown key id ${String(header.kid)}`);
    const valid = verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      {
        key: createPublicKey(key.publicKey),
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      },
      Buffer.from(s, 'base64url'),
    );
    if (!valid) return rpcError(16, 'JWT signature is invalid');
    const nowS = Math.floor(now() / 1000);
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (claims.iss !== key.serviceAccountId) return rpcError(16, 'JWT iss does not match the key');
    if (claims.aud !== IAM_AUDIENCE) return rpcError(16, 'JWT aud is wrong');
    if (!(exp > nowS) || !(iat <= nowS + 60) || exp - iat > 3600)
      return rpcError(16, 'JWT is expired or lives too long');
    return {
      status: 200,
      json: { iamToken: issueIamToken(), expiresAt: new Date(now() + state.iamTokenLifetime).toISOString() },
    };
  };

  /**
   * `POST …/domains/{domain}:validate`. The HTTP rule (yandex-cloud/cloudapi
   * `federation_service.proto`, `userpool_service.proto`) is `body: "*"` with every field in
   * the path, so the body is a JSON object that may repeat only those fields (`{}` in
   * practice). The fake insists on a JSON object sent as JSON, so a client that sends no body
   * or another media type is caught here.
   */
  const validate = (
    scopeKind: 'federation' | 'userpool',
    scopeId: string,
    record: FakeDomain,
    request: RecordedRequest,
  ): FakeReply => {
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? ''))
      return rpcError(3, 'validate takes a JSON body: send {} with Content-Type: application/json');
    const fields = jsonBody(request);
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
      return rpcError(3, 'validate takes a JSON object as its body: send {}');
    const allowed = [scopeKind === 'federation' ? 'federationId' : 'userpoolId', 'domain'];
    const unknown = Object.keys(fields).find((k) => !allowed.includes(k));
    if (unknown !== undefined) return rpcError(3, `unknown field "${unknown}" in the validate body`);

    const id = `fake-op-${++opCounter}`;
    record.status = 'VALIDATING';
    const at = iso();
    const body: Record<string, unknown> = {
      id,
      description: 'Validate domain',
      createdAt: at,
      createdBy: 'fake-account',
      modifiedAt: at,
      done: false,
      metadata: {
        [scopeKind === 'federation' ? 'federationId' : 'userpoolId']: scopeId,
        domain: record.domain,
      },
    };
    const failEarly = (): void => {
      if (body.error !== undefined || state.published.has(record.domain)) return;
      const failedAt = iso();
      body.modifiedAt = failedAt;
      record.status = 'NEED_TO_VALIDATE';
      for (const c of record.challenges) Object.assign(c, { status: 'INVALID', updatedAt: failedAt });
      body.error = { code: 9, message: `DNS TXT record for ${record.domain} not found`, details: [] };
    };
    const finish = (): void => {
      const done = iso();
      body.done = true;
      body.modifiedAt = done;
      if (body.error === undefined && state.published.has(record.domain)) {
        record.status = 'VALID';
        record.validatedAt = done;
        for (const c of record.challenges) Object.assign(c, { status: 'VALID', updatedAt: done });
        body.response = structuredClone(record);
      } else {
        failEarly();
      }
    };
    const op: FakeOperation = { body, polls: 0, failEarly, finish };
    state.operations.set(id, op);
    advance(op);
    return { status: 200, json: body };
  };

  /** A new Operation of `description` on `record`, in the state the first answer shows. */
  const newOperation = (
    description: string,
    scopeKind: 'federation' | 'userpool',
    scopeId: string,
    domain: string,
    finish: (body: Record<string, unknown>) => void,
  ): FakeOperation => {
    const at = iso();
    const body: Record<string, unknown> = {
      id: `fake-op-${++opCounter}`,
      description,
      createdAt: at,
      createdBy: 'fake-account',
      modifiedAt: at,
      done: false,
      metadata: { [scopeKind === 'federation' ? 'federationId' : 'userpoolId']: scopeId, domain },
    };
    const op: FakeOperation = {
      body,
      polls: 0,
      failEarly: () => {},
      finish: () => {
        body.done = true;
        body.modifiedAt = iso();
        finish(body);
      },
    };
    state.operations.set(body.id as string, op);
    advance(op);
    return op;
  };

  /** Whether another federation or userpool than `key` holds `domain`. */
  const heldElsewhere = (key: string, domain: string): boolean =>
    [...state.scopes].some(([k, domains]) => k !== key && domains.has(domain));

  /**
   * `GET …/domains?pageSize=&pageToken=` → `{domains[], nextPageToken}`, in the order the
   * domains were added. The token is opaque to clients (here: the offset of the next page);
   * proto3 JSON leaves out an empty list and the token of the last page.
   */
  const list = (key: string, request: RecordedRequest): FakeReply => {
    const query = new URLSearchParams(request.path.split('?')[1] ?? '');
    const sizeText = query.get('pageSize') ?? '0';
    if (!/^\d+$/.test(sizeText) || Number(sizeText) > MAX_PAGE_SIZE)
      return rpcError(3, `pageSize must be 0 to ${MAX_PAGE_SIZE}, got "${sizeText}"`);
    const size = Number(sizeText) || DEFAULT_PAGE_SIZE;
    const token = query.get('pageToken') ?? '';
    let offset = 0;
    if (token !== '') {
      const decoded = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
      if (!decoded) return rpcError(3, 'Invalid page token');
      offset = Number(decoded[1]);
    }
    const all = [...(state.scopes.get(key)?.values() ?? [])];
    const page = all.slice(offset, offset + size);
    const json: Record<string, unknown> = {};
    if (page.length > 0) json.domains = page;
    if (offset + size < all.length)
      json.nextPageToken = Buffer.from(`offset:${offset + size}`).toString('base64url');
    return { status: 200, json };
  };

  /** `POST …/domains {domain}` → Operation → Domain (NEED_TO_VALIDATE, one DNS TXT challenge). */
  const add = (
    scopeKind: 'federation' | 'userpool',
    scopeId: string,
    request: RecordedRequest,
  ): FakeReply => {
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? ''))
      return rpcError(3, 'AddDomain takes a JSON body {"domain": …} with Content-Type: application/json');
    const fields = jsonBody(request);
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
      return rpcError(3, 'AddDomain takes a JSON object as its body');
    const unknown = Object.keys(fields).find((k) => k !== 'domain');
    if (unknown !== undefined) return rpcError(3, `unknown field "${unknown}" in the AddDomain body`);
    const domain = (fields as { domain?: unknown }).domain;
    if (typeof domain !== 'string' || !DOMAIN_NAME.test(domain))
      return rpcError(3, `Invalid domain name ${JSON.stringify(domain ?? null)}`);
    const key = `${scopeKind}:${scopeId}`;
    if (state.scopes.get(key)?.has(domain))
      return rpcError(6, `Domain ${domain} already exists in ${scopeKind} ${scopeId}`);
    // A new challenge value: a record published for an earlier challenge no longer matches.
    if (!heldElsewhere(key, domain)) state.published.delete(domain);
    const record = addDomain({ kind: scopeKind, id: scopeId }, domain);
    state.awaitingPublication.set(`${key}/${domain}`, 0);
    const op = newOperation('Add domain', scopeKind, scopeId, domain, (body) => {
      body.response = structuredClone(record);
    });
    return { status: 200, json: op.body };
  };

  /**
   * `DELETE …/domains/{domain}` → Operation → Empty. A userpool domain protected from deletion is
   * refused with FAILED_PRECONDITION; the domain shows DELETING until the operation is done.
   */
  const remove = (scopeKind: 'federation' | 'userpool', scopeId: string, record: FakeDomain): FakeReply => {
    if (record.deletionProtection === true)
      return rpcError(9, `Domain ${record.domain} is protected from deletion`);
    const key = `${scopeKind}:${scopeId}`;
    record.status = 'DELETING';
    const op = newOperation('Delete domain', scopeKind, scopeId, record.domain, (body) => {
      state.scopes.get(key)?.delete(record.domain);
      state.awaitingPublication.delete(`${key}/${record.domain}`);
      if (!heldElsewhere(key, record.domain)) state.published.delete(record.domain);
      body.response = { '@type': 'type.googleapis.com/google.protobuf.Empty' };
    });
    return { status: 200, json: op.body };
  };

  /** Moves an operation on as its polls count up. */
  const advance = (op: FakeOperation): void => {
    if (op.body.done === true) return;
    if (op.polls >= state.pollsUntilDone) op.finish();
    else if (state.errorBeforeDone !== undefined && op.polls >= state.errorBeforeDone) op.failEarly();
  };

  const server = await startFake({
    port: options.port ?? 0,
    errorBody: (status, message) => {
      const grpc = Number(Object.entries(GRPC_HTTP).find(([, s]) => s === status)?.[0] ?? 13);
      return { contentType: 'application/json', body: JSON.stringify({ code: grpc, message, details: [] }) };
    },
    headers: () => ({ 'x-request-id': randomUUID() }),
    route: (request) => {
      const path = request.path.split('?')[0] ?? '';
      if (request.method === 'POST' && path === '/iam/v1/tokens') return iam(request);
      const bearer = request.headers.authorization?.replace(/^Bearer /, '');
      if (bearer === undefined || !state.iamTokens.has(bearer)) return rpcError(16, 'The token is invalid');
      const op = /^\/operations\/([^/]+)$/.exec(path);
      if (request.method === 'GET' && op) {
        const found = state.operations.get(decodeURIComponent(op[1]!));
        if (!found) return rpcError(5, 'Operation not found');
        if (found.body.done !== true) {
          found.polls += 1;
          advance(found);
        }
        return { status: 200, json: found.body };
      }
      const collection = DOMAINS_PATH.exec(path);
      if (collection) {
        const kind = collection[1] === 'saml/federations' ? 'federation' : 'userpool';
        const scopeId = decodeURIComponent(collection[2]!);
        if (request.method === 'GET') return list(`${kind}:${scopeId}`, request);
        if (request.method === 'POST') return add(kind, scopeId, request);
        return rpcError(3, `Unsupported ${request.method}`);
      }
      const m = DOMAIN_PATH.exec(path);
      if (!m) return rpcError(5, `No route for ${request.method} ${path}`);
      const kind = m[1] === 'saml/federations' ? 'federation' : 'userpool';
      const scopeId = decodeURIComponent(m[2]!);
      const key = `${kind}:${scopeId}`;
      const record = state.scopes.get(key)?.get(decodeURIComponent(m[3]!));
      if (!record) return rpcError(5, `Domain ${decodeURIComponent(m[3]!)} not found in ${kind} ${scopeId}`);
      if (request.method === 'GET' && m[4] === undefined) {
        const reply = { status: 200, json: structuredClone(record) };
        // The admin has been shown the record, and "publishes" it (sandbox only, see autoPublish).
        const waiting = `${key}/${record.domain}`;
        const reads = state.awaitingPublication.get(waiting);
        if (state.autoPublish && reads !== undefined) {
          if (reads >= 1) {
            state.awaitingPublication.delete(waiting);
            state.published.add(record.domain);
          } else state.awaitingPublication.set(waiting, reads + 1);
        }
        return reply;
      }
      if (request.method === 'POST' && m[4] === ':validate') return validate(kind, scopeId, record, request);
      if (request.method === 'DELETE' && m[4] === undefined) return remove(kind, scopeId, record);
      return rpcError(3, `Unsupported ${request.method}`);
    },
  });

  return {
    url: server.url,
    apiUrl: `${server.url}/organization-manager/v1`,
    operationUrl: server.url,
    iamUrl: `${server.url}/iam/v1/tokens`,
    requests: server.requests,
    state,
    fault: server.fault,
    clearFaults: server.clearFaults,
    rateLimit: server.rateLimit,
    addDomain,
    domainsOf: (scope) => [...(state.scopes.get(`${scope.kind}:${scope.id}`)?.values() ?? [])],
    issueIamToken,
    close: server.close,
  };
}

/** The env name of the IAM token the sandbox issues (only in the env given to the config loader). */
export const SANDBOX_TOKEN_ENV = 'DOMAINOPS_SANDBOX_YC_TOKEN';

/**
 * The built-in sandbox: one fake serving the federation or userpool of every target, each
 * seeded as `seedSandboxScope` says, a static IAM token, operations that finish on the first
 * poll, polled at a playground pace, and `autoPublish`: a domain added in the playground can be
 * validated once its record has been shown again (`domain <d>`, or a `validate <d>` that failed).
 */
export async function startYandexSandbox(
  targets: TargetConfigs,
): Promise<RunningVendorSandbox & { readonly fake: YandexFake }> {
  const fake = await startYandexFake();
  try {
    fake.state.pollsUntilDone = 1;
    fake.state.autoPublish = true;
    for (const target of Object.values(targets)) seedSandboxScope(fake, target);
    return {
      ...runningSandbox(fake, {
        targets: forEachTarget(targets, () => ({
          apiUrl: fake.apiUrl,
          operationUrl: fake.operationUrl,
          operationPoll: { interval: '200ms', maxInterval: '1s', timeout: '30s' },
          auth: { iamToken: `env:${SANDBOX_TOKEN_ENV}` },
        })),
        env: { [SANDBOX_TOKEN_ENV]: fake.issueIamToken() },
      }),
      publishedTxt: () => publishedChallenges(fake),
    };
  } catch (error) {
    await fake.close();
    throw error;
  }
}

/**
 * The DNS records of the challenges of every published domain, in every federation and userpool:
 * what the sandbox's DNS serves, so that a DNS check finds what validate finds.
 */
export function publishedChallenges(fake: YandexFake): { name: string; value: string }[] {
  return [...fake.state.scopes.values()].flatMap((domains) =>
    [...domains.values()]
      .filter((d) => fake.state.published.has(d.domain))
      .flatMap((d) => d.challenges.map((c) => ({ name: c.dnsChallenge.name, value: c.dnsChallenge.value }))),
  );
}

/**
 * A federation or userpool as an admin would find it: corp.ru waiting for its DNS TXT record,
 * sso.corp.ru whose record is published (validate succeeds), abc.com already VALID with its
 * record still published (in a userpool, protected from deletion).
 */
function seedSandboxScope(fake: YandexFake, target: Readonly<Record<string, unknown>>): void {
  const scope =
    typeof target.federationId === 'string'
      ? { kind: 'federation' as const, id: target.federationId }
      : typeof target.userpoolId === 'string'
        ? { kind: 'userpool' as const, id: target.userpoolId }
        : undefined;
  if (!scope) return;
  fake.addDomain(scope, 'corp.ru');
  fake.addDomain(scope, 'sso.corp.ru');
  fake.state.published.add('sso.corp.ru');
  const valid = fake.addDomain(scope, 'abc.com');
  const at = new Date(Date.now() - 30 * 86_400_000).toISOString();
  valid.status = 'VALID';
  valid.createdAt = at;
  valid.validatedAt = at;
  for (const c of valid.challenges) Object.assign(c, { status: 'VALID', createdAt: at, updatedAt: at });
  if (scope.kind === 'userpool') valid.deletionProtection = true;
  // Its record stays published after the validation, as admins usually keep it.
  fake.state.published.add('abc.com');
}
