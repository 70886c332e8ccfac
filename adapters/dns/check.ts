/**
 * The DNS check of a challenge record, as the best ACME clients check theirs before asking the
 * CA (lego's precheck): find the zone by walking the name's labels up with SOA queries, take the
 * zone's NS set and each nameserver's IPv4 and IPv6 addresses (through the recursive resolvers),
 * then ask every one of those addresses directly, recursion off, for the TXT records at the name.
 * A record's character-strings are joined before comparing (RFC 7208, 3.3: a long value is split
 * into strings of at most 255 bytes). A CNAME at the name is followed: within the server's answer
 * when it carries the target's records, otherwise at the target zone's own nameservers.
 */
import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import type { Answer } from 'dns-packet';
import { formatDnsServer, parseDnsServer } from '../../src/config/dns.ts';
import type { DnsServerAddress, DnsSettings } from '../../src/core/config/types.ts';
import type { DnsCheck, DnsServerCheck, ExpectedRecord } from './result.ts';
import { DnsQueryError, type DnsReply, type QueryFn, type QueryType, sendQuery } from './wire.ts';

export interface DnsChecker {
  /** The `dns:` settings it runs with (interval, wait and precheck are the callers'). */
  readonly settings: DnsSettings;
  /** Checks where `record` is served now. Never throws for what DNS answers; only when aborted. */
  check(record: ExpectedRecord, options?: { signal?: AbortSignal }): Promise<DnsCheck>;
}

export interface CheckerOptions {
  /** Sends one query (default: UDP, TCP when truncated); tests may wrap it. */
  query?: QueryFn;
  /** The system's resolvers, as node:dns lists them (`getServers()`), when `resolvers` is empty. */
  systemResolvers?: () => string[];
}

/** Tries per query: a lost UDP datagram is asked again once. */
const TRIES = 2;
/** CNAMEs followed at most, within an answer and from zone to zone. */
const MAX_CNAMES = 8;

/** A domain name as compared: lower case, no trailing dot. */
export function dnsName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

const sameName = (a: string, b: string): boolean => dnsName(a) === dnsName(b);

/** A record's data (an OPT pseudo-record has none). */
const dataOf = (answer: Answer): unknown => ('data' in answer ? answer.data : undefined);

/** `3 s`, `200 ms`. */
function duration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** A TXT record's data as one string: its character-strings joined, then read as UTF-8. */
function txtValue(data: unknown): string {
  const chunks = Array.isArray(data) ? data : [data];
  return Buffer.concat(chunks.map((c) => (Buffer.isBuffer(c) ? c : Buffer.from(String(c), 'utf8')))).toString(
    'utf8',
  );
}

