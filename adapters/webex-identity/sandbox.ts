/**
 * A local fake of Webex Identity organization domains (Webex for Developers, "API - Domain
 * Management": Get Domain Verification Token, Verify Domain, Claim Domain, Unclaim Domain,
 * Unverify Domain) and of the OAuth token endpoint. State follows the documented rules:
 * - a token is refused (409) for a domain claimed by this or another organization; the domain
 *   becomes pending with its token;
 * - verify needs a requested token (else 400) and, here, its TXT record
 *   `cisco-ci-domain-verification=<token>` published in the fake's DNS (else 400 as well); a
 *   domain claimed by another organization is refused (409);
 * - claim needs a verified domain (else 400); while users outside the organization use the
 *   domain it is refused (409, not documented) unless `forceDomainClaim` is true (Webex's default);
 * - unclaim needs a claimed domain (else 400) and leaves it verified; unverify refuses 400 while
 *   the domain is claimed and 404 when it is not in the organization.
 * The fake plays the DNS too: TXT records are "published" by `publish` (or `POST
 * /sandbox/dns/txt`, a sandbox-only endpoint), and at once for domains in `publishZones`.
 * `startWebexSandbox` is the module's part of the built-in sandbox.
 */
import { randomUUID } from 'node:crypto';
import type { RunningVendorSandbox, TargetConfigs } from '../../src/core/ports.ts';
import {
  credential,
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
import { TXT_PREFIX } from './result.ts';

export interface WebexOrgState {
  verified: Set<string>;
  claimed: Set<string>;
  /** Domains with a requested verification token, not yet verified. */
  pending: Set<string>;
  /** The verification token issued for each domain. */
  tokens: Map<string, string>;
  /** Domains that users outside the organization use, with the name of their organization. */
  outsideUsers: Map<string, string>;
}

/** How a test or the sandbox seeds an organization: claimed domains are verified too. */
export interface WebexOrgSeed {
  verified?: string[];
  claimed?: string[];
  /** Domains whose token was requested (a token is issued for each; published in `publishZones`). */
  pending?: string[];
  /** Domains that users of another organization use, with that organization's name. */
  outsideUsers?: Record<string, string>;
}

export interface WebexFakeState {
  orgs: Map<string, WebexOrgState>;
  /** Access tokens the API accepts. */
  accessTokens: Set<string>;
  /** OAuth integration credentials. */
  clients: Map<string, { secret: string }>;
  /** Valid refresh tokens → client id. */
  refreshTokens: Map<string, string>;
  /** `expires_in` of issued access tokens, seconds. */
  tokenLifetime: number;
  /** When true, every refresh returns a new refresh token and retires the old one. */
  rotateRefreshTokens: boolean;
  /** The fake's DNS: the TXT record values published at each name. */
  txt: Map<string, Set<string>>;
  /**
   * Zones whose DNS the sandbox plays: the TXT record of a token issued for one of these domains
   * or a name under them is published at once (as DNS automation would).
   */
  publishZones: string[];
}

export interface WebexFake {
  /** Server root. */
  url: string;
  /** `{url}/v1`: the target's apiUrl. */
  apiUrl: string;
  /** `{url}/v1/access_token`: the target's tokenUrl. */
  tokenUrl: string;
  requests: RecordedRequest[];
  state: WebexFakeState;
  fault(fault: Fault, match?: FaultMatch): void;
  clearFaults(): void;
  /** Answers 429 to a share of requests (undefined: stop). */
  rateLimit(limit: RateLimit | undefined): void;
  /** Makes a new access token valid and returns it. */
  issueAccessToken(): string;
  /**
   * Publishes a TXT record at `domain`: `value`, or without it the record of every token issued
   * for the domain. Returns the values published there; throws when there is nothing to publish.
   */
  publish(domain: string, value?: string): string[];
  close(): Promise<void>;
}

const TRACKING = () => `ROUTER_${randomUUID()}`;

function webexError(status: number, message: string, trackingId = TRACKING()): FakeReply {
  return {
    status,
    headers: { trackingid: trackingId },
    json: { message, errors: [{ description: message }], trackingId },
  };
}

const ACTION_PATH = /^\/v1\/identity\/organizations\/([^/]+)\/actions\/([A-Za-z]+)$/;

/** Whether the request declares this media type (parameters such as charset are allowed). */
function isMediaType(request: RecordedRequest, type: string): boolean {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === type;
}

/** A fresh organization state from a seed (tests set `state.orgs` entries with it). */
export function webexOrg(seed: WebexOrgSeed = {}): WebexOrgState {
  const claimed = (seed.claimed ?? []).map((d) => d.toLowerCase());
  const pending = (seed.pending ?? []).map((d) => d.toLowerCase());
  return {
    verified: new Set([...(seed.verified ?? []).map((d) => d.toLowerCase()), ...claimed]),
    claimed: new Set(claimed),
    pending: new Set(pending),
    tokens: new Map(pending.map((d) => [d, randomUUID()])),
    outsideUsers: new Map(Object.entries(seed.outsideUsers ?? {}).map(([d, o]) => [d.toLowerCase(), o])),
  };
}

/** Whether `domain` is `zone` or a name under it. */
function inZone(domain: string, zone: string): boolean {
  const z = zone.toLowerCase();
  return domain === z || domain.endsWith(`.${z}`);
}

/** Where the legacy back end would take a call (shown by Webex in its answers, never called). */
const legacyUrl = (orgId: string, step: string): string =>
  `https://identity.webex.com/organization/${orgId}/v1/actions/DomainVerification/${step}/invoke`;

/** Starts the fake; `orgs` seeds organizations by id, `publishZones` the zones whose records publish themselves. */
export async function startWebexFake(
  options: { orgs?: Record<string, WebexOrgSeed>; publishZones?: string[]; port?: number } = {},
): Promise<WebexFake> {
  const state: WebexFakeState = {
    orgs: new Map(),
    accessTokens: new Set(),
    clients: new Map(),
    refreshTokens: new Map(),
    tokenLifetime: 1_209_599,
    rotateRefreshTokens: false,
    txt: new Map(),
    publishZones: [...(options.publishZones ?? [])],
  };
  let issued = 0;
  const issueAccessToken = (): string => {
    const token = `fake-access-${++issued}-${randomUUID()}`;
    state.accessTokens.add(token);
    return token;
  };

  const addTxt = (domain: string, value: string): string[] => {
    const values = state.txt.get(domain) ?? new Set<string>();
    values.add(value);
    state.txt.set(domain, values);
    return [...values];
  };
  /** A token's record is published by the fake's DNS when the domain is in one of its zones. */
  const autoPublish = (domain: string, token: string): void => {
    if (state.publishZones.some((zone) => inZone(domain, zone))) addTxt(domain, `${TXT_PREFIX}${token}`);
  };
  const publish = (name: string, value?: string): string[] => {
    const domain = name.trim().toLowerCase().replace(/\.$/, '');
    if (value !== undefined) return addTxt(domain, value);
    const tokens = [...state.orgs.values()].flatMap((org) => {
      const token = org.tokens.get(domain);
      return token === undefined ? [] : [token];
    });
    if (tokens.length === 0) {
      throw new Error(`no verification token was issued for ${domain}: request one first (verify-token)`);
    }
    for (const token of tokens) addTxt(domain, `${TXT_PREFIX}${token}`);
    return [...(state.txt.get(domain) ?? [])];
  };

  for (const [id, seed] of Object.entries(options.orgs ?? {})) {
    const org = webexOrg(seed);
    state.orgs.set(id, org);
    for (const [domain, token] of org.tokens) autoPublish(domain, token);
  }

  /** The other organization that claimed `domain`, if any. */
  const claimedElsewhere = (orgId: string, domain: string): string | undefined =>
    [...state.orgs].find(([id, org]) => id !== orgId && org.claimed.has(domain))?.[0];

  const token = (request: RecordedRequest): FakeReply => {
    if (!isMediaType(request, 'application/x-www-form-urlencoded'))
      return webexError(415, 'Content-Type must be application/x-www-form-urlencoded');
    const form = new URLSearchParams(request.body);
    const clientId = form.get('client_id') ?? '';
    const client = state.clients.get(clientId);
    if (form.get('grant_type') !== 'refresh_token') return webexError(400, 'unsupported grant_type');
    if (!client || client.secret !== form.get('client_secret'))
      return webexError(401, 'invalid client credentials');
    const refresh = form.get('refresh_token') ?? '';
    if (state.refreshTokens.get(refresh) !== clientId) return webexError(400, 'invalid refresh token');
    let refreshToken = refresh;
    if (state.rotateRefreshTokens) {
      state.refreshTokens.delete(refresh);
      refreshToken = `fake-refresh-${randomUUID()}`;
      state.refreshTokens.set(refreshToken, clientId);
    }
    return {
      status: 200,
      json: {
        access_token: issueAccessToken(),
        expires_in: state.tokenLifetime,
        refresh_token: refreshToken,
        refresh_token_expires_in: 7_775_999,
      },
    };
  };

  const action = (request: RecordedRequest, orgId: string, name: string): FakeReply => {
    const bearer = credential(request, 'Bearer');
    if (bearer === undefined || !state.accessTokens.has(bearer)) {
      return webexError(
        401,
        'The request requires a valid access token set in the Authorization request header.',
      );
    }
    // 415: "made to a resource without specifying a media type or used a media type that is not supported".
    if (!isMediaType(request, 'application/json'))
      return webexError(415, 'Content-Type must be application/json');
    const org = state.orgs.get(orgId);
    if (!org) return webexError(404, `Organization ${orgId} not found`);
    const body = jsonBody(request);
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    for (const flag of [
      'removePending',
      'claimDomain',
      'reserveDomain',
      'forceDomainClaim',
      'claimDomainOnly',
    ]) {
      if (fields[flag] !== undefined && typeof fields[flag] !== 'boolean')
        return webexError(400, `${flag} must be a boolean`);
    }
    if (name === 'claimDomain') return claim(org, orgId, fields);
    const domain = typeof fields.domain === 'string' ? fields.domain.toLowerCase() : undefined;
    if (domain === undefined) return webexError(400, 'domain is required');
    if (name === 'getDomainVerificationToken') {
      // 409: "the domain is either claimed by another organization or by the same organization".
      if (org.claimed.has(domain))
        return webexError(409, `Domain ${domain} is already claimed by this organization`);
      if (claimedElsewhere(orgId, domain) !== undefined)
        return webexError(409, `Domain ${domain} is already claimed by another organization`);
      const token = org.tokens.get(domain) ?? randomUUID();
      org.tokens.set(domain, token);
      if (!org.verified.has(domain)) org.pending.add(domain);
      autoPublish(domain, token);
      return {
        status: 200,
        json: { domain, token, verificationMethod: 'DNS_TXT', url: legacyUrl(orgId, 'GetToken') },
      };
    }
    if (name === 'verifyDomain') {
      // 409: "the domain has already been claimed by another organization".
      if (claimedElsewhere(orgId, domain) !== undefined)
        return webexError(409, `Domain ${domain} is already claimed by another organization`);
      if (!org.verified.has(domain)) {
        // 400: "the user didn't request a token before trying to verify the domain".
        const token = org.tokens.get(domain);
        if (token === undefined)
          return webexError(400, `No verification token was requested for domain ${domain}`);
        if (!state.txt.get(domain)?.has(`${TXT_PREFIX}${token}`))
          return webexError(
            400,
            `Domain ${domain} cannot be verified: its TXT record ${TXT_PREFIX}… was not found`,
          );
      }
      const outside = org.outsideUsers.get(domain);
      if (fields.claimDomain === true && outside !== undefined && !org.claimed.has(domain)) {
        return webexError(
          409,
          `Domain ${domain} is used by users of another organization (${outside}): claim it with forceDomainClaim`,
        );
      }
      org.verified.add(domain);
      org.pending.delete(domain);
      if (fields.claimDomain === true) org.claimed.add(domain);
      return {
        status: 200,
        json: {
          verifiedDomains: [...org.verified],
          claimedDomains: [...org.claimed],
          url: legacyUrl(orgId, 'Verify'),
        },
      };
    }
    if (name === 'unclaimDomain') {
      if (!org.claimed.has(domain)) return webexError(400, `Domain ${domain} is not claimed`);
      org.claimed.delete(domain);
      return { status: 204 };
    }
    if (name === 'unverifyDomain') {
      if (org.claimed.has(domain))
        return webexError(400, `Domain ${domain} is claimed and cannot be unverified`);
      const pendingOnly = !org.verified.has(domain) && org.pending.has(domain);
      if (!org.verified.has(domain) && !pendingOnly)
        return webexError(404, `Domain ${domain} not found in organization`);
      org.verified.delete(domain);
      if (fields.removePending === true) {
        org.pending.delete(domain);
        org.tokens.delete(domain);
      }
      return {
        status: 200,
        json: {
          verifiedDomains: [...org.verified],
          claimedDomains: [...org.claimed],
          url: legacyUrl(orgId, 'Unverify'),
        },
      };
    }
    return webexError(404, `Unknown action ${name}`);
  };

  /** Claim Domain: every domain listed must be verified; checked before any is claimed. */
  const claim = (org: WebexOrgState, orgId: string, fields: Record<string, unknown>): FakeReply => {
    const data = fields.data;
    const domains =
      Array.isArray(data) &&
      data.length > 0 &&
      data.every((d) => typeof d === 'object' && d !== null && typeof d.domain === 'string')
        ? (data as { domain: string }[]).map((d) => d.domain.toLowerCase())
        : undefined;
    if (domains === undefined) return webexError(400, 'data must list the domains to claim: [{"domain": …}]');
    // forceDomainClaim: "The default is true".
    const force = fields.forceDomainClaim !== false;
    for (const domain of domains) {
      // 400: "This error occurs if the domain is not verified".
      if (!org.verified.has(domain)) return webexError(400, `Domain ${domain} is not verified`);
      if (claimedElsewhere(orgId, domain) !== undefined)
        return webexError(409, `Domain ${domain} is already claimed by another organization`);
      const outside = org.outsideUsers.get(domain);
      if (outside !== undefined && !force && !org.claimed.has(domain)) {
        return webexError(
          409,
          `Domain ${domain} is used by users of another organization (${outside}); set forceDomainClaim to claim it`,
        );
      }
    }
    for (const domain of domains) {
      org.claimed.add(domain);
      org.outsideUsers.delete(domain);
    }
    return {
      status: 200,
      json: {
        data: domains.map((domain) => ({
          domain,
          url: `https://identity.webex.com/organizations/${orgId}/v1/domains/${Buffer.from(domain).toString('base64')}`,
        })),
      },
    };
  };

  /** Sandbox-only: `POST /sandbox/dns/txt {"domain", "value"?}` publishes a TXT record. */
  const dns = (request: RecordedRequest): FakeReply => {
    const body = jsonBody(request) as { domain?: unknown; value?: unknown } | undefined;
    if (typeof body?.domain !== 'string' || (body.value !== undefined && typeof body.value !== 'string'))
      return webexError(400, 'expected {"domain": "<name>", "value": "<TXT value>"} (value optional)');
    try {
      const values = publish(body.domain, body.value as string | undefined);
      return { status: 200, json: { domain: body.domain.toLowerCase(), txt: values } };
    } catch (error) {
      return webexError(400, (error as Error).message);
    }
  };

  const server = await startFake({
    port: options.port ?? 0,
    errorBody: (_status, message) => {
      const trackingId = TRACKING();
      return {
        contentType: 'application/json',
        body: JSON.stringify({ message, errors: [{ description: message }], trackingId }),
      };
    },
    headers: () => ({ trackingid: TRACKING() }),
    route: (request) => {
      const path = request.path.split('?')[0] ?? '';
      if (request.method === 'POST' && path === '/v1/access_token') return token(request);
      if (request.method === 'POST' && path === '/sandbox/dns/txt') return dns(request);
      const m = ACTION_PATH.exec(path);
      if (m && request.method !== 'POST') {
        // 405: "made to a resource using an HTTP request method that is not supported".
        const refused = webexError(405, `${request.method} is not allowed`);
        return { ...refused, headers: { ...refused.headers, allow: 'POST' } };
      }
      if (m) return action(request, decodeURIComponent(m[1]!), m[2]!);
      return webexError(404, `No route for ${request.method} ${path}`);
    },
  });

  return {
    url: server.url,
    apiUrl: `${server.url}/v1`,
    tokenUrl: `${server.url}/v1/access_token`,
    requests: server.requests,
    state,
    fault: server.fault,
    clearFaults: server.clearFaults,
    rateLimit: server.rateLimit,
    issueAccessToken,
    publish,
    close: server.close,
  };
}

/** The env name of the access token the sandbox issues (only in the env given to the config loader). */
export const SANDBOX_TOKEN_ENV = 'DOMAINOPS_SANDBOX_WEBEX_TOKEN';

/**
 * Every organization of the sandbox: abc.com and corp.com claimed (so verified); example.org
 * verified only; labs.corp.com verified, but users of another organization use it (claim needs
 * --force); tokens requested for eu.corp.com (its record is published: verify succeeds) and
 * partner.org (its record is not: verify fails until it is published).
 */
export const SANDBOX_ORG: WebexOrgSeed = {
  verified: ['abc.com', 'corp.com', 'example.org', 'labs.corp.com'],
  claimed: ['abc.com', 'corp.com'],
  pending: ['eu.corp.com', 'partner.org'],
  outsideUsers: { 'labs.corp.com': 'Globex Partners' },
};

/** Another organization in the sandbox, which claimed globex.com: no token, no verify for it here. */
export const SANDBOX_OTHER_ORG = {
  id: '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
  seed: { claimed: ['globex.com'] } satisfies WebexOrgSeed,
};

/**
 * The zone whose DNS the sandbox plays: the TXT record of a token for corp.com or any name under
 * it is published as soon as Webex issues the token; records of other domains only with
 * `publish` or `POST /sandbox/dns/txt`.
 */
export const SANDBOX_DNS_ZONES = ['corp.com'];

/**
 * The built-in sandbox: one fake serving the organization of every target, seeded as
 * SANDBOX_ORG, another organization (SANDBOX_OTHER_ORG), the DNS of SANDBOX_DNS_ZONES, and a
 * static access token it accepts.
 */
export async function startWebexSandbox(
  targets: TargetConfigs,
): Promise<RunningVendorSandbox & { readonly fake: WebexFake }> {
  const orgs: Record<string, WebexOrgSeed> = {};
  for (const target of Object.values(targets)) {
    if (typeof target.orgId === 'string') orgs[target.orgId] = SANDBOX_ORG;
  }
  orgs[SANDBOX_OTHER_ORG.id] ??= SANDBOX_OTHER_ORG.seed;
  const fake = await startWebexFake({ orgs, publishZones: SANDBOX_DNS_ZONES });
  return {
    ...runningSandbox(fake, {
      targets: forEachTarget(targets, () => ({
        apiUrl: fake.apiUrl,
        auth: { accessToken: `env:${SANDBOX_TOKEN_ENV}` },
      })),
      env: { [SANDBOX_TOKEN_ENV]: fake.issueAccessToken() },
    }),
    // The fake's DNS, served by the sandbox's DNS server too: what verify finds, dns-check finds.
    publishedTxt: () =>
      [...fake.state.txt].flatMap(([name, values]) => [...values].map((value) => ({ name, value }))),
  };
}
