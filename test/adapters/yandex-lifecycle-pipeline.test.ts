/**
 * The Yandex lifecycle through the whole pipeline, as `domainops exec --json` runs it against the
 * module's own sandbox (seeded, auto-publishing records of added domains): grammar and help,
 * policy and approval, dry run, the JSON document (result, error, exit code) and the cards of
 * every platform.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type SandboxDns, startSandboxDns } from '../../adapters/dns/sandbox-dns.ts';
import { createHttpClient } from '../../adapters/http.ts';
import { startYandexSandbox, type YandexFake } from '../../adapters/yandex-org/sandbox.ts';
import { createApp } from '../../src/app.ts';
import type { RunningVendorSandbox } from '../../src/core/ports.ts';
import { cli, writeConfig } from '../cli/helpers.ts';

const FEDERATION = 'bpf3crucp1v2lifecycle';
const USERPOOL = 'pool-lifecycle';

let running: RunningVendorSandbox & { readonly fake: YandexFake };
let config: string;
/** Every wait of the app (operation polls): recorded, and returning at once. */
const waits: number[] = [];
/** The sandbox's DNS: the challenge records the fake counts as published. */
let dns: SandboxDns;

beforeAll(async () => {
  const targets = {
    'yc-sso': { vendor: 'yandex', federationId: FEDERATION },
    'yc-pool': { vendor: 'yandex', userpoolId: USERPOOL },
  };
  running = await startYandexSandbox(targets);
  dns = await startSandboxDns(() => running.publishedTxt?.() ?? []);
  const aimed = Object.fromEntries(
    Object.entries(targets).map(([name, t]) => [name, { ...t, ...running.targets[name] }]),
  );
  config = writeConfig(
    stringify({
      store: './data/domainops.db',
      dns: { resolvers: [`127.0.0.1:${dns.fake.port}`], port: dns.fake.port, timeout: '1s' },
      targets: aimed,
      policy: {
        groups: { admins: ['alice@corp.com', 'bob@corp.com'], helpdesk: ['carol@corp.com'] },
        rules: [
          {
            name: 'reads',
            actions: ['list-domains', 'domain', 'validate', 'help'],
            requesters: ['admins', 'helpdesk'],
            approval: 'none',
          },
          {
            name: 'domain changes',
            actions: ['add-domain', 'delete-domain'],
            requesters: ['admins'],
            approval: { approvers: ['admins'], count: 1, expires: '30m' },
          },
        ],
      },
    }),
  );
});

afterAll(async () => {
  await running?.close();
  await dns?.close();
});

interface Doc {
  status: string;
  requestId?: string;
  result?: Record<string, unknown>;
  error?: Record<string, unknown>;
  request?: { method: string; url: string; headers: Record<string, string>; body?: string };
  cards: { webex: unknown; slack: { blocks: unknown[] } };
}

/** One CLI run with `--json`: its exit code and document. */
async function run(args: string[]): Promise<{ code: number; doc: Doc }> {
  const result = await cli(['--config', config, ...args, '--json'], running.env, {
    // Each run's app closes its HTTP layer: a new one per run, whose waits return at once.
    createApp: (c) => {
      const sleep = async (ms: number) => {
        waits.push(ms);
      };
      return createApp(c, { http: createHttpClient(c.http, { sleep }), sleep });
    },
  });
  return { code: result.code, doc: JSON.parse(result.stdout) as Doc };
}

const exec = (as: string, command: string, ...flags: string[]) =>
  run(['exec', '--as', as, ...flags, command]);

/** alice asks, bob approves: the approval's document. */
async function approved(command: string) {
  const asked = await exec('alice@corp.com', command);
  expect(asked.doc.status).toBe('pending');
  expect(asked.code).toBe(0);
  return run(['approve', asked.doc.requestId!, '--as', 'bob@corp.com']);
}

/** The text of every card, Webex and Slack, for a quick look at what people see. */
const cardText = (doc: Doc) => JSON.stringify(doc.cards);

const requestsSince = (before: number) =>
  running.fake.requests.slice(before).map((r) => `${r.method} ${r.path.split('?')[0]}`);

