/**
 * The DNS of the built-in sandbox: one small server on 127.0.0.1 (and ::1 where the machine has
 * it) that plays both the recursive resolver and the one authoritative nameserver of every zone.
 * Every name of two labels is a zone (corp.com, corp.ru, partner.org), served by
 * ns1.sandbox.invalid, whose addresses are the server's own. The TXT records are the ones the
 * vendor fakes count as published, read at every query, so a record a fake publishes (a Webex
 * token in its DNS zone, a Yandex challenge the admin has seen) is served at once.
 */
import { createSocket } from 'node:dgram';
import type { DnsSettings } from '../../src/core/config/types.ts';
import { type FakeDns, type FakeRecord, startFakeDns } from './fake-server.ts';

/** The nameserver of every sandbox zone. */
export const SANDBOX_NAMESERVER = 'ns1.sandbox.invalid';

export interface SandboxDns {
  readonly fake: FakeDns;
  /** The `dns:` settings that aim domainops at it. */
  readonly settings: Pick<DnsSettings, 'resolvers' | 'port'>;
  close(): Promise<void>;
}

/** Whether this machine can bind ::1 (containers often run without IPv6). */
export async function hasIpv6Loopback(): Promise<boolean> {
  const socket = createSocket('udp6');
  try {
    return await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(0, '::1', () => resolve(true));
    });
  } finally {
    try {
      socket.close();
    } catch {
      // Never bound: nothing to close.
    }
  }
}

/** The zone a name is in: its last two labels. */
function zoneOf(name: string): string {
  return name.toLowerCase().replace(/\.$/, '').split('.').slice(-2).join('.');
}

/** Starts the sandbox's DNS, serving the TXT records `published` lists at each query. */
export async function startSandboxDns(
  published: () => readonly { name: string; value: string }[],
): Promise<SandboxDns> {
  const addresses = ['127.0.0.1', ...((await hasIpv6Loopback()) ? ['::1'] : [])];
  const records = (qname: string): FakeRecord[] => {
    const zone = zoneOf(qname);
    const out: FakeRecord[] = [
      { name: zone, type: 'SOA', data: { mname: SANDBOX_NAMESERVER } },
      { name: zone, type: 'NS', data: SANDBOX_NAMESERVER },
    ];
    if (zone === zoneOf(SANDBOX_NAMESERVER)) {
      for (const address of addresses) {
        out.push({ name: SANDBOX_NAMESERVER, type: address.includes(':') ? 'AAAA' : 'A', data: address });
      }
    }
    for (const { name, value } of published()) {
      const owner = name.toLowerCase().replace(/\.$/, '');
      if (zoneOf(owner) === zone) out.push({ name: owner, type: 'TXT', data: value });
    }
    return out;
  };
  const fake = await startFakeDns({ listeners: addresses.map((address) => ({ address, records })) });
  return {
    fake,
    settings: { resolvers: [{ host: '127.0.0.1', port: fake.port }], port: fake.port },
    close: () => fake.close(),
  };
}
