/**
 * The DNS table on cards: a failed dns-check (or a precheck refusal) shows the table with the
 * error, a succeeded one the table alone; at 8 nameservers with two addresses each and long
 * values every card stays within Block Kit's and Adaptive Cards' limits, and a longer table ends
 * with "and N more" while the JSON document keeps every row.
 */
import { describe, expect, it } from 'vitest';
import type { DnsCheckResult, DnsServerCheck } from '../../adapters/dns/result.ts';
import { dnsCheckView } from '../../adapters/dns/view.ts';
import { replyDocument } from '../../src/core/reply.ts';
import { WEBEX_TEXT_MAX_BYTES } from '../../src/platforms/webex/render.ts';
import { assertAdaptiveCard, assertBlockKitLimits } from '../cards/limits.ts';
import { renderAll } from '../cards/render.ts';
import { CONTEXT, record, replyFor } from '../cards/samples.ts';

const NAME = '_yc-domain-validation.corp.ru';
const VALUE = `yc-domain-validation=${'9f2c4e1a'.repeat(30)}`;

/** `nameservers` nameservers with an IPv4 and an IPv6 address each, in every status. */
function table(nameservers: number): DnsCheckResult {
  const statuses = ['served', 'missing', 'other-value', 'error'] as const;
  const servers: DnsServerCheck[] = [];
  for (let i = 1; i <= nameservers; i++) {
    for (const address of [`192.0.2.${i}`, `2001:db8::${i}`]) {
      const status = statuses[servers.length % statuses.length]!;
      servers.push({
        nameserver: `ns${i}.a-rather-long-dns-hosting-provider-name.example.net`,
        address,
        status,
        values:
          status === 'served'
            ? [VALUE]
            : status === 'other-value'
              ? [`stale-${'x'.repeat(400)}`, 'y'.repeat(300)]
              : [],
        ...(status === 'error' ? { error: 'timed out after 3 s' } : {}),
      });
    }
  }
  return {
    action: 'dns-check',
    domain: 'corp.ru',
    ready: false,
    record: { name: NAME, type: 'TXT', value: VALUE },
    zone: 'corp.ru',
    servers,
  };
}

function failedReply(result: DnsCheckResult) {
  const r = record({
    id: 'r-dn5chk01',
    action: 'dns-check',
    target: 'yc-sso',
    call: { action: 'dns-check', domain: 'corp.ru' },
    subject: 'corp.ru',
    status: 'failed',
    result,
    error: {
      code: 'dns_not_ready',
      message: `${NAME} TXT is not served by every authoritative nameserver of corp.ru`,
      hint: 'publish it',
      vendor: 'yandex',
    },
  });
  return replyFor(r, {
    status: 'failed',
    error: { code: 'dns_not_ready', message: r.error!.message, hint: 'publish it' },
  });
}

describe('the DNS table on cards', () => {
  it('stays within the limits at 8 nameservers with two addresses each', () => {
    const reply = failedReply(table(8));
    const cards = renderAll(reply, CONTEXT);
    assertAdaptiveCard(cards.webex);
    assertBlockKitLimits(cards.slack.blocks);
    expect(Buffer.byteLength(cards.text)).toBeLessThanOrEqual(WEBEX_TEXT_MAX_BYTES);
    const slack = JSON.stringify(cards.slack.blocks);
    // The error, the summary and the rows: every nameserver is named.
    expect(slack).toContain('dns_not_ready');
    expect(slack).toContain('Other value');
    for (let i = 1; i <= 8; i++) expect(slack).toContain(`ns${i}.a-rather-long`);
    expect(JSON.stringify(cards.webex)).toContain('ns8.a-rather-long');
    // The JSON document keeps every row and every value in full.
    const doc = replyDocument(reply) as { result: DnsCheckResult };
    expect(doc.result.servers).toHaveLength(16);
    expect(doc.result.servers[2]!.values[0]).toHaveLength(406);
  });

  it('a longer table ends with "and N more"', () => {
    const cards = renderAll(failedReply(table(40)), CONTEXT);
    assertAdaptiveCard(cards.webex);
    assertBlockKitLimits(cards.slack.blocks);
    expect(JSON.stringify(cards.slack.blocks)).toMatch(/and \d+ more/);
    expect(JSON.stringify(cards.webex)).toMatch(/and \d+ more/);
  });

  it('a line per address: status, what it serves instead, the error, the CNAME', () => {
    const view = dnsCheckView(
      {
        ...table(1),
        servers: [
          {
            nameserver: 'ns1.corp.ru',
            address: '192.0.2.1',
            status: 'served',
            values: [VALUE],
            cname: 'x.corp.ru',
          },
          { nameserver: 'ns1.corp.ru', address: '2001:db8::1', status: 'other-value', values: ['old'] },
          { nameserver: 'ns2.corp.ru', address: '192.0.2.2', status: 'missing', values: [] },
          {
            nameserver: 'ns3.corp.ru',
            address: '',
            status: 'error',
            values: [],
            error: 'its name has no A or AAAA record',
          },
        ],
      },
      { again: 'dns-check corp.ru in yc-sso' },
    );
    expect(view.title).toBe(`${NAME} is not served everywhere yet: 1 of 4 addresses`);
    const list = view.sections.find((s) => s.kind === 'list');
    expect(list).toEqual({
      kind: 'list',
      title: 'Nameservers',
      items: [
        'ns1.corp.ru 192.0.2.1 (CNAME x.corp.ru): served',
        'ns1.corp.ru 2001:db8::1: other value "old"',
        'ns2.corp.ru 192.0.2.2: missing',
        'ns3.corp.ru: error: its name has no A or AAAA record',
      ],
    });
    expect(view.sections).toContainEqual({ kind: 'code', label: 'Record value', value: VALUE });
  });

  it('a --wait in progress says where it is', () => {
    const view = dnsCheckView(
      { ...table(1), waiting: { round: 3, since: 0, until: 600_000, next: 'validate corp.ru' } },
      { again: 'dns-check corp.ru in yc-sso' },
    );
    expect(view.title).toBe(`Waiting for DNS: 1 of 2 nameserver addresses serve ${NAME}`);
    expect(view.tone).toBe('info');
    expect(JSON.stringify(view.sections)).toContain('Checked 3 times');
    expect(JSON.stringify(view.sections)).toContain('up to 10 min), then runs validate corp.ru');
  });
});
