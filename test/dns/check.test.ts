/**
 * The DNS check against local authoritative servers: one zone served by several nameservers, each
 * address asked directly with recursion off, every status (served, missing, another value, an
 * error), a TXT record split in character-strings, CNAMEs, a server that never answers, a
 * truncated answer asked again over TCP, and resolvers that do not answer.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDnsChecker } from '../../adapters/dns/check.ts';
import type { DnsServerCheck } from '../../adapters/dns/result.ts';
import {
  ADDRESSES,
  IPV6,
  NAMESERVERS,
  RESOLVER,
  serveEverywhere,
  startTestDns,
  type TestDns,
  ZONE,
} from './zone.ts';

const NAME = `_yc-domain-validation.${ZONE}`;
const VALUE = '4f1c2b9e7d6a5c3b2a190817f6e5d4c3';
const record = { name: NAME, type: 'TXT' as const, value: VALUE };

let dns: TestDns;

beforeAll(async () => {
  dns = await startTestDns();
});
afterAll(async () => {
  await dns?.close();
});
beforeEach(() => {
  for (const address of dns.records.keys()) dns.records.set(address, []);
  for (const address of Object.values(NAMESERVERS).flat()) dns.fake.behave(address, 'answer');
  dns.fake.queries.length = 0;
});

/** The rows by address. */
const byAddress = (servers: DnsServerCheck[]): Record<string, DnsServerCheck> =>
  Object.fromEntries(servers.map((s) => [s.address, s]));

