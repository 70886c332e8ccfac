/**
 * dns-check, the precheck of validate/verify, --skip-dns-check and --wait through the whole
 * pipeline (parse, policy, store, vendor module, cards, the JSON document and exit codes), against
 * the Yandex and Webex fakes and a zone served by several local nameservers. --wait polls on the
 * app's clock: no real interval passes.
 */
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../adapters/http.ts';
import { tokenOrganization } from '../../adapters/webex-identity/client.ts';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { startYandexFake, type YandexFake } from '../../adapters/yandex-org/sandbox.ts';
import { type App, createApp, replyDocument } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { assertAdaptiveCard, assertBlockKitLimits } from '../cards/limits.ts';
import { cli, writeConfig } from '../cli/helpers.ts';
import {
  ADDRESSES,
  NAMESERVERS,
  RESOLVER,
  serveEverywhere,
  startTestDns,
  type TestDns,
  ZONE,
} from './zone.ts';

const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const FED = 'fed-dns';
/** The Yandex domain, in the zone the test nameservers serve. */
const DOMAIN = ZONE;
const CHALLENGE = `_yc-domain-validation.${ZONE}`;
/** The Webex domain, in the same zone. */
const SHOP = `shop.${ZONE}`;
const INTERVAL = 10_000;
const STORE = "':memory:'";
const carol: Actor = { platform: 'cli', id: 'carol@corp.com', email: 'carol@corp.com' };

let dns: TestDns;
let yandex: YandexFake;
let webex: WebexFake;
let env: Record<string, string>;
let yaml: string;
let configFile: string;
let config: Config;
let challenge: string;

beforeAll(async () => {
  dns = await startTestDns();
  yandex = await startYandexFake();
  yandex.state.pollsUntilDone = 0;
  challenge = yandex.addDomain({ kind: 'federation', id: FED }, DOMAIN).challenges[0]!.dnsChallenge.value;
  webex = await startWebexFake({ orgs: { [ORG]: {} } });
  env = { WEBEX_IDENTITY_TOKEN: webex.issueAccessToken(), YC_IAM_TOKEN: yandex.issueIamToken() };
  yaml = `
store: ${STORE}
http: { connectTimeout: 1s, timeout: 3s, retries: 0, maxRetryAfter: 1s }
dns: { resolvers: ['${RESOLVER}:${dns.fake.port}'], port: ${dns.fake.port}, timeout: 200ms, interval: 10s, wait: 30s }
targets:
  webex-prod:
    vendor: webex
    orgId: ${ORG}
    apiUrl: ${webex.apiUrl}
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
  yc-sso:
    vendor: yandex
    federationId: ${FED}
    apiUrl: ${yandex.apiUrl}
    operationUrl: ${yandex.operationUrl}
    auth: { iamToken: env:YC_IAM_TOKEN }
policy:
  groups:
    helpdesk: [carol@corp.com]
  rules:
    - actions: [dns-check, validate, verify-token, verify]
      requesters: [helpdesk]
      approval: none
`;
  // The command line keeps its requests in a file beside the config; the apps here in memory.
  configFile = writeConfig(yaml.replace(STORE, './data/domainops.db'));
  config = parseConfig(yaml, configFile, env);
});
afterAll(async () => {
  await Promise.all([dns?.close(), yandex?.close(), webex?.close()]);
});
beforeEach(() => {
  for (const address of dns.records.keys()) dns.records.set(address, []);
  yandex.state.published.delete(DOMAIN);
});

/**
 * An app whose clock moves only when it waits for DNS (`--wait`'s interval): `onWait(round)` runs
 * at each such wait, then the wait ends at once. Other waits (the lease heartbeat) end at the
 * next turn of the event loop.
 */
