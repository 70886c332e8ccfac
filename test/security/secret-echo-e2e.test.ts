/**
 * End to end through the CLI exec pipeline (parse, policy, store, vendor adapter, cards): vendors
 * that echo the credentials back. Webex (refresh-token flow) answers the unverify with a 400
 * whose message, trackingId and TrackingID header carry the access token it was sent, the
 * client secret and both refresh tokens; Yandex answers `domain` with a 404 carrying the IAM
 * token. None of them may show in the --json documents, their cards, the text output, the logs,
 * or anywhere in the SQLite store (every row of every table, and the bytes of its files).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../adapters/http.ts';
import { createApp } from '../../src/app.ts';
import { createLogger } from '../../src/server/logger.ts';
import {
  type EchoRequest,
  type EchoServer,
  sentCredential,
  startEchoServer,
} from '../adapters/echo-server.ts';
import { cli, writeConfig } from '../cli/helpers.ts';

const CLIENT_SECRET = 'e2e-client-secret/8Zq+x=';
const REFRESH_TOKEN = 'e2e-refresh-MTIzNDU2Nzg5MA';
const ACCESS_TOKEN = 'e2e-access-ZmVkY2JhOTg3NjU0';
const ROTATED_REFRESH = 'e2e-rotated-OTg3NjU0MzIxMA';
const YC_IAM_TOKEN = 't1.e2eStaticIamToken9euelZq.e2eSignaturePart-abcd';
const SECRETS = [CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN, ROTATED_REFRESH, YC_IAM_TOKEN];
const ENV = { WEBEX_CLIENT_SECRET: CLIENT_SECRET, WEBEX_REFRESH: REFRESH_TOKEN, YC_IAM_TOKEN };

/** The members of the JSON document this test reads. */
interface Doc {
  status: string;
  error: { code: string; message: string; requestId?: string };
  cards: { webex: { type: string }; slack: unknown };
}

let vendor: EchoServer;
let config: string;
const outputs: string[] = [];
const logLines: string[] = [];
const logger = createLogger({
  level: 'debug',
  stream: new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  }),
});

function route(r: EchoRequest) {
  if (r.path === '/v1/access_token') {
    return {
      status: 200,
      json: { access_token: ACCESS_TOKEN, expires_in: 1_209_600, refresh_token: ROTATED_REFRESH },
    };
  }
  const token = sentCredential(r, 'Bearer');
  if (r.path.startsWith('/v1/identity/')) {
    const form = `client_secret=${encodeURIComponent(CLIENT_SECRET)}&refresh_token=${REFRESH_TOKEN}`;
    return {
      status: 400,
      headers: { trackingid: `ROUTER_${token}` },
      json: {
        message: `Token ${token} (refresh ${ROTATED_REFRESH}, ${form}) may not unverify corp.com`,
        errors: [{ description: `Authorization: Bearer ${token}` }],
        trackingId: `ROUTER_${token}`,
      },
    };
  }
  return {
    status: 404,
    headers: { 'x-request-id': token },
    json: { code: 5, message: `Domain corp.ru not found for token ${token}`, details: [] },
  };
}

beforeAll(async () => {
  vendor = await startEchoServer();
  vendor.route = route;
  config = writeConfig(`
store: ./data/domainops.db
http: { connectTimeout: 1s, timeout: 3s, retries: 0, maxRetryAfter: 1s }
targets:
  webex-prod:
    vendor: webex
    orgId: org-e2e
    apiUrl: ${vendor.url}/v1
    auth:
      clientId: C0ffee
      clientSecret: env:WEBEX_CLIENT_SECRET
      refreshToken: env:WEBEX_REFRESH
      tokenUrl: ${vendor.url}/v1/access_token
  yc-sso:
    vendor: yandex
    federationId: fed1
    apiUrl: ${vendor.url}/organization-manager/v1
    operationUrl: ${vendor.url}
    auth: { iamToken: env:YC_IAM_TOKEN }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com]
    helpdesk: [carol@corp.com]
  rules:
    - actions: [domain, pending, audit]
      requesters: [helpdesk, admins]
      approval: none
    - actions: [unverify]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
`);
});

afterAll(async () => {
  await vendor.close();
});

