import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type F5Fake, startF5Fake } from '../../adapters/f5xc/sandbox.ts';
import type { HttpClient } from '../../adapters/http.ts';
import type { VendorClient } from '../../adapters/types.ts';
import { createVendorClient, everythingShown, fastHttp, rejection, targetFrom, tempFile } from './helpers.ts';

const TOKEN = 'f5-api-token-secret-77';
const PATH = '/api/web/namespaces/system/tenant/domain_owner/unassign';

let fake: F5Fake;
const { http, sleeps } = fastHttp();

beforeAll(async () => {
  fake = await startF5Fake();
});
afterAll(async () => {
  await http.close();
  await fake.close();
});
beforeEach(() => {
  fake.state.users = new Set(['admin@acme.com', 'bob@acme.com', 'carol@acme.com']);
  fake.state.owners = new Set(['admin@acme.com', 'bob@acme.com']);
  fake.state.apiTokens = new Map([[TOKEN, 'admin@acme.com']]);
  fake.state.certificateUser = undefined;
});
afterEach(() => {
  fake.requests.length = 0;
  fake.clearFaults();
  sleeps.length = 0;
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

describe('f5xc unassign-owner', () => {
  it('posts {email} with an APIToken header and returns the empty object', async () => {
    const result = await client().execute({ action: 'unassign-owner', email: 'bob@acme.com' });
    expect(result).toEqual({ action: 'unassign-owner', email: 'bob@acme.com', raw: {} });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: PATH, body: '{"email":"bob@acme.com"}' });
    expect(fake.requests[0]!.headers).toMatchObject({
      authorization: `APIToken ${TOKEN}`,
      'content-type': 'application/json',
    });
    expect(fake.state.owners.has('bob@acme.com')).toBe(false);
  });

  it('a tenantUrl with a trailing slash still posts to /api/web/…, not //api/web/…', async () => {
    const target = targetFrom(
      'f5-acme',
      `vendor: f5xc\ntenantUrl: ${fake.url}\nauth: { apiToken: env:F5_TOKEN }`,
      {
        F5_TOKEN: TOKEN,
      },
    );
    const c = createVendorClient({ ...target, tenantUrl: `${fake.url}/` } as typeof target, { http });
    await c.execute({ action: 'unassign-owner', email: 'bob@acme.com' });
    expect(fake.requests.map((r) => r.path)).toEqual([PATH]);
  });

  it('refuses emails outside the F5 pattern before sending anything', async () => {
    for (const email of ['not-an-email', 'a@b', `${'x'.repeat(1020)}@acme.com`]) {
      const error = await rejection(client().execute({ action: 'unassign-owner', email }));
      expect(error).toMatchObject({ code: 'vendor_bad_request' });
    }
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    ['an invalid token', 'vendor_unauthorized', 401, 'API token'],
    ['a caller who is not a domain owner', 'vendor_forbidden', 403, 'must itself be a domain owner'],
    ['an unknown user', 'vendor_not_found', 404, 'no user'],
    ['a user who is not a domain owner', 'vendor_conflict', 409, 'probably not a domain owner'],
  ])('maps %s to %s with a hint and the plain-text message', async (what, code, status, hint) => {
    let email = 'bob@acme.com';
    let token = TOKEN;
    if (status === 401) token = 'wrong-token-123';
    if (status === 403) fake.state.apiTokens.set(TOKEN, 'carol@acme.com');
    if (status === 404) email = 'nobody@acme.com';
    if (status === 409) email = 'carol@acme.com';
    const error = await rejection(client(token).execute({ action: 'unassign-owner', email }));
    expect(error, what).toMatchObject({ code, status, outcome: 'failed', vendor: 'f5xc' });
    expect(error.hint).toContain(hint);
    expect(typeof error.vendorMessage).toBe('string');
    expect(error.vendorMessage).not.toMatch(/^"/);
    expect(everythingShown(error)).not.toContain(token);
    expect(error.requestId).toBeTypeOf('string');
  });

  it('reads a bare text error body too', async () => {
    fake.fault({ kind: 'status', status: 500, body: 'internal failure', contentType: 'text/plain' });
    const error = await rejection(client().execute({ action: 'unassign-owner', email: 'bob@acme.com' }));
    expect(error).toMatchObject({ code: 'vendor_server_error', vendorMessage: 'internal failure' });
  });

  it('retries 503 with backoff, then succeeds', async () => {
    fake.fault({ kind: 'status', status: 503 }, { times: 2 });
    await client().execute({ action: 'unassign-owner', email: 'bob@acme.com' });
    expect(fake.requests).toHaveLength(3);
    expect(sleeps).toEqual([375, 750]);
  });

  it('an answer naming another email: bad response, outcome unknown (F5 may have acted)', async () => {
    fake.fault({ kind: 'rewrite', edit: (reply) => ({ ...reply, json: { email: 'carol@acme.com' } }) });
    const error = await rejection(client().execute({ action: 'unassign-owner', email: 'bob@acme.com' }));
    expect(error).toMatchObject({
      code: 'vendor_bad_response',
      outcome: 'unknown',
      status: 200,
      message: 'F5 XC answered about carol@acme.com, not bob@acme.com',
    });
    expect(error.hint).toContain('bob@acme.com');
    expect(fake.requests).toHaveLength(1);
  });

  it('an answer naming the same email in another letter case is a success', async () => {
    fake.fault({ kind: 'rewrite', edit: (reply) => ({ ...reply, json: { email: 'Bob@Acme.com' } }) });
    const result = await client().execute({ action: 'unassign-owner', email: 'bob@acme.com' });
    expect(result).toEqual({
      action: 'unassign-owner',
      email: 'bob@acme.com',
      raw: { email: 'Bob@Acme.com' },
    });
  });

  it('a reset after the request was sent is outcome unknown and not repeated', async () => {
    fake.fault({ kind: 'reset' });
    const error = await rejection(client().execute({ action: 'unassign-owner', email: 'bob@acme.com' }));
    expect(error).toMatchObject({ code: 'vendor_outcome_unknown', outcome: 'unknown' });
    expect(fake.requests).toHaveLength(1);
  });

  it('with a P12 certificate: no Authorization header, the certificate goes to the TLS agent', async () => {
    const p12 = tempFile('client.p12', new Uint8Array([0x30, 0x82, 0x01, 0x02, 0xff]));
    fake.state.certificateUser = 'admin@acme.com';
    let seen: { pfx: Uint8Array; passphrase: string } | undefined;
    const spy: HttpClient = {
      settings: http.settings,
      send: (r, o) => http.send(r, o),
      withClientCertificate: (cert) => {
        seen = cert;
        return http.withClientCertificate(cert);
      },
      close: () => http.close(),
    };
    const target = targetFrom(
      'f5-acme',
      `vendor: f5xc\ntenantUrl: ${fake.url}\nauth: { p12: "file:${p12}", passphrase: env:P12_PASS }`,
      { P12_PASS: 'pass-phrase-1' },
    );
    const c = createVendorClient(target, { http: spy });
    expect(c.describe({ action: 'unassign-owner', email: 'bob@acme.com' }).headers).not.toHaveProperty(
      'Authorization',
    );
    await c.execute({ action: 'unassign-owner', email: 'bob@acme.com' });
    expect(fake.requests[0]!.headers.authorization).toBeUndefined();
    expect([...seen!.pfx]).toEqual([0x30, 0x82, 0x01, 0x02, 0xff]);
    expect(seen!.passphrase).toBe('pass-phrase-1');
  });

  it('an unreadable P12 file is vendor_auth_failed naming the field', async () => {
    const target = targetFrom(
      'f5-acme',
      `vendor: f5xc\ntenantUrl: ${fake.url}\nauth: { p12: "file:/nonexistent/x.p12", passphrase: env:P12_PASS }`,
      { P12_PASS: 'pass-phrase-1' },
    );
    const error = await rejection(
      createVendorClient(target, { http }).execute({ action: 'unassign-owner', email: 'bob@acme.com' }),
    );
    expect(error).toMatchObject({ code: 'vendor_auth_failed' });
    expect(error.hint).toContain('targets.f5-acme.auth.p12');
  });
});