function appWith(onWait: (round: number) => void = () => {}): { app: App; waits: number[] } {
  let now = Date.UTC(2026, 10, 23, 10, 42);
  const waits: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    if (ms === INTERVAL) {
      waits.push(ms);
      now += ms;
      onWait(waits.length);
    } else if (ms > 0 && ms < INTERVAL) {
      // The last wait of a --wait: what is left of dns.wait.
      waits.push(ms);
      now += ms;
    }
    await new Promise((resolve) => setImmediate(resolve));
  };
  const app = createApp(config, {
    http: createHttpClient(config.http, { sleep: async () => {} }),
    clock: { now: () => now, sleep },
  });
  return { app, waits };
}

/** The challenge record on every address of the zone but those given. */
function serveChallengeExcept(...missing: string[]): void {
  for (const address of Object.values(NAMESERVERS).flat()) {
    dns.records.set(
      address,
      missing.includes(address) ? [] : [{ name: CHALLENGE, type: 'TXT', data: challenge }],
    );
  }
}

const yandexSent = (before: number) =>
  yandex.requests
    .slice(before)
    .map((r) => `${r.method} ${r.path.split('?')[0]!.replace(/^.*\/domains/, '…')}`);

describe('dns-check', () => {
  it('succeeds (exit 0) when every address serves the record; the JSON document has the table', async () => {
    serveEverywhere(dns, CHALLENGE, challenge);
    const run = await cli(
      ['exec', '--as', 'carol@corp.com', '--json', `dns-check ${DOMAIN} in yc-sso`, '--config', configFile],
      env,
    );
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      status: 'succeeded',
      action: 'dns-check',
      result: { ready: true, record: { name: CHALLENGE, type: 'TXT', value: challenge }, zone: ZONE },
    });
    expect(doc.result.servers).toHaveLength(ADDRESSES);
    expect(doc.result.servers[0]).toEqual({
      nameserver: 'ns1.corp.test',
      address: '127.0.0.2',
      status: 'served',
      values: [challenge],
    });
    assertAdaptiveCard(doc.cards.webex);
    assertBlockKitLimits(doc.cards.slack.blocks);
    expect(JSON.stringify(doc.cards.slack)).toContain(
      `${CHALLENGE} is served by every nameserver of ${ZONE}`,
    );
  });

  it('fails with dns_not_ready (exit 4) and the full table when one address does not serve it', async () => {
    serveChallengeExcept('127.0.0.4');
    dns.records.set('127.0.0.4', [{ name: CHALLENGE, type: 'TXT', data: 'an-older-challenge' }]);
    const run = await cli(
      ['exec', '--as', 'carol@corp.com', '--json', `dns-check ${DOMAIN} in yc-sso`, '--config', configFile],
      env,
    );
    expect(run.code).toBe(4);
    const doc = JSON.parse(run.stdout);
    expect(doc.status).toBe('failed');
    expect(doc.error).toMatchObject({ code: 'dns_not_ready', vendor: 'yandex' });
    expect(doc.error.message).toBe(
      `\`${CHALLENGE}\` TXT is not served by every authoritative nameserver of ${ZONE}: ${ADDRESSES - 1} of ${ADDRESSES} addresses serve it`,
    );
    expect(doc.error.hint).toContain(`publish \`${CHALLENGE}\` TXT \`${challenge}\``);
    expect(doc.result.ready).toBe(false);
    expect(doc.result.servers.find((s: { address: string }) => s.address === '127.0.0.4')).toEqual({
      nameserver: 'ns3.corp.test',
      address: '127.0.0.4',
      status: 'other-value',
      values: ['an-older-challenge'],
    });
    // The card shows the error and the table.
    const slack = JSON.stringify(doc.cards.slack);
    expect(slack).toContain('dns_not_ready');
    expect(slack).toContain('ns3.corp.test 127.0.0.4: other value');
    assertAdaptiveCard(doc.cards.webex);
    // The CLI's text shows the table too.
    const text = await cli(
      ['exec', '--as', 'carol@corp.com', `dns-check ${DOMAIN} in yc-sso`, '--config', configFile],
      env,
    );
    expect(text.code).toBe(4);
    expect(text.stderr).toContain('ns3.corp.test 127.0.0.4: other value "an-older-challenge"');
  });

  it('Webex: checks the token of the last verify-token, and never asks Webex for one', async () => {
    const { app } = appWith();
    try {
      // No verify-token yet: the records served are listed, and the person is told to run it.
      dns.records.set('127.0.0.2', [
        { name: SHOP, type: 'TXT', data: 'cisco-ci-domain-verification=someone-elses' },
      ]);
      const before = webex.requests.length;
      // Both targets run dns-check: without `in <target>` it is ambiguous.
      expect((await app.handle(`dns-check ${SHOP}`, carol)).error?.code).toBe('ambiguous_target');
      const unknown = await app.handle(`dns-check ${SHOP} in webex-prod`, carol);
      expect(webex.requests.length, 'Webex was asked nothing').toBe(before);
      expect(unknown.status).toBe('failed');
      expect(unknown.error?.code).toBe('dns_not_ready');
      expect(unknown.error?.hint).toContain(`run \`verify-token ${SHOP} in webex-prod\``);
      const listed = replyDocument(unknown).result as { record: object; servers: { values: string[] }[] };
      // `value` is always there (null: not known), `prefix` says which records were listed.
      expect(listed.record).toEqual({
        name: SHOP,
        type: 'TXT',
        value: null,
        prefix: 'cisco-ci-domain-verification=',
      });
      expect(JSON.stringify(replyDocument(unknown).result)).toContain('"value":null');
      expect(listed.servers[0]!.values).toEqual(['cisco-ci-domain-verification=someone-elses']);

      const token = await app.handle(`verify-token ${SHOP}`, carol);
      expect(token.status).toBe('succeeded');
      const value = (token.result as { record: { value: string } }).record.value;
      serveEverywhere(dns, SHOP, ['v=spf1 -all']);
      for (const address of Object.values(NAMESERVERS).flat()) {
        dns.records.get(address)!.push({ name: SHOP, type: 'TXT', data: value });
      }
      const asked = webex.requests.length;
      const served = await app.handle(`dns-check ${SHOP} in webex-prod`, carol);
      expect(webex.requests.length, 'Webex was asked nothing').toBe(asked);
      expect(served.status, served.text).toBe('succeeded');
      expect(served.result).toMatchObject({ ready: true, record: { name: SHOP, value } });
    } finally {
      await app.close();
    }
  });
});

