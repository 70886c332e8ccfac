/**
 * One zone, corp.test, served by six authoritative nameservers on 127.0.0.2–127.0.0.7 (ns1 also
 * on ::1 where the machine has an IPv6 loopback: containers often have none), all on one port,
 * and a recursive resolver on 127.0.0.10 that knows the zones, their NS sets and the
 * nameservers' addresses. Each nameserver's own records are set per test. Tests that name ::1
 * check it only when `IPV6`; DOMAINOPS_TEST_NO_IPV6=1 runs them as a machine without it would.
 */
import { createDnsChecker, type DnsChecker } from '../../adapters/dns/check.ts';
import { type FakeDns, type FakeRecord, startFakeDns, zoneRecords } from '../../adapters/dns/fake-server.ts';
import { hasIpv6Loopback } from '../../adapters/dns/sandbox-dns.ts';
import type { DnsSettings } from '../../src/core/config/types.ts';

/** Whether ns1.corp.test is served on ::1 too. */
export const IPV6: boolean = process.env.DOMAINOPS_TEST_NO_IPV6 ? false : await hasIpv6Loopback();

export const ZONE = 'corp.test';
export const RESOLVER = '127.0.0.10';
/** The other zone, where a CNAME of corp.test may point. */
export const OTHER_ZONE = 'delegated.test';

/** Nameserver name → its addresses. */
export const NAMESERVERS: Record<string, string[]> = {
  'ns1.corp.test': ['127.0.0.2', ...(IPV6 ? ['::1'] : [])],
  'ns2.corp.test': ['127.0.0.3'],
  'ns3.corp.test': ['127.0.0.4'],
  'ns4.corp.test': ['127.0.0.5'],
  'ns5.corp.test': ['127.0.0.6'],
  'ns6.corp.test': ['127.0.0.7'],
};
/** How many addresses the nameservers of corp.test have: 7, or 6 without ::1. */
export const ADDRESSES = Object.values(NAMESERVERS).flat().length;
/** The one nameserver of delegated.test. */
const OTHER_NAMESERVERS: Record<string, string[]> = { 'ns.delegated.test': ['127.0.0.8'] };

export interface TestDns {
  fake: FakeDns;
  /** The records each address serves besides the zone's SOA and NS set; change them at will. */
  records: Map<string, FakeRecord[]>;
  /** A checker aimed at the resolver and the fake's port. */
  checker(settings?: Partial<DnsSettings>): DnsChecker;
  close(): Promise<void>;
}

export async function startTestDns(): Promise<TestDns> {
  const corp = zoneRecords(ZONE, NAMESERVERS);
  const other = zoneRecords(OTHER_ZONE, OTHER_NAMESERVERS);
  const records = new Map<string, FakeRecord[]>();
  const addresses = [...Object.values(NAMESERVERS).flat(), ...Object.values(OTHER_NAMESERVERS).flat()];
  for (const address of addresses) records.set(address, []);
  const fake = await startFakeDns({
    listeners: [
      // The resolver knows every zone's SOA, NS set and nameserver addresses, not their TXT records.
      { address: RESOLVER, resolver: true, records: () => [...corp, ...other] },
      ...Object.values(NAMESERVERS)
        .flat()
        .map((address) => ({ address, records: () => [...corp, ...(records.get(address) ?? [])] })),
      ...Object.values(OTHER_NAMESERVERS)
        .flat()
        .map((address) => ({ address, records: () => [...other, ...(records.get(address) ?? [])] })),
    ],
  });
  return {
    fake,
    records,
    checker: (settings = {}) =>
      createDnsChecker({
        resolvers: [{ host: RESOLVER, port: fake.port }],
        port: fake.port,
        timeout: 100,
        interval: 10_000,
        wait: 60_000,
        precheck: true,
        ...settings,
      }),
    close: () => fake.close(),
  };
}

/** Every address of corp.test serves `name` TXT `value`. */
export function serveEverywhere(dns: TestDns, name: string, value: string | string[]): void {
  for (const address of Object.values(NAMESERVERS).flat()) {
    dns.records.set(address, [{ name, type: 'TXT', data: value }]);
  }
}
