/**
 * F5 XC `assign-owner` against the local fake: the exact request (and the dry run showing the
 * same), what the fake keeps (F5 Distributed Cloud API, "Assign domain owner"), assign then
 * unassign, assigning twice, and the documented errors with their hints.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type F5Fake, OWNER_ROLES, startF5Fake } from '../../adapters/f5xc/sandbox.ts';
import { REDACTED } from '../../adapters/redact.ts';
import type { VendorClient } from '../../adapters/types.ts';
import { createVendorClient, everythingShown, fastHttp, rejection, targetFrom } from './helpers.ts';

const TOKEN = 'f5-api-token-secret-assign-91';
const BASE = '/api/web/namespaces/system/tenant/domain_owner';

let fake: F5Fake;
const { http } = fastHttp();

beforeAll(async () => {
  fake = await startF5Fake();
});
afterAll(async () => {
  await http.close();
  await fake.close();
});
beforeEach(() => {
  fake.state.users = new Set(['admin@acme.com', 'bob@acme.com', 'carol@acme.com', 'erin@acme.com']);
  fake.state.owners = new Set(['admin@acme.com', 'bob@acme.com']);
  fake.state.sso = true;
  fake.state.ssoUsers = new Set(['carol@acme.com']);
  fake.state.roles = new Map([
    ['carol@acme.com', ['system: monitor']],
    ['erin@acme.com', ['shared: user']],
  ]);
  fake.state.outbox = [];
  fake.state.apiTokens = new Map([[TOKEN, 'admin@acme.com']]);
  fake.state.certificateUser = undefined;
});
afterEach(() => {
  fake.requests.length = 0;
  fake.clearFaults();
});

function client(token = TOKEN): VendorClient {
  const target = targetFrom(
    'f5-acme',
    `vendor: f5xc\ntenantUrl: ${fake.url}\nauth: { apiToken: env:F5_TOKEN }`,
    {
      F5_TOKEN: token,
    },
  );
  return createVendorClient(target, { http });
}

const assign = (email: string, c = client()) => c.execute({ action: 'assign-owner', email });

describe('f5xc assign-owner', () => {
  it('posts {email} to …/domain_owner/assign with an APIToken header; the dry run shows the same request', async () => {
    const c = client();
    const shown = c.describe({ action: 'assign-owner', email: 'carol@acme.com' });
    expect(shown).toEqual({
      method: 'POST',
      url: `${fake.url}${BASE}/assign`,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Authorization: `APIToken ${REDACTED}`,
      },
      body: '{"email":"carol@acme.com"}',
    });
    const result = await assign('carol@acme.com', c);
    expect(result).toEqual({ action: 'assign-owner', email: 'carol@acme.com', raw: {} });
    expect(fake.requests).toHaveLength(1);
    const wire = fake.requests[0]!;
    expect(wire).toMatchObject({
      method: 'POST',
      path: `${BASE}/assign`,
      body: '{"email":"carol@acme.com"}',
    });
    expect(wire.headers).toMatchObject({
      authorization: `APIToken ${TOKEN}`,
      'content-type': 'application/json',
      accept: 'application/json',
    });
    expect(JSON.stringify(shown)).not.toContain(TOKEN);
  });

  it('the fake does what the document says: owner flag, admin roles replace the old ones, an SSO user gets a set-password email', async () => {
    await assign('carol@acme.com');
    expect(fake.state.owners.has('carol@acme.com')).toBe(true);
    expect(fake.state.roles.get('carol@acme.com')).toEqual([...OWNER_ROLES]);
    expect(OWNER_ROLES).toEqual(['system: admin', 'shared: admin', '*: admin']);
    expect(fake.state.ssoUsers.has('carol@acme.com')).toBe(false);
    expect(fake.state.outbox).toEqual([{ to: 'carol@acme.com', kind: 'set-password' }]);
    // A user who already has a password gets no email.
    await assign('erin@acme.com');
    expect(fake.state.roles.get('erin@acme.com')).toEqual([...OWNER_ROLES]);
    expect(fake.state.outbox).toHaveLength(1);
  });

  it('assign then unassign of the same user works; unassign keeps the roles and (SSO tenant) makes the user SSO again', async () => {
    await assign('carol@acme.com');
    const result = await client().execute({ action: 'unassign-owner', email: 'carol@acme.com' });
    expect(result).toEqual({ action: 'unassign-owner', email: 'carol@acme.com', raw: {} });
    expect(fake.state.owners.has('carol@acme.com')).toBe(false);
    expect(fake.state.roles.get('carol@acme.com')).toEqual([...OWNER_ROLES]);
    expect(fake.state.ssoUsers.has('carol@acme.com')).toBe(true);
    expect(fake.requests.map((r) => r.path)).toEqual([`${BASE}/assign`, `${BASE}/unassign`]);
    // And back again.
    await assign('carol@acme.com');
    expect(fake.state.owners.has('carol@acme.com')).toBe(true);
  });

  it('assigning an owner twice: the second is 409 (conflicting with the current value), nothing changes', async () => {
    await assign('carol@acme.com');
    fake.state.roles.set('carol@acme.com', ['system: admin', 'shared: admin', '*: admin', 'ns1: viewer']);
    const error = await rejection(assign('carol@acme.com'));
    expect(error).toMatchObject({ vendor: 'f5xc', code: 'vendor_conflict', status: 409, outcome: 'failed' });
    expect(error.message).toBe(
      'F5 XC refused assign-owner carol@acme.com (409): user carol@acme.com is already a domain owner',
    );
    expect(error.hint).toContain('carol@acme.com is probably a domain owner already');
    expect(fake.state.roles.get('carol@acme.com')).toContain('ns1: viewer');
    expect(fake.state.outbox).toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
  });

  it.each([
    ['an invalid token', 'vendor_unauthorized', 401, 'API token'],
    ['a caller who is not a domain owner', 'vendor_forbidden', 403, 'must itself be a domain owner'],
    ['a user who is not in the tenant', 'vendor_not_found', 404, 'must be added to the tenant'],
    ['a user who is a domain owner already', 'vendor_conflict', 409, 'domain owner already'],
  ])('maps %s to %s with a hint and the plain-text message', async (what, code, status, hint) => {
    let email = 'carol@acme.com';
    let token = TOKEN;
    if (status === 401) token = 'wrong-token-456';
    if (status === 403) fake.state.apiTokens.set(TOKEN, 'carol@acme.com');
    if (status === 404) email = 'nobody@acme.com';
    if (status === 409) email = 'bob@acme.com';
    const error = await rejection(assign(email, client(token)));
    expect(error, what).toMatchObject({ code, status, outcome: 'failed', vendor: 'f5xc' });
    expect(error.message).toMatch(new RegExp(`^F5 XC refused assign-owner ${email} \\(${status}\\): `));
    expect(error.hint).toContain(hint);
    expect(typeof error.vendorMessage).toBe('string');
    expect(error.vendorMessage).not.toMatch(/^"/);
    expect(error.requestId).toBeTypeOf('string');
    expect(everythingShown(error)).not.toContain(token);
    expect(fake.state.owners.has('carol@acme.com')).toBe(false);
  });

  it('504 is outcome unknown, names the check to make, and is not sent again', async () => {
    fake.fault({ kind: 'status', status: 504 }, { times: 5 });
    const error = await rejection(assign('carol@acme.com'));
    expect(error).toMatchObject({ code: 'vendor_timeout', outcome: 'unknown' });
    expect(error.hint).toContain('whether carol@acme.com became a domain owner');
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses emails outside the F5 pattern before sending anything', async () => {
    for (const email of ['not-an-email', 'a@b', `${'x'.repeat(1020)}@acme.com`]) {
      const error = await rejection(assign(email));
      expect(error).toMatchObject({ code: 'vendor_bad_request' });
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('an answer naming another email: bad response, outcome unknown, the hint says F5 may have made the user an owner', async () => {
    fake.fault({ kind: 'rewrite', edit: (reply) => ({ ...reply, json: { email: 'bob@acme.com' } }) });
    const error = await rejection(assign('carol@acme.com'));
    expect(error).toMatchObject({ code: 'vendor_bad_response', outcome: 'unknown', status: 200 });
    expect(error.hint).toContain('may have made carol@acme.com a domain owner');
  });
});
