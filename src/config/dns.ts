import { isIP } from 'node:net';
import { z } from 'zod';
import { duration } from '../core/config/fields.ts';
import { DNS_DEFAULTS, type DnsServerAddress } from '../core/config/types.ts';

/**
 * A DNS server as written in `dns.resolvers` (and as node:dns `getServers()` lists the system's):
 * `1.1.1.1`, `9.9.9.9:5353`, `2606:4700::1`, `[2606:4700::1]:53`. Undefined, with the reason,
 * when it is none of these.
 */
export function parseDnsServer(
  text: string,
  defaultPort = 53,
): { ok: true; server: DnsServerAddress } | { ok: false; message: string } {
  const value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  let host: string;
  let port: string | undefined;
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2];
    if (isIP(host) !== 6) return { ok: false, message: `"${text}": only an IPv6 address goes in [brackets]` };
  } else if (isIP(value) === 6) {
    host = value;
  } else {
    const colon = value.lastIndexOf(':');
    host = colon === -1 ? value : value.slice(0, colon);
    port = colon === -1 ? undefined : value.slice(colon + 1);
    if (isIP(host) !== 4) {
      return {
        ok: false,
        message: `"${text}" is not an IP address: write 1.1.1.1, 9.9.9.9:5353 or [2606:4700::1]:53 (a resolver's name would need a resolver to find it)`,
      };
    }
  }
  const number = port === undefined ? defaultPort : /^\d{1,5}$/.test(port) ? Number(port) : Number.NaN;
  if (!Number.isInteger(number) || number < 1 || number > 65535) {
    return { ok: false, message: `"${text}": the port must be 1-65535` };
  }
  return { ok: true, server: { host, port: number } };
}

/** `1.1.1.1:53`, `[2606:4700::1]:53`: a server as messages show it. */
export function formatDnsServer(server: DnsServerAddress): string {
  return isIP(server.host) === 6 ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

const resolver = z
  .string({ error: 'a resolver is an IP address with an optional port' })
  .transform((v, ctx) => {
    const parsed = parseDnsServer(v);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    }
    return parsed.server;
  });

/** The `dns:` section; every member has a default (see DNS_DEFAULTS). */
export const dnsSchema = z
  .strictObject({
    resolvers: z.array(resolver).default([]),
    port: z.number({ error: 'port is a number (53)' }).int().min(1).max(65535).default(DNS_DEFAULTS.port),
    timeout: duration.default(DNS_DEFAULTS.timeout),
    interval: duration.default(DNS_DEFAULTS.interval),
    wait: duration.default(DNS_DEFAULTS.wait),
    precheck: z.boolean({ error: 'precheck is true or false' }).default(DNS_DEFAULTS.precheck),
    ipv6: z.boolean({ error: 'ipv6 is true or false' }).default(true),
  })
  .default({ ...DNS_DEFAULTS, resolvers: [], ipv6: true });
