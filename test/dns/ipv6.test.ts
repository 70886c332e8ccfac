/**
 * A host without IPv6: the nameservers' IPv6 addresses fail with an error that names the host's
 * missing route (not the nameserver), and `dns.ipv6: false` asks only the IPv4 addresses. The
 * DNS answers come from an in-memory query function, so the test needs no IPv6 on this machine.
 */
import type { Answer } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { createDnsChecker } from '../../adapters/dns/check.ts';
import { DnsQueryError, type DnsReply, type QueryFn } from '../../adapters/dns/wire.ts';
import { DNS_DEFAULTS } from '../../src/core/config/types.ts';

const ZONE = 'corp.example';
const NAME = `_yc-domain-validation.${ZONE}`;
const VALUE = 'a1b2c3d4e5f6';
const V4 = '192.0.2.53';
const V6 = '2001:db8::53';

const reply = (answers: Answer[], authoritative = false): DnsReply => ({
  rcode: 'NOERROR',
  authoritative,
  answers,
  authorities: [],
  tcp: false,
});

/** The zone's one nameserver has an IPv4 and an IPv6 address; sending to IPv6 fails as on a host without it. */
function world(asked: string[]): QueryFn {
  return async (server, question) => {
    asked.push(`${server.host} ${question.type} ${question.name}`);
    if (server.host === V6) {
      const cause = Object.assign(new Error(`send ENETUNREACH ${V6}:53`), { code: 'ENETUNREACH' });
      throw new DnsQueryError('network', cause.message, cause);
    }
    if (server.host === V4) return reply([{ type: 'TXT', name: NAME, data: [VALUE] } as Answer], true);
    // The recursive resolver.
    switch (question.type) {
      case 'SOA':
        return question.name === ZONE
          ? reply([
              {
                type: 'SOA',
                name: ZONE,
                data: {
                  mname: `ns1.${ZONE}`,
                  rname: `hostmaster.${ZONE}`,
                  serial: 1,
                  refresh: 1,
                  retry: 1,
                  expire: 1,
                  minimum: 1,
                },
              } as Answer,
            ])
          : reply([]);
      case 'NS':
        return reply([{ type: 'NS', name: ZONE, data: `ns1.${ZONE}` } as Answer]);
      case 'A':
        return reply([{ type: 'A', name: `ns1.${ZONE}`, data: V4 } as Answer]);
      case 'AAAA':
        return reply([{ type: 'AAAA', name: `ns1.${ZONE}`, data: V6 } as Answer]);
      default:
        return reply([]);
    }
  };
}

const settings = { ...DNS_DEFAULTS, resolvers: [{ host: '192.0.2.1', port: 53 }], timeout: 100 };
const record = { name: NAME, type: 'TXT' as const, value: VALUE };

describe('a host without IPv6', () => {
  it('lists the IPv6 addresses as errors that name the host, and is not ready', async () => {
    const asked: string[] = [];
    const check = await createDnsChecker(settings, { query: world(asked) }).check(record);
    expect(check.ready).toBe(false);
    const v6 = check.servers.find((s) => s.address === V6);
    expect(v6).toMatchObject({ status: 'error', values: [] });
    expect(v6?.error).toMatch(/this host cannot reach IPv6 addresses \(ENETUNREACH\); set dns\.ipv6: false/);
    expect(check.servers.find((s) => s.address === V4)).toMatchObject({ status: 'served' });
  });

  it('with dns.ipv6: false asks only the IPv4 addresses (no AAAA lookup) and is ready', async () => {
    const asked: string[] = [];
    const check = await createDnsChecker({ ...settings, ipv6: false }, { query: world(asked) }).check(record);
    expect(check.ready).toBe(true);
    expect(check.servers.map((s) => s.address)).toEqual([V4]);
    expect(asked.some((q) => q.includes(' AAAA '))).toBe(false);
    expect(asked.some((q) => q.startsWith(V6))).toBe(false);
  });
});
