import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenCache } from '../../adapters/auth/token-cache.ts';
import { VendorError } from '../../adapters/vendor-error.ts';
import { Secret } from '../../src/core/config/secret.ts';
import { SCRUBBED, SecretScrubber, scrub } from '../../src/core/scrub.ts';
import { type EchoServer, startEchoServer } from './echo-server.ts';
import { fastHttp } from './helpers.ts';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
/** A PEM block without the newline after its END line. */
const PEM = privateKey.trimEnd();

describe('SecretScrubber: registered values', () => {
  it('replaces a registered value, but never one shorter than 4 characters', () => {
    const s = new SecretScrubber();
    s.register('abc');
    s.register('   ');
    s.register('tok-12345');
    expect(s.scrub('abc tok-12345 abc')).toBe('abc [REDACTED] abc');
  });

  it('replaces its JSON-escaped, URL-encoded and form-encoded forms too', () => {
    const s = new SecretScrubber();
    const secret = 'p a"ss/w+d=\\x';
    s.register(secret);
    const texts = [
      JSON.stringify({ message: `bad ${secret}` }),
      `client_secret=${encodeURIComponent(secret)}&x=1`,
      new URLSearchParams({ x: secret }).toString(),
      `plain ${secret} text`,
    ];
    for (const text of texts) expect(s.scrub(text)).not.toContain('ss/w');
    // The replacement keeps JSON readable.
    expect(JSON.parse(s.scrub(texts[0]!))).toEqual({ message: 'bad [REDACTED]' });
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    const s = new SecretScrubber();
    s.register('secret-1');
    s.register('secret-1-and-more');
    expect(s.scrub('x secret-1-and-more y secret-1')).toBe('x [REDACTED] y [REDACTED]');
  });

  it('replaces each base64 line of a registered private key', () => {
    const s = new SecretScrubber();
    s.register(JSON.stringify({ id: 'key-id-1', private_key: PEM }));
    const line = PEM.split('\n')[5]!;
    expect(s.scrub(`echoed ${line} back`)).toBe('echoed [REDACTED] back');
    expect(s.scrub('key-id-1')).toBe('key-id-1');
  });

  it('forgets the least recently used run-time tokens beyond its limit, not the ones in use', () => {
    const s = new SecretScrubber();
    s.register('configured-secret');
    s.register('token-in-use-0001', { transient: true });
    for (let i = 0; i < 600; i++) {
      s.register(`renewed-token-${String(i).padStart(4, '0')}`, { transient: true });
      if (i % 100 === 0) s.register('token-in-use-0001', { transient: true });
    }
    expect(s.scrub('renewed-token-0000')).toBe('renewed-token-0000');
    expect(s.scrub('renewed-token-0599 token-in-use-0001 configured-secret')).toBe(
      '[REDACTED] [REDACTED] [REDACTED]',
    );
  });

  it('scrubDeep scrubs strings and member names of JSON-like values', () => {
    const s = new SecretScrubber();
    s.register('deep-secret');
    expect(s.scrubDeep({ a: ['x deep-secret'], 'deep-secret': { n: 1, b: true, z: null } })).toEqual({
      a: ['x [REDACTED]'],
      '[REDACTED]': { n: 1, b: true, z: null },
    });
  });
});

describe('SecretScrubber: credential shapes, registered or not', () => {
  const s = new SecretScrubber();

  it.each([
    ['Authorization: Bearer eyZ0aW5n.abc-123_x', 'Authorization: Bearer [REDACTED]'],
    ['APIToken Zm9vYmFyYmF6cXV4 is invalid', 'APIToken [REDACTED] is invalid'],
    ['oauth y0_AgAAAAAAxxxxAATuwQ', 'oauth [REDACTED]'],
    ['Basic dXNlcjpwYXNzd29yZA==', 'Basic [REDACTED]'],
    ['bot xoxb-1234-5678-abcdefABCDEF and app xapp-1-A0B1-C2D3', 'bot [REDACTED] and app [REDACTED]'],
    ['iam t1.9euelZqXk5aQjpaVnJWSz5OQ.abcdefghijklmnopqrstu', 'iam [REDACTED]'],
    ['jwt eyJhbGciOiJQUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln', 'jwt [REDACTED]'],
    [
      '{"refresh_token": "r\\"1", "token_type": "Bearer"}',
      '{"refresh_token": "[REDACTED]", "token_type": "Bearer"}',
    ],
    [
      'grant_type=refresh_token&client_secret=abc%2Fdef&x=1',
      'grant_type=refresh_token&client_secret=[REDACTED]&x=1',
    ],
  ])('%s', (text, expected) => {
    expect(s.scrub(text)).toBe(expected);
  });

  it.each([
    'Bearer authentication failed',
    'the "Bot User OAuth Token" (xoxb-…)',
    'Invalid OAuth access_token',
    'Bearer [REDACTED]',
    'unclaim abc.com in webex-prod',
  ])('leaves words alone: %s', (text) => {
    expect(s.scrub(text)).toBe(text);
  });

  it('replaces PEM blocks: whole, cut short, and JSON-escaped inside a JSON text that stays JSON', () => {
    expect(s.scrub(`key:\n${PEM}\nend`)).toBe(`key:\n${SCRUBBED}\nend`);
    expect(s.scrub(`cut: ${PEM.slice(0, 200)}`)).toBe(`cut: ${SCRUBBED}`);
    const json = JSON.stringify({ message: `key ${PEM} and ${PEM.slice(0, 120)}`, n: 1 });
    expect(JSON.parse(s.scrub(json))).toEqual({ message: `key ${SCRUBBED} and ${SCRUBBED}`, n: 1 });
  });
});