describe('list-domains', () => {
  it('needs no subject, runs at once for the helpdesk, and lists every domain with its status', async () => {
    const before = running.fake.requests.length;
    const { code, doc } = await exec('carol@corp.com', 'list-domains in yc-pool');
    expect(code).toBe(0);
    expect(doc.status).toBe('succeeded');
    expect(requestsSince(before)).toEqual([`GET /organization-manager/v1/idp/userpools/${USERPOOL}/domains`]);
    const domains = (doc.result as { domains: { domain: string; status: string }[] }).domains;
    expect(domains.map((d) => [d.domain, d.status])).toEqual([
      ['corp.ru', 'NEED_TO_VALIDATE'],
      ['sso.corp.ru', 'NEED_TO_VALIDATE'],
      ['abc.com', 'VALID'],
    ]);
    const cards = cardText(doc);
    expect(cards).toContain('corp.ru: needs validation (NEED_TO_VALIDATE)');
    expect(cards).toContain('abc.com: valid (VALID), protected from deletion');
    expect(cards).toContain('3 domains in yc-pool');
  });

  it('a long list: the cards show the first ones and "and N more", the JSON result has all', async () => {
    const scope = { kind: 'federation', id: FEDERATION } as const;
    for (let i = 1; i <= 230; i++) running.fake.addDomain(scope, `bulk${i}.corp.ru`);
    try {
      const before = running.fake.requests.length;
      const { doc } = await exec('carol@corp.com', 'list-domains in yc-sso');
      expect(requestsSince(before)).toHaveLength(3);
      expect((doc.result as { domains: unknown[]; pages: number }).domains).toHaveLength(233);
      expect((doc.result as { pages: number }).pages).toBe(3);
      expect(JSON.stringify(doc.cards.webex)).toMatch(/and \d+ more/);
      expect(JSON.stringify(doc.cards.slack)).toMatch(/and \d+ more/);
    } finally {
      for (let i = 1; i <= 230; i++)
        running.fake.state.scopes.get(`federation:${FEDERATION}`)!.delete(`bulk${i}.corp.ru`);
    }
  });

  it('a dry run shows the first page request and sends nothing', async () => {
    const before = running.fake.requests.length;
    const { code, doc } = await exec('carol@corp.com', 'list-domains in yc-sso', '--dry-run');
    expect(code).toBe(0);
    expect(doc.status).toBe('dry-run');
    expect(doc.request).toMatchObject({
      method: 'GET',
      url: `${running.url}/organization-manager/v1/saml/federations/${FEDERATION}/domains?pageSize=100`,
      headers: { Accept: 'application/json', Authorization: 'Bearer [REDACTED]' },
    });
    expect(running.fake.requests.length).toBe(before);
  });

  it('help: usage `list-domains [in <target>]`; a domain given is refused with the usage', async () => {
    const help = await exec('carol@corp.com', 'help list-domains');
    expect(JSON.stringify(help.doc)).toContain('list-domains [in <target>]');
    const extra = await exec('carol@corp.com', 'list-domains corp.ru in yc-sso');
    expect(extra.code).toBe(2);
  });
});

describe('add-domain, validate, list, delete: one domain through its lifecycle', () => {
  it('walks a new domain from added to validated and back out (federation)', async () => {
    // Dry run: the POST with its body.
    const dry = await exec('alice@corp.com', 'add-domain life.corp.ru in yc-sso', '--dry-run');
    expect(dry.doc.request).toEqual({
      method: 'POST',
      url: `${running.url}/organization-manager/v1/saml/federations/${FEDERATION}/domains`,
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Authorization: 'Bearer [REDACTED]',
      },
      body: '{"domain":"life.corp.ru"}',
    });

    waits.length = 0;
    const added = await approved('add-domain life.corp.ru in yc-sso');
    expect(added.code).toBe(0);
    // The operation was polled at the sandbox's pace.
    expect(waits).toContain(200);
    expect(added.doc.status).toBe('succeeded');
    const domain = (
      added.doc.result as { domain: { challenges: { dnsChallenge: { name: string; value: string } }[] } }
    ).domain;
    const record = domain.challenges[0]!.dnsChallenge;
    // The record to publish, copyable, and what to run next, on both platforms' cards.
    const webex = JSON.stringify(added.doc.cards.webex);
    const slack = JSON.stringify(added.doc.cards.slack);
    for (const card of [webex, slack]) {
      expect(card).toContain(record.name);
      expect(card).toContain(record.value);
      expect(card).toContain('validate life.corp.ru in yc-sso');
    }
    expect(webex).toContain('"fontType":"Monospace"');
    expect(slack).toContain(`\`\`\`${record.value}\`\`\``);

    // Not published yet: the DNS check refuses validate and names the record; Yandex was only
    // asked for the record, never to validate.
    const sent = running.fake.requests.length;
    const early = await exec('alice@corp.com', 'validate life.corp.ru in yc-sso');
    expect(early.code).toBe(4);
    expect(early.doc.error).toMatchObject({ code: 'dns_not_ready' });
    expect(String(early.doc.error!.hint)).toContain(record.value);
    expect(requestsSince(sent)).toEqual([
      `GET /organization-manager/v1/saml/federations/${FEDERATION}/domains/life.corp.ru`,
    ]);
    // The sandbox has "published" it once the record was shown: validate succeeds.
    const valid = await exec('alice@corp.com', 'validate life.corp.ru in yc-sso');
    expect(valid.code).toBe(0);
    expect(valid.doc.result).toMatchObject({ domain: { domain: 'life.corp.ru', status: 'VALID' } });

    const listed = await exec('carol@corp.com', 'list-domains in yc-sso');
    expect(cardText(listed.doc)).toContain('life.corp.ru: valid (VALID)');

    const deleted = await approved('delete-domain life.corp.ru in yc-sso');
    expect(deleted.code).toBe(0);
    expect(deleted.doc.result).toMatchObject({ action: 'delete-domain', domain: 'life.corp.ru' });
    expect(cardText(deleted.doc)).toContain('Deleted life.corp.ru from yc-sso');
    const after = await exec('carol@corp.com', 'list-domains in yc-sso');
    expect(cardText(after.doc)).not.toContain('life.corp.ru');
  });

  it('add-domain of a domain already there: exit 4, vendor_conflict with a hint', async () => {
    const { code, doc } = await approved('add-domain corp.ru in yc-sso');
    expect(code).toBe(4);
    expect(doc.status).toBe('failed');
    expect(doc.error).toMatchObject({ code: 'vendor_conflict', status: 409, vendor: 'yandex' });
    expect(String(doc.error!.hint)).toContain('already added');
  });
});