describe('dns-check against the zone’s authoritative nameservers', () => {
  it('is ready when every address of every nameserver serves the value', async () => {
    serveEverywhere(dns, NAME, VALUE);
    const check = await dns.checker().check(record);
    expect(check.zone).toBe(ZONE);
    expect(check.ready).toBe(true);
    expect(check.servers).toHaveLength(ADDRESSES);
    expect(check.servers.every((s) => s.status === 'served' && s.values[0] === VALUE)).toBe(true);
    // IPv4 and IPv6 addresses of each nameserver, as its A and AAAA records give them.
    expect(check.servers.filter((s) => s.nameserver === 'ns1.corp.test').map((s) => s.address)).toEqual([
      '127.0.0.2',
      ...(IPV6 ? ['::1'] : []),
    ]);
  });

  it('tells each address apart: served, missing, a stale value, a split TXT, a CNAME, a timeout', async () => {
    dns.records.set('127.0.0.2', [{ name: NAME, type: 'TXT', data: VALUE }]);
    if (IPV6) dns.records.set('::1', [{ name: NAME, type: 'TXT', data: VALUE }]);
    // 127.0.0.3 serves nothing at the name.
    dns.records.set('127.0.0.4', [{ name: NAME, type: 'TXT', data: 'stale-value-of-an-earlier-challenge' }]);
    // One record of two character-strings: joined, it is the value.
    dns.records.set('127.0.0.5', [{ name: NAME, type: 'TXT', data: [VALUE.slice(0, 10), VALUE.slice(10)] }]);
    dns.fake.behave('127.0.0.6', 'drop');
    dns.records.set('127.0.0.7', [
      { name: NAME, type: 'CNAME', data: `challenge.${ZONE}` },
      { name: `challenge.${ZONE}`, type: 'TXT', data: VALUE },
    ]);
    const check = await dns.checker({ timeout: 50 }).check(record);
    expect(check.ready).toBe(false);
    const rows = byAddress(check.servers);
    expect(rows['127.0.0.2']).toMatchObject({ nameserver: 'ns1.corp.test', status: 'served' });
    if (IPV6) expect(rows['::1']).toMatchObject({ nameserver: 'ns1.corp.test', status: 'served' });
    expect(rows['127.0.0.3']).toMatchObject({ nameserver: 'ns2.corp.test', status: 'missing', values: [] });
    expect(rows['127.0.0.4']).toMatchObject({
      status: 'other-value',
      values: ['stale-value-of-an-earlier-challenge'],
    });
    expect(rows['127.0.0.5']).toMatchObject({ status: 'served', values: [VALUE] });
    expect(rows['127.0.0.6']).toMatchObject({ status: 'error', error: 'timed out after 50 ms' });
    expect(rows['127.0.0.7']).toMatchObject({
      status: 'served',
      cname: `challenge.${ZONE}`,
      values: [VALUE],
    });
  });

  it('asks the nameservers with recursion off, the resolver with recursion on, walking the labels up', async () => {
    serveEverywhere(dns, NAME, VALUE);
    await dns.checker().check({ ...record, name: `deep.${NAME}` });
    const toResolver = dns.fake.queries.filter((q) => q.address === RESOLVER);
    const toNameservers = dns.fake.queries.filter((q) => q.address !== RESOLVER);
    expect(toResolver.every((q) => q.recursion)).toBe(true);
    expect(toNameservers.length).toBe(ADDRESSES);
    expect(toNameservers.every((q) => !q.recursion && q.type === 'TXT' && q.name === `deep.${NAME}`)).toBe(
      true,
    );
    // The SOA walk: the name, then each parent until the zone apex answers with its own SOA.
    expect(toResolver.filter((q) => q.type === 'SOA').map((q) => q.name)).toEqual([
      `deep.${NAME}`,
      NAME,
      ZONE,
    ]);
    expect(toResolver.filter((q) => q.type === 'NS').map((q) => q.name)).toEqual([ZONE]);
  });

  it('follows a CNAME into another zone, at that zone’s own nameservers', async () => {
    const target = 'corp-test.delegated.test';
    serveEverywhere(dns, NAME, []);
    for (const address of Object.values(NAMESERVERS).flat()) {
      dns.records.set(address, [{ name: NAME, type: 'CNAME', data: target }]);
    }
    dns.records.set('127.0.0.8', [{ name: target, type: 'TXT', data: VALUE }]);
    const check = await dns.checker().check(record);
    expect(check.ready).toBe(true);
    expect(check.servers.every((s) => s.cname === target && s.status === 'served')).toBe(true);
    // The target zone is checked once, whatever the number of addresses pointing at it.
    expect(dns.fake.queries.filter((q) => q.address === '127.0.0.8')).toHaveLength(1);

    dns.records.set('127.0.0.8', [{ name: target, type: 'TXT', data: 'something else' }]);
    const stale = await dns.checker().check(record);
    expect(stale.ready).toBe(false);
    expect(stale.servers[0]).toMatchObject({
      status: 'other-value',
      values: ['something else'],
      cname: target,
    });
    expect(stale.servers[0]!.error).toContain('0 of 1');
  });

  it('asks again over TCP when the UDP answer is truncated', async () => {
    const { startFakeDns, zoneRecords } = await import('../../adapters/dns/fake-server.ts');
    // A value of 2 000 bytes in 8 character-strings: more than a UDP answer may carry here.
    const long = 'v'.repeat(2000);
    const chunks = long.match(/.{1,250}/g)!;
    const zone = zoneRecords('big.test', { 'ns.big.test': ['127.0.0.12'] });
    const fake = await startFakeDns({
      truncateOver: 512,
      listeners: [
        { address: '127.0.0.11', resolver: true, records: () => zone },
        { address: '127.0.0.12', records: () => [...zone, { name: 'big.test', type: 'TXT', data: chunks }] },
      ],
    });
    try {
      const checker = createDnsChecker({
        resolvers: [{ host: '127.0.0.11', port: fake.port }],
        port: fake.port,
        timeout: 1000,
        interval: 1000,
        wait: 1000,
        precheck: true,
      });
      const check = await checker.check({ name: 'big.test', type: 'TXT', value: long });
      expect(check.ready).toBe(true);
      const asked = fake.queries.filter((q) => q.address === '127.0.0.12');
      expect(asked.map((q) => q.transport)).toEqual(['udp', 'tcp']);
    } finally {
      await fake.close();
    }
  });

  it('SERVFAIL, REFUSED and a server that is not authoritative are errors', async () => {
    serveEverywhere(dns, NAME, VALUE);
    dns.fake.behave('127.0.0.3', 'servfail');
    dns.fake.behave('127.0.0.4', 'refused');
    dns.fake.behave('127.0.0.5', 'lame');
    const rows = byAddress((await dns.checker().check(record)).servers);
    expect(rows['127.0.0.3']).toMatchObject({ status: 'error', error: 'SERVFAIL' });
    expect(rows['127.0.0.4']).toMatchObject({ status: 'error', error: 'REFUSED' });
    expect(rows['127.0.0.5']).toMatchObject({ status: 'error', error: `not authoritative for ${ZONE}` });
    expect(rows['127.0.0.2']?.status).toBe('served');
  });

  it('with a prefix, other TXT records at the name are neither the record nor a stale copy', async () => {
    const prefix = 'cisco-ci-domain-verification=';
    serveEverywhere(dns, ZONE, 'v=spf1 include:_spf.corp.test -all');
    dns.records.set('127.0.0.2', [
      { name: ZONE, type: 'TXT', data: 'v=spf1 -all' },
      { name: ZONE, type: 'TXT', data: `${prefix}old-token` },
    ]);
    const check = await dns.checker().check({ name: ZONE, type: 'TXT', value: `${prefix}new-token`, prefix });
    const rows = byAddress(check.servers);
    expect(rows['127.0.0.2']).toMatchObject({ status: 'other-value', values: [`${prefix}old-token`] });
    expect(rows['127.0.0.3']).toMatchObject({ status: 'missing', values: [] });
  });

  it('names what went wrong when no resolver answers or no zone holds the name', async () => {
    dns.fake.behave(RESOLVER, 'drop');
    try {
      const check = await dns.checker({ timeout: 50 }).check(record);
      expect(check).toMatchObject({ ready: false, servers: [] });
      expect(check.problem).toContain(`no DNS resolver answered SOA ${NAME}`);
      expect(check.problem).toContain('timed out after 50 ms');
    } finally {
      dns.fake.behave(RESOLVER, 'answer');
    }
    const nowhere = await dns.checker().check({ ...record, name: 'name.in.no.zone.example' });
    expect(nowhere).toMatchObject({
      ready: false,
      servers: [],
      problem: 'no DNS zone holds name.in.no.zone.example',
    });
  });

  it('takes the system’s resolvers when none are configured', async () => {
    serveEverywhere(dns, NAME, VALUE);
    const checker = createDnsChecker(
      { resolvers: [], port: dns.fake.port, timeout: 200, interval: 1000, wait: 1000, precheck: true },
      { systemResolvers: () => [`${RESOLVER}:${dns.fake.port}`] },
    );
    expect((await checker.check(record)).ready).toBe(true);
  });
});