describe('where secrets are registered and scrubbed', () => {
  it('Secret.reveal() registers the value with the process-wide scrubber', () => {
    const secret = new Secret('env:SCRUB_TEST', 'targets.t.auth.token', '/tmp', {
      SCRUB_TEST: 'revealed-secret-7a1',
    });
    expect(scrub('x revealed-secret-7a1')).toBe('x revealed-secret-7a1');
    secret.reveal();
    expect(scrub('x revealed-secret-7a1')).toBe('x [REDACTED]');
  });

  it('a token cache registers every token it fetches before handing it out', async () => {
    const cache = new TokenCache(
      async () => ({ value: 'fetched-token-3b2', renewAt: 10 }),
      () => 0,
    );
    expect(scrub('fetched-token-3b2')).toBe('fetched-token-3b2');
    expect(await cache.get()).toBe('fetched-token-3b2');
    expect(scrub('fetched-token-3b2')).toBe(SCRUBBED);
  });

  it('VendorError scrubs message, hint, vendor message, request id and request', () => {
    new Secret('env:S', 'p', '/tmp', { S: 'vendor-error-secret' }).reveal();
    const error = new VendorError({
      vendor: 'webex',
      code: 'vendor_bad_request',
      message: 'refused: vendor-error-secret',
      hint: 'Bearer abcdef123456',
      vendorMessage: 'vendor-error-secret',
      requestId: 'ROUTER_vendor-error-secret',
      request: { method: 'POST', url: 'https://h/?t=vendor-error-secret', headers: {} },
    });
    const text = [String(error), error.stack, JSON.stringify(error), JSON.stringify(error.request)].join();
    expect(text).not.toContain('vendor-error-secret');
    expect(text).not.toContain('abcdef123456');
    expect(error.toJSON()).toMatchObject({
      message: 'refused: [REDACTED]',
      hint: 'Bearer [REDACTED]',
      vendorMessage: '[REDACTED]',
      requestId: 'ROUTER_[REDACTED]',
    });
  });
});

describe('the HTTP layer', () => {
  let server: EchoServer;
  const { http } = fastHttp();
  beforeAll(async () => {
    server = await startEchoServer();
    new Secret('env:S', 'p', '/tmp', { S: 'http-layer-secret' }).reveal();
    server.route = () => ({
      status: 400,
      headers: { trackingid: 'ROUTER_http-layer-secret', 'x-other': 'Bearer abcdef123456' },
      json: { message: 'echo http-layer-secret', pem: PEM },
    });
  });
  afterAll(async () => {
    await http.close();
    await server.close();
  });
  const request = () => ({ method: 'GET' as const, url: `${server.url}/x`, headers: {}, idempotent: true });

  it('scrubs the body and every header value of what it hands to clients', async () => {
    const response = await http.send(request(), { vendor: 'webex' });
    expect(response.headers.trackingid).toBe('ROUTER_[REDACTED]');
    expect(response.headers['x-other']).toBe('Bearer [REDACTED]');
    expect(JSON.parse(response.body)).toEqual({ message: 'echo [REDACTED]', pem: SCRUBBED });
  });

  it('hands a token exchange (rawBody) its body as received, headers still scrubbed', async () => {
    const response = await http.send(request(), { vendor: 'webex', rawBody: true, sensitiveBody: true });
    expect(JSON.parse(response.body)).toEqual({ message: 'echo http-layer-secret', pem: PEM });
    expect(response.headers.trackingid).toBe('ROUTER_[REDACTED]');
  });
});
