/**
 * A local fake of Webex Identity organization domains (Webex for Developers, "Unclaim Domain",
 * "Unverify Domain") and of the OAuth token endpoint. State follows the documented rules: unclaim needs a claimed domain (else 400) and
 * leaves it verified; unverify refuses 400 while the domain is claimed and 404 when it is not
 * in the organization. `startWebexSandbox` is the module's part of the built-in sandbox.
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

export interface WebexOrgState {
  verified: Set<string>;
  claimed: Set<string>;
  /** Domains with a requested verification token, not yet verified. */
  pending: Set<string>;
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

/** Starts the fake; `orgs` seeds organizations by id. */
export async function startWebexFake(
  options: { orgs?: Record<string, { verified?: string[]; claimed?: string[] }>; port?: number } = {},
): Promise<WebexFake> {
  const state: WebexFakeState = {
    orgs: new Map(),
    accessTokens: new Set(),
    clients: new Map(),
    refreshTokens: new Map(),
    tokenLifetime: 1_209_599,
    rotateRefreshTokens: false,
  };
  for (const [id, org] of Object.entries(options.orgs ?? {})) {
    const claimed = org.claimed ?? [];
    state.orgs.set(id, {
      verified: new Set([...(org.verified ?? []), ...claimed]),
      claimed: new Set(claimed),
      pending: new Set(),
    });
  }
  let issued = 0;
  const issueAccessToken = (): string => {
    const token = `fake-access-${++issued}-${randomUUID()}`;
    state.accessTokens.add(token);
    return token;
  };

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
    const body = jsonBody(request) as { domain?: unknown; removePending?: unknown } | undefined;
    const domain = typeof body?.domain === 'string' ? body.domain.toLowerCase() : undefined;
    if (domain === undefined) return webexError(400, 'domain is required');
    if (body?.removePending !== undefined && typeof body.removePending !== 'boolean')
      return webexError(400, 'removePending must be a boolean');
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
      if (body?.removePending === true) org.pending.delete(domain);
      return {
        status: 200,
        json: {
          verifiedDomains: [...org.verified],
          claimedDomains: [...org.claimed],
          url: `https://identity.webex.com/organization/${orgId}/v1/actions/DomainVerification/Unverify/invoke`,
        },
      };
    }
    return webexError(404, `Unknown action ${name}`);
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
    close: server.close,
  };
}

/** The env name of the access token the sandbox issues (only in the env given to the config loader). */
export const SANDBOX_TOKEN_ENV = 'DOMAINOPS_SANDBOX_WEBEX_TOKEN';

/** Every organization of the sandbox: abc.com and corp.com claimed (so verified), example.org verified only. */
export const SANDBOX_ORG = {
  verified: ['abc.com', 'corp.com', 'example.org'],
  claimed: ['abc.com', 'corp.com'],
};

/**
 * The built-in sandbox: one fake serving the organization of every target, seeded as
 * SANDBOX_ORG, and a static access token it accepts.
 */
export async function startWebexSandbox(
  targets: TargetConfigs,
): Promise<RunningVendorSandbox & { readonly fake: WebexFake }> {
  const orgs: Record<string, typeof SANDBOX_ORG> = {};
  for (const target of Object.values(targets)) {
    if (typeof target.orgId === 'string') orgs[target.orgId] = SANDBOX_ORG;
  }
  const fake = await startWebexFake({ orgs });
  return runningSandbox(fake, {
    targets: forEachTarget(targets, () => ({
      apiUrl: fake.apiUrl,
      auth: { accessToken: `env:${SANDBOX_TOKEN_ENV}` },
    })),
    env: { [SANDBOX_TOKEN_ENV]: fake.issueAccessToken() },
  });
}