describe('delete-domain', () => {
  it('the approval card warns what approving does', async () => {
    const asked = await exec('alice@corp.com', 'delete-domain sso.corp.ru in yc-pool');
    expect(asked.doc.status).toBe('pending');
    const cards = cardText(asked.doc);
    expect(cards).toContain('Warning');
    expect(cards).toContain('to use it again it must be added and its DNS record validated anew');
    await run(['cancel', asked.doc.requestId!, '--as', 'alice@corp.com']);
  });

  it('a dry run of a userpool delete shows the DELETE (the request that changes something)', async () => {
    const before = running.fake.requests.length;
    const { doc } = await exec('alice@corp.com', 'delete-domain abc.com in yc-pool', '--dry-run');
    expect(doc.request).toEqual({
      method: 'DELETE',
      url: `${running.url}/organization-manager/v1/idp/userpools/${USERPOOL}/domains/abc.com`,
      headers: { Accept: 'application/json', Authorization: 'Bearer [REDACTED]' },
    });
    expect(running.fake.requests.length).toBe(before);
  });

  it('a userpool domain protected from deletion: exit 4, error.code deletion_protected, no DELETE sent', async () => {
    const before = running.fake.requests.length;
    const { code, doc } = await approved('delete-domain abc.com in yc-pool');
    expect(code).toBe(4);
    expect(doc.status).toBe('failed');
    expect(doc.error).toEqual({
      code: 'deletion_protected',
      message: `abc.com is protected from deletion in userpool ${USERPOOL}: domainops sent no DELETE`,
      hint: `turn off the deletion protection of abc.com in userpool ${USERPOOL} (Yandex Cloud console), then run \`delete-domain abc.com\` again`,
      vendor: 'yandex',
    });
    expect(requestsSince(before)).toEqual([
      `GET /organization-manager/v1/idp/userpools/${USERPOOL}/domains/abc.com`,
    ]);
    const cards = cardText(doc);
    expect(cards).toContain('deletion_protected');
    expect(cards).toContain('turn off the deletion protection of abc.com');
    expect(running.fake.domainsOf({ kind: 'userpool', id: USERPOOL }).map((d) => d.domain)).toContain(
      'abc.com',
    );
  });

  it('an unprotected userpool domain: read, then DELETE, operation polled; the domain is gone', async () => {
    const before = running.fake.requests.length;
    const { code, doc } = await approved('delete-domain corp.ru in yc-pool');
    expect(code).toBe(0);
    expect(doc.status).toBe('succeeded');
    const path = `/organization-manager/v1/idp/userpools/${USERPOOL}/domains/corp.ru`;
    const sent = requestsSince(before);
    expect(sent.slice(0, 2)).toEqual([`GET ${path}`, `DELETE ${path}`]);
    expect(sent.slice(2).every((r) => r.startsWith('GET /operations/'))).toBe(true);
    expect(running.fake.domainsOf({ kind: 'userpool', id: USERPOOL }).map((d) => d.domain)).not.toContain(
      'corp.ru',
    );
  });
});