describe('Webex: the stored token belongs to the organization it was issued for', () => {
  const OTHER_ORG = '00000000-0000-4000-8000-000000000000';

  it("after the target's orgId changed, dns-check does not use the old organization's token, and says why", async () => {
    const store = join(dirname(configFile), 'data', `org-change-${Date.now()}.db`);
    const before = writeConfig(yaml.replace(STORE, store));
    const token = await cli(
      ['exec', '--config', before, '--as', 'carol@corp.com', '--json', `verify-token ${SHOP} in webex-prod`],
      env,
    );
    expect(token.code, token.stderr).toBe(0);
    const issued = (JSON.parse(token.stdout) as { result: { orgId: string; record: { value: string } } })
      .result;
    expect(issued.orgId).toBe(ORG);
    // The old token's record is served everywhere: with the same orgId it is the record checked.
    for (const address of Object.values(NAMESERVERS).flat()) {
      dns.records.set(address, [{ name: SHOP, type: 'TXT', data: issued.record.value }]);
    }
    const same = await cli(
      ['exec', '--config', before, '--as', 'carol@corp.com', '--json', `dns-check ${SHOP} in webex-prod`],
      env,
    );
    expect(same.code, same.stderr).toBe(0);
    expect((JSON.parse(same.stdout) as { result: { record: object } }).result.record).toMatchObject({
      value: issued.record.value,
    });

    // webex-prod now names another organization: the old token is not the one Webex expects.
    const after = writeConfig(yaml.replace(STORE, store).replace(`orgId: ${ORG}`, `orgId: ${OTHER_ORG}`));
    const asked = webex.requests.length;
    const run = await cli(
      ['exec', '--config', after, '--as', 'carol@corp.com', '--json', `dns-check ${SHOP} in webex-prod`],
      env,
    );
    expect(webex.requests.length, 'Webex was asked nothing').toBe(asked);
    expect(run.code).toBe(4);
    const doc = JSON.parse(run.stdout) as {
      error: { code: string; message: string; hint: string };
      result: { record: object };
    };
    expect(doc.error.code).toBe('dns_not_ready');
    expect(doc.error.message).toContain(`was issued for another organization (${ORG})`);
    expect(doc.error.message).toContain(`not the target's organization ${OTHER_ORG}`);
    expect(doc.error.hint).toContain(`run \`verify-token ${SHOP} in webex-prod\``);
    expect(doc.result.record).toEqual({
      name: SHOP,
      type: 'TXT',
      value: null,
      prefix: 'cisco-ci-domain-verification=',
    });
  });

  it('reads the organization of a result stored before it was recorded from the URL Webex answered with', () => {
    expect(
      tokenOrganization({
        url: `https://identity.webex.com/organization/${ORG}/v1/actions/DomainVerification/GetToken/invoke`,
      }),
    ).toBe(ORG);
    expect(tokenOrganization({ orgId: OTHER_ORG, url: `https://x/organization/${ORG}/v1` })).toBe(OTHER_ORG);
    expect(tokenOrganization({ token: 't' })).toBeUndefined();
  });
});

