/**
 * A local fake of the F5 Distributed Cloud domain-owner API (F5 Distributed Cloud API,
 * "Assign domain owner" and "Unassign domain owner"). Errors are a plain string, JSON-encoded,
 * as the vendor declares them, with declared statuses only (401, 403, 404, 409, 429, 500, 503,
 * 504). The caller must itself be a domain owner. It keeps what the documents say each call
 * changes: the owner flag, the user's roles, whether the user signs in with SSO, and the
 * set-password emails sent. `startF5Sandbox` is the module's part of the built-in sandbox.
 */
import { randomBytes, randomUUID } from 'node:crypto';
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

const EMAIL = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;
const BASE = '/api/web/namespaces/system/tenant/domain_owner';

export interface F5FakeState {
  /** Users of the tenant. */
  users: Set<string>;
  /** Domain owners (a subset of users). */
  owners: Set<string>;
  /** Whether the tenant has SSO enabled ("Unassign domain owner": SSO tenants mark the user SSO). */
  sso: boolean;
  /** Users who sign in with SSO; the others are managed by F5 Distributed Cloud (a password). */
  ssoUsers: Set<string>;
  /** The roles explicitly assigned to each user, as `namespace: role`. */
  roles: Map<string, string[]>;
  /** The emails the tenant sent: "Assign domain owner" sends an SSO user a set-password email. */
  outbox: { to: string; kind: 'set-password' }[];
  /** Valid API tokens → the email of the user they belong to. */
  apiTokens: Map<string, string>;
  /**
   * The caller for requests without Authorization, standing in for a P12 client certificate
   * (the fake speaks plain HTTP, so it cannot see a real certificate). Undefined: refuse them.
   */
  certificateUser: string | undefined;
}

export interface F5Fake {
  url: string;
  requests: RecordedRequest[];
  state: F5FakeState;
  fault(fault: Fault, match?: FaultMatch): void;
  clearFaults(): void;
  /** Answers 429 to a share of requests (undefined: stop). */
  rateLimit(limit: RateLimit | undefined): void;
  close(): Promise<void>;
}

function f5Error(status: number, message: string): FakeReply {
  return { status, json: message };
}

/** What "Assign domain owner" gives: admin roles in the system, shared and * namespaces. */
export const OWNER_ROLES: readonly string[] = ['system: admin', 'shared: admin', '*: admin'];

export interface F5FakeOptions {
  users?: string[];
  owners?: string[];
  apiTokens?: Record<string, string>;
  /** The tenant has SSO enabled (default false). */
  sso?: boolean;
  /** Users who sign in with SSO (only meaningful with `sso`). */
  ssoUsers?: string[];
  /** Roles by user, as `namespace: role`. */
  roles?: Record<string, string[]>;
  port?: number;
}