/** Why no answer came: `timed out after 3 s`, or the socket's error. */
function queryFailure(error: unknown, timeout: number, address: string): string {
  if (error instanceof DnsQueryError && error.kind === 'timeout')
    return `timed out after ${duration(timeout)}`;
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  const code = (cause as { code?: unknown }).code;
  if (
    isIP(address) === 6 &&
    (code === 'ENETUNREACH' || code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')
  ) {
    // The host, not the nameserver: it has no route to IPv6 addresses.
    return `this host cannot reach IPv6 addresses (${code}); set dns.ipv6: false to ask only the IPv4 addresses`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** No recursive resolver answered a question. */
class ResolverFailure extends Error {}

/** Creates the checker for the `dns:` settings. */
export function createDnsChecker(settings: DnsSettings, options: CheckerOptions = {}): DnsChecker {
  const query = options.query ?? sendQuery;
  const system = options.systemResolvers ?? getServers;
  const { timeout } = settings;

  const resolvers = (): DnsServerAddress[] => {
    if (settings.resolvers.length > 0) return settings.resolvers;
    return system().flatMap((text) => {
      const parsed = parseDnsServer(text);
      return parsed.ok ? [parsed.server] : [];
    });
  };

  /** One query, asked again once when it timed out. */
  const ask = async (
    server: DnsServerAddress,
    name: string,
    type: QueryType,
    recursion: boolean,
    signal: AbortSignal | undefined,
  ): Promise<DnsReply> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await query(server, { name, type }, { recursion, timeout, ...(signal ? { signal } : {}) });
      } catch (error) {
        const retry = error instanceof DnsQueryError && error.kind === 'timeout' && attempt < TRIES;
        if (!retry || signal?.aborted) throw error;
      }
    }
  };

  /** A question for the recursive resolvers, each tried in turn until one answers. */
  const resolve = async (
    name: string,
    type: QueryType,
    signal: AbortSignal | undefined,
  ): Promise<DnsReply> => {
    const servers = resolvers();
    if (servers.length === 0) throw new ResolverFailure('no DNS resolver is configured (set dns.resolvers)');
    const failures: string[] = [];
    for (const server of servers) {
      try {
        const reply = await ask(server, name, type, true, signal);
        if (reply.rcode === 'NOERROR' || reply.rcode === 'NXDOMAIN') return reply;
        failures.push(`${formatDnsServer(server)} answered ${reply.rcode}`);
      } catch (error) {
        if (signal?.aborted) throw error;
        failures.push(`${formatDnsServer(server)}: ${queryFailure(error, timeout, server.host)}`);
      }
    }
    throw new ResolverFailure(`no DNS resolver answered ${type} ${name} (${failures.join('; ')})`);
  };

  /** The zone of `name`: the nearest name at or above it with an SOA record of its own. */
  const findZone = async (name: string, signal: AbortSignal | undefined): Promise<string | undefined> => {
    const labels = dnsName(name).split('.');
    for (let i = 0; i < labels.length; i++) {
      const candidate = labels.slice(i).join('.');
      const reply = await resolve(candidate, 'SOA', signal);
      // An SOA owned by another name (a CNAME's target) does not make this name a zone apex.
      if (reply.answers.some((a) => a.type === 'SOA' && sameName(a.name, candidate))) return candidate;
    }
    return undefined;
  };

  /** The zone's nameservers, by name, sorted. */
  const nameservers = async (zone: string, signal: AbortSignal | undefined): Promise<string[]> => {
    const reply = await resolve(zone, 'NS', signal);
    const names = reply.answers
      .filter((a) => a.type === 'NS' && sameName(a.name, zone))
      .map((a) => dnsName(String(dataOf(a))));
    return [...new Set(names)].sort();
  };

  /** A nameserver's IPv4 and IPv6 addresses, or why they could not be looked up. */
  const addresses = async (
    nameserver: string,
    signal: AbortSignal | undefined,
  ): Promise<{ addresses: string[] } | { error: string }> => {
    try {
      const [v4, v6] = await Promise.all([
        resolve(nameserver, 'A', signal),
        // `dns.ipv6: false`: a host without IPv6 asks only the IPv4 addresses.
        settings.ipv6 === false ? { answers: [] } : resolve(nameserver, 'AAAA', signal),
      ]);
      const found = [
        ...v4.answers.filter((a) => a.type === 'A').map((a) => String(dataOf(a))),
        ...v6.answers.filter((a) => a.type === 'AAAA').map((a) => String(dataOf(a))),
      ];
      return { addresses: [...new Set(found)] };
    } catch (error) {
      if (signal?.aborted) throw error;
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };

  /** The status of what an address serves, from the values at the name. */
  const judge = (record: ExpectedRecord, all: string[]): Pick<DnsServerCheck, 'status' | 'values'> => {
    const values = [
      ...new Set(all.filter((v) => record.prefix === undefined || v.startsWith(record.prefix))),
    ];
    if (record.value != null && values.includes(record.value)) return { status: 'served', values };
    return { status: values.length > 0 ? 'other-value' : 'missing', values };
  };

  /**
   * Asks one address for the TXT records at the name, recursion off. `follow` checks a CNAME
   * target the answer leaves out (it is in another zone).
   */
  const askAddress = async (
    record: ExpectedRecord,
    zone: string,
    nameserver: string,
    address: string,
    follow: (target: string) => Promise<DnsCheck>,
    signal: AbortSignal | undefined,
  ): Promise<DnsServerCheck> => {
    const row = { nameserver, address };
    let reply: DnsReply;
    try {
      reply = await ask({ host: address, port: settings.port }, record.name, 'TXT', false, signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      return { ...row, status: 'error', values: [], error: queryFailure(error, timeout, address) };
    }
    if (reply.rcode !== 'NOERROR' && reply.rcode !== 'NXDOMAIN') {
      return { ...row, status: 'error', values: [], error: reply.rcode };
    }
    if (!reply.authoritative) {
      return { ...row, status: 'error', values: [], error: `not authoritative for ${zone}` };
    }
    // Follow a CNAME chain within the answer, as far as it goes.
    let current = dnsName(record.name);
    let cname: string | undefined;
    for (let hops = 0; hops <= MAX_CNAMES; hops++) {
      const alias = reply.answers.find((a) => a.type === 'CNAME' && sameName(a.name, current));
      if (alias === undefined) break;
      current = dnsName(String(dataOf(alias)));
      cname ??= current;
    }
    const found = reply.answers.filter((a) => a.type === 'TXT' && sameName(a.name, current));
    const inZone = current === zone || current.endsWith(`.${zone}`);
    if (cname !== undefined && found.length === 0 && !inZone && reply.rcode === 'NOERROR') {
      // The target is in another zone: what its own nameservers serve is what this name serves.
      const target = await follow(current);
      const values = [...new Set(target.servers.flatMap((s) => s.values))];
      const judged = judge(record, values);
      if (target.ready) return { ...row, cname, status: 'served', values: judged.values };
      const status = judged.status === 'served' ? 'other-value' : judged.status;
      const errors = target.servers.filter((s) => s.status === 'error').length;
      const why =
        target.problem ??
        `${target.servers.filter((s) => s.status === 'served').length} of ${target.servers.length} of its addresses serve the value`;
      return {
        ...row,
        cname,
        status: errors > 0 && status === 'missing' ? 'error' : status,
        values: judged.values,
        error: `at ${current}: ${why}`,
      };
    }
    const judged = judge(
      record,
      found.map((a) => txtValue(dataOf(a))),
    );
    return { ...row, ...(cname === undefined ? {} : { cname }), ...judged };
  };

  const check = async (
    record: ExpectedRecord,
    signal: AbortSignal | undefined,
    depth: number,
  ): Promise<DnsCheck> => {
    const base = { ready: false, record };
    let zone: string | undefined;
    let names: string[];
    try {
      zone = await findZone(record.name, signal);
      if (zone === undefined) return { ...base, servers: [], problem: `no DNS zone holds ${record.name}` };
      names = await nameservers(zone, signal);
    } catch (error) {
      if (!(error instanceof ResolverFailure)) throw error;
      return { ...base, ...(zone === undefined ? {} : { zone }), servers: [], problem: error.message };
    }
    if (names.length === 0)
      return { ...base, zone, servers: [], problem: `the zone ${zone} has no NS records` };

    // A CNAME target in another zone is checked once, however many addresses point at it.
    const targets = new Map<string, Promise<DnsCheck>>();
    const follow = (target: string): Promise<DnsCheck> => {
      let pending = targets.get(target);
      if (pending === undefined) {
        pending =
          depth >= MAX_CNAMES
            ? Promise.resolve({
                ready: false,
                record: { ...record, name: target },
                servers: [],
                problem: `more than ${MAX_CNAMES} CNAMEs`,
              })
            : check({ ...record, name: target }, signal, depth + 1);
        targets.set(target, pending);
      }
      return pending;
    };

    const rows = await Promise.all(
      names.map(async (nameserver): Promise<DnsServerCheck[]> => {
        const found = await addresses(nameserver, signal);
        if ('error' in found) {
          return [{ nameserver, address: '', status: 'error', values: [], error: found.error }];
        }
        if (found.addresses.length === 0) {
          return [
            {
              nameserver,
              address: '',
              status: 'error',
              values: [],
              error: 'its name has no A or AAAA record',
            },
          ];
        }
        return Promise.all(
          found.addresses.map((address) => askAddress(record, zone!, nameserver, address, follow, signal)),
        );
      }),
    );
    const servers = rows.flat();
    return { ready: servers.every((s) => s.status === 'served'), record, zone, servers };
  };

  return {
    settings,
    check: (record, options = {}) => check({ ...record, name: dnsName(record.name) }, options.signal, 0),
  };
}