describe('the precheck of validate and verify', () => {
  it('refuses validate with the table while an address misses the record: Yandex is only read', async () => {
    serveChallengeExcept('127.0.0.3');
    yandex.state.published.add(DOMAIN);
    const before = yandex.requests.length;
    const run = await cli(
      ['exec', '--as', 'carol@corp.com', '--json', `validate ${DOMAIN}`, '--config', configFile],
      env,
    );
    expect(run.code).toBe(4);
    const doc = JSON.parse(run.stdout);
    expect(doc.error).toMatchObject({ code: 'dns_not_ready' });
    expect(doc.error.message).toContain(`domainops did not ask Yandex to validate ${DOMAIN}`);
    expect(doc.error.hint).toContain('--skip-dns-check');
    expect(doc.result.servers.find((s: { address: string }) => s.address === '127.0.0.3').status).toBe(
      'missing',
    );
    expect(yandexSent(before)).toEqual([`GET …/${DOMAIN}`]);
  });

  it('--skip-dns-check sends validate anyway', async () => {
    yandex.state.published.add(DOMAIN);
    const before = yandex.requests.length;
    const run = await cli(
      [
        'exec',
        '--as',
        'carol@corp.com',
        '--json',
        `validate ${DOMAIN} --skip-dns-check`,
        '--config',
        configFile,
      ],
      env,
    );
    expect(run.code).toBe(0);
    expect(yandexSent(before)).toEqual([`POST …/${DOMAIN}:validate`]);
  });

  it('lets validate through once every address serves the record', async () => {
    serveChallengeExcept();
    yandex.state.published.add(DOMAIN);
    const before = yandex.requests.length;
    const run = await cli(
      ['exec', '--as', 'carol@corp.com', '--json', `validate ${DOMAIN}`, '--config', configFile],
      env,
    );
    expect(run.code).toBe(0);
    expect(yandexSent(before)).toEqual([`GET …/${DOMAIN}`, `POST …/${DOMAIN}:validate`]);
  });

  it('dns.precheck: false sends validate without checking', async () => {
    const off = parseConfig(yaml.replace('wait: 30s }', 'wait: 30s, precheck: false }'), configFile, env);
    const app = createApp(off, { http: createHttpClient(off.http, { sleep: async () => {} }) });
    try {
      const before = yandex.requests.length;
      const reply = await app.handle(`validate ${DOMAIN}`, carol);
      // Not published at Yandex either: Yandex's own refusal.
      expect(reply.error?.code).toBe('vendor_operation_failed');
      expect(yandexSent(before)[0]).toBe(`POST …/${DOMAIN}:validate`);
    } finally {
      await app.close();
    }
  });

  it('refuses verify without a verification record at every address; Webex is sent nothing', async () => {
    const { app } = appWith();
    try {
      const before = webex.requests.length;
      const reply = await app.handle(`verify other.${ZONE}`, carol);
      expect(reply.error?.code).toBe('dns_not_ready');
      expect(reply.error?.message).toContain(`domainops did not ask Webex to verify other.${ZONE}`);
      expect(webex.requests.length).toBe(before);
    } finally {
      await app.close();
    }
  });
});