/** Starts the fake with the given users and owners. */
export async function startF5Fake(options: F5FakeOptions = {}): Promise<F5Fake> {
  const state: F5FakeState = {
    users: new Set([...(options.users ?? []), ...(options.owners ?? [])]),
    owners: new Set(options.owners ?? []),
    sso: options.sso ?? false,
    ssoUsers: new Set(options.ssoUsers ?? []),
    roles: new Map(Object.entries(options.roles ?? {}).map(([user, roles]) => [user, [...roles]])),
    outbox: [],
    apiTokens: new Map(Object.entries(options.apiTokens ?? {})),
    certificateUser: undefined,
  };

  /**
   * "Unassign domain owner": remove the domain owner flag; if the tenant has SSO enabled, mark
   * the user as SSO and delete their password and OTP credentials. Roles are retained.
   */
  const unassign = (email: string): FakeReply => {
    if (!state.owners.has(email)) return f5Error(409, `user ${email} is not a domain owner`);
    state.owners.delete(email);
    if (state.sso) state.ssoUsers.add(email);
    return { status: 200, json: {} };
  };

  /**
   * "Assign domain owner": mark the user as domain owner; an SSO user becomes managed by F5
   * Distributed Cloud and is sent an update-password email; admin roles in system, shared and
   * *; the roles explicitly assigned before are deleted. The document declares 409 for an
   * operation "conflicting with current value": a user who already is a domain owner.
   */
  const assign = (email: string): FakeReply => {
    if (state.owners.has(email)) return f5Error(409, `user ${email} is already a domain owner`);
    state.owners.add(email);
    if (state.ssoUsers.delete(email)) state.outbox.push({ to: email, kind: 'set-password' });
    state.roles.set(email, [...OWNER_ROLES]);
    return { status: 200, json: {} };
  };

  const handle = (request: RecordedRequest, op: 'assign' | 'unassign'): FakeReply => {
    const header = request.headers.authorization;
    const caller =
      header === undefined
        ? state.certificateUser
        : state.apiTokens.get(credential(request, 'APIToken') ?? '');
    if (caller === undefined) return f5Error(401, 'authentication failed: invalid or expired API token');
    if (!state.owners.has(caller)) return f5Error(403, `user ${caller} is not a domain owner`);
    const body = jsonBody(request) as { email?: unknown } | undefined;
    const email = typeof body?.email === 'string' ? body.email : '';
    // Seed 002 declares 401, 403, 404, 409, 429, 500, 503 and 504 only: no 400. An address
    // outside the documented pattern cannot belong to a user, so it is not found.
    if (email.length > 1024 || !EMAIL.test(email) || !state.users.has(email))
      return f5Error(404, `user ${email} not found`);
    return op === 'unassign' ? unassign(email) : assign(email);
  };

  const server = await startFake({
    port: options.port ?? 0,
    errorBody: (_status, message) => ({ contentType: 'application/json', body: JSON.stringify(message) }),
    headers: () => ({ 'x-request-id': randomUUID() }),
    route: (request) => {
      const path = request.path.split('?')[0] ?? '';
      if (request.method === 'POST' && path === `${BASE}/unassign`) return handle(request, 'unassign');
      if (request.method === 'POST' && path === `${BASE}/assign`) return handle(request, 'assign');
      return f5Error(404, `no route for ${request.method} ${path}`);
    },
  });

  return {
    url: server.url,
    requests: server.requests,
    state,
    fault: server.fault,
    clearFaults: server.clearFaults,
    rateLimit: server.rateLimit,
    close: server.close,
  };
}

/** The env name of the API token the sandbox issues (only in the env given to the config loader). */
export const SANDBOX_TOKEN_ENV = 'DOMAINOPS_SANDBOX_F5XC_TOKEN';

/** The user the sandbox API token belongs to: a domain owner, so it may unassign others. */
export const SANDBOX_TOKEN_USER = 'domainops-bot@corp.com';

/** The users of the sandbox tenant, and which of them are domain owners. */
export const SANDBOX_USERS = [
  'alice@corp.com',
  'bob@corp.com',
  'carol@corp.com',
  'dave@corp.com',
  'hello@example.com',
];
export const SANDBOX_OWNERS = [SANDBOX_TOKEN_USER, 'dave@corp.com', 'hello@example.com'];
/** The sandbox tenant signs in with SSO; these users do (the others have F5 passwords). */
export const SANDBOX_SSO_USERS = ['alice@corp.com', 'bob@corp.com', 'carol@corp.com'];
/** The roles of the users who are not domain owners (the owners have OWNER_ROLES). */
export const SANDBOX_ROLES: Readonly<Record<string, string[]>> = {
  'alice@corp.com': ['system: user', 'shared: monitor'],
  'bob@corp.com': ['system: user', 'shared: monitor'],
  'carol@corp.com': ['system: monitor'],
};

/** The built-in sandbox: one tenant for every target, and an API token of SANDBOX_TOKEN_USER. */
export async function startF5Sandbox(
  targets: TargetConfigs,
): Promise<RunningVendorSandbox & { readonly fake: F5Fake }> {
  const token = randomBytes(24).toString('base64url');
  const fake = await startF5Fake({
    users: SANDBOX_USERS,
    owners: SANDBOX_OWNERS,
    sso: true,
    ssoUsers: SANDBOX_SSO_USERS,
    roles: {
      ...Object.fromEntries(SANDBOX_OWNERS.map((owner) => [owner, [...OWNER_ROLES]])),
      ...SANDBOX_ROLES,
    },
    apiTokens: { [token]: SANDBOX_TOKEN_USER },
  });
  return runningSandbox(fake, {
    targets: forEachTarget(targets, () => ({
      tenantUrl: fake.url,
      auth: { apiToken: `env:${SANDBOX_TOKEN_ENV}` },
    })),
    env: { [SANDBOX_TOKEN_ENV]: token },
  });
}