/** The CLI with its app built as `domainops start` builds it: failed vendor attempts are logged. */
async function run(argv: string[]) {
  const result = await cli([...argv, '--config', config], ENV, {
    createApp: (c) =>
      createApp(c, {
        http: createHttpClient(c.http, {
          observe: (attempt) => {
            if (attempt.status === 'error' || attempt.status >= 400)
              logger.warn({ vendorCall: attempt }, 'vendor call failed');
          },
        }),
      }),
  });
  outputs.push(result.stdout, result.stderr);
  return result;
}

/** Every secret in every form it could be stored or printed in. */
function expectNoSecret(where: string, text: string): void {
  for (const secret of SECRETS) {
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])) {
      if (text.includes(form)) throw new Error(`${where} contains a secret (${secret.slice(0, 10)}…)`);
    }
  }
}

describe('a vendor that echoes the credentials, through exec', () => {
  it('never shows or stores them: JSON, cards, text, logs, every store row and file byte', async () => {
    const asked = await run(['exec', '--as', 'alice@corp.com', '--json', 'unverify corp.com']);
    expect(asked.code).toBe(0);
    const id = (JSON.parse(asked.stdout) as { requestId: string }).requestId;

    const approved = await run(['approve', id, '--as', 'bob@corp.com', '--json']);
    expect(approved.code).toBe(4);
    const doc = JSON.parse(approved.stdout) as Doc;
    expect(doc).toMatchObject({ status: 'failed', error: { code: 'vendor_bad_request', vendor: 'webex' } });
    // The vendor was called with the refreshed token, and said what it said, minus the secrets.
    expect(vendor.requests.map((r) => r.path)).toEqual([
      '/v1/access_token',
      '/v1/identity/organizations/org-e2e/actions/unverifyDomain',
    ]);
    expect(sentCredential(vendor.requests[1]!, 'Bearer')).toBe(ACCESS_TOKEN);
    expect(doc.error.message).toContain('Token [REDACTED]');
    expect(doc.error.requestId).toBe('ROUTER_[REDACTED]');
    expect(doc.cards.webex.type).toBe('AdaptiveCard');
    expectNoSecret('the approve --json document', approved.stdout);
    expectNoSecret('the Webex card', JSON.stringify(doc.cards.webex));
    expectNoSecret('the Slack blocks', JSON.stringify(doc.cards.slack));

    const read = await run(['exec', '--as', 'carol@corp.com', '--json', 'domain corp.ru']);
    expect(read.code).toBe(4);
    const readDoc = JSON.parse(read.stdout) as Doc;
    expect(readDoc.error).toMatchObject({ code: 'vendor_not_found', requestId: '[REDACTED]' });
    expect(readDoc.error.message).toContain('for token [REDACTED]');

    const text = await run(['exec', '--as', 'carol@corp.com', 'domain corp.ru']);
    expect(text.code).toBe(4);
    expect(text.stdout + text.stderr).toContain('[REDACTED]');
    await run(['audit', '--jsonl']);
    await run(['audit', '--json']);
    await run(['pending', '--json']);

    for (const [i, output] of outputs.entries()) expectNoSecret(`CLI output #${i}`, output);
    expect(logLines.length).toBeGreaterThan(0);
    expectNoSecret('the logs', logLines.join('\n'));

    const store = join(dirname(config), 'data', 'domainops.db');
    const db = new DatabaseSync(store, { readOnly: true });
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all()
        .map((t) => String(t.name));
      expect(tables.length).toBeGreaterThan(0);
      let rows = 0;
      for (const table of tables) {
        for (const row of db.prepare(`SELECT * FROM "${table.replace(/"/g, '""')}"`).all()) {
          rows++;
          expectNoSecret(`a row of ${table}`, JSON.stringify(row));
        }
      }
      // The request and its audit events were stored, with the vendor's (scrubbed) words.
      expect(rows).toBeGreaterThan(3);
    } finally {
      db.close();
    }
    for (const file of [store, `${store}-wal`, `${store}-shm`, `${store}-journal`]) {
      if (existsSync(file)) expectNoSecret(`the bytes of ${file}`, readFileSync(file).toString('latin1'));
    }
  });
});