describe('--wait', () => {
  it('checks again every dns.interval until the record is served, reports each round, then validates', async () => {
    yandex.state.published.add(DOMAIN);
    serveChallengeExcept('127.0.0.5', '127.0.0.6');
    // The record reaches one more nameserver at each wait.
    const { app, waits } = appWith((round) => {
      if (round === 1) serveChallengeExcept('127.0.0.6');
      if (round === 2) serveChallengeExcept();
    });
    try {
      const notes: string[] = [];
      const before = yandex.requests.length;
      const reply = await app.handle(`validate ${DOMAIN} --wait`, carol, {
        onProgress: (n) => notes.push(n.text),
      });
      expect(reply.status, reply.text).toBe('succeeded');
      expect(waits).toEqual([INTERVAL, INTERVAL]);
      expect(notes).toEqual([
        `Waiting for DNS: ${ADDRESSES - 2} of ${ADDRESSES} nameserver addresses serve ${CHALLENGE}`,
        `Waiting for DNS: ${ADDRESSES - 1} of ${ADDRESSES} nameserver addresses serve ${CHALLENGE}`,
      ]);
      // One read of the record, then the validation: the polling asked DNS, not Yandex.
      expect(yandexSent(before)).toEqual([`GET …/${DOMAIN}`, `POST …/${DOMAIN}:validate`]);
      expect(replyDocument(reply)).not.toHaveProperty('error');
    } finally {
      await app.close();
    }
  });

  it('gives up after dns.wait with dns_not_ready and the last table; nothing is sent', async () => {
    serveChallengeExcept('127.0.0.7');
    const { app, waits } = appWith();
    try {
      const before = yandex.requests.length;
      const reply = await app.handle(`validate ${DOMAIN} --wait`, carol);
      expect(reply.status).toBe('failed');
      expect(reply.error?.code).toBe('dns_not_ready');
      expect(reply.error?.message).toContain('(waited 30 s)');
      // Checks at 0, 10, 20 and 30 s: three waits of the interval.
      expect(waits).toEqual([INTERVAL, INTERVAL, INTERVAL]);
      expect(yandexSent(before)).toEqual([`GET …/${DOMAIN}`]);
      expect((replyDocument(reply).result as { servers: unknown[] }).servers).toHaveLength(ADDRESSES);
    } finally {
      await app.close();
    }
  });

  it('verify --wait waits for the token of the last verify-token, not any verification record', async () => {
    const name = `wait.${ZONE}`;
    let value = '';
    const { app, waits } = appWith((round) => {
      if (round === 1) {
        webex.publish(name);
        serveEverywhere(dns, name, value);
      }
    });
    try {
      const token = await app.handle(`verify-token ${name}`, carol);
      value = (token.result as { record: { value: string } }).record.value;
      // Every address serves the record of an earlier token meanwhile: not the one Webex expects.
      serveEverywhere(dns, name, 'cisco-ci-domain-verification=an-earlier-token');
      const before = webex.requests.length;
      const reply = await app.handle(`verify ${name} --wait`, carol);
      expect(reply.status, reply.text).toBe('succeeded');
      expect(waits).toEqual([INTERVAL]);
      expect(webex.requests.slice(before).map((r) => r.path.split('/').at(-1))).toEqual(['verifyDomain']);
    } finally {
      await app.close();
    }
  });
});
