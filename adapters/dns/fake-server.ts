/**
 * A small DNS server on loopback addresses, for tests and the built-in sandbox: UDP and TCP on
 * one port, each address with its own zone data and behaviour. It answers as an authoritative
 * server does (RFC 1034, 4.3.2): AA set, the records of the name and type asked, a CNAME
 * followed within its own data, NXDOMAIN or NODATA with the zone's SOA in the authority section,
 * REFUSED for a name outside its zones. It answers RD queries the same way, so one instance can
 * also play the recursive resolver (SOA, NS, A, AAAA of every zone). UDP answers larger than 512
 * bytes without EDNS, or than `truncateOver`, are sent truncated (TC), so the client asks again
 * over TCP.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type Server } from 'node:net';
import * as packet from 'dns-packet';

/** A record the fake serves. */
export type FakeRecord =
  | { name: string; type: 'SOA'; data?: Partial<packet.SoaData> }
  | { name: string; type: 'NS' | 'CNAME' | 'A' | 'AAAA'; data: string }
  /** A TXT record: one string, or its character-strings as sent (a long value split in several). */
  | { name: string; type: 'TXT'; data: string | string[] };

/**
 * What one address does with a query: `answer` from its records, `drop` it (never answer:
 * a timeout), answer `refused` or `servfail`, or answer without AA (`lame`: not authoritative).
 */
export type FakeBehaviour = 'answer' | 'drop' | 'refused' | 'servfail' | 'lame';

export interface FakeListener {
  /** A loopback address (127.0.0.0/8 or ::1). */
  address: string;
  /** Its zone data; called for every query with the name asked (so data may be made on demand). */
  records: (name: string) => readonly FakeRecord[];
  behaviour?: FakeBehaviour;
  /**
   * Plays a recursive resolver: a name outside its zones does not exist (NXDOMAIN, as the root
   * would say) instead of being refused, and answers say recursion is available.
   */
  resolver?: boolean;
}

/** A query the fake received. */
export interface ReceivedQuery {
  address: string;
  name: string;
  type: string;
  /** The RD bit of the query. */
  recursion: boolean;
  transport: 'udp' | 'tcp';
}

export interface FakeDns {
  /** The port every address listens on (UDP and TCP). */
  readonly port: number;
  readonly queries: ReceivedQuery[];
  /** Changes what an address does from now on. */
  behave(address: string, behaviour: FakeBehaviour): void;
  close(): Promise<void>;
}

export interface FakeDnsOptions {
  listeners: readonly FakeListener[];
  /** The port for every address; 0 (default): a free one. */
  port?: number;
  /** UDP answers above this size are truncated (default: 512, or the client's EDNS size). */
  truncateOver?: number;
}

/** RFC 1035 RCODEs. */
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

const name = (n: string): string => n.toLowerCase().replace(/\.$/, '');
const under = (n: string, zone: string): boolean => n === zone || n.endsWith(`.${zone}`);

function toAnswer(record: FakeRecord): packet.Answer {
  const owner = name(record.name);
  switch (record.type) {
    case 'SOA':
      return {
        type: 'SOA',
        name: owner,
        ttl: 300,
        data: {
          mname: `ns1.${owner}`,
          rname: `hostmaster.${owner}`,
          serial: 1,
          refresh: 3600,
          retry: 600,
          expire: 86400,
          minimum: 60,
          ...record.data,
        },
      };
    case 'TXT': {
      // A character-string holds at most 255 bytes (RFC 1035, 3.3): a longer value is split.
      const chunks =
        typeof record.data === 'string'
          ? (Buffer.from(record.data)
              .toString('latin1')
              .match(/[\s\S]{1,255}/g) ?? [''])
          : record.data;
      const data = typeof record.data === 'string' ? chunks.map((c) => Buffer.from(c, 'latin1')) : chunks;
      return { type: 'TXT', name: owner, ttl: 60, data };
    }
    default:
      return { type: record.type, name: owner, ttl: 300, data: record.data };
  }
}

/** The answer of an authoritative server holding `records` to (qname, qtype). */
export function authoritativeAnswer(
  records: readonly FakeRecord[],
  qname: string,
  qtype: string,
): { rcode: number; answers: packet.Answer[]; authorities: packet.Answer[] } {
  const zones = records.filter((r) => r.type === 'SOA').map((r) => name(r.name));
  const zoneOf = (n: string): string | undefined =>
    zones.filter((z) => under(n, z)).sort((a, b) => b.length - a.length)[0];
  let current = name(qname);
  const zone = zoneOf(current);
  if (zone === undefined) return { rcode: RCODE.REFUSED, answers: [], authorities: [] };
  const answers: packet.Answer[] = [];
  for (let hops = 0; hops < 8; hops++) {
    const at = records.filter((r) => name(r.name) === current);
    const matching = at.filter((r) => r.type === qtype);
    if (matching.length > 0) {
      answers.push(...matching.map(toAnswer));
      return { rcode: RCODE.NOERROR, answers, authorities: [] };
    }
    const alias = at.find((r) => r.type === 'CNAME');
    if (alias !== undefined && qtype !== 'CNAME') {
      answers.push(toAnswer(alias));
      current = name(String(alias.data));
      // A target outside the zones held here is left to the client to follow.
      if (zoneOf(current) === undefined) return { rcode: RCODE.NOERROR, answers, authorities: [] };
      continue;
    }
    const soa = records.find((r) => r.type === 'SOA' && name(r.name) === zoneOf(current));
    const authorities = soa ? [toAnswer(soa)] : [];
    // A name with records below it exists (an empty non-terminal): NODATA, not NXDOMAIN.
    const exists = at.length > 0 || records.some((r) => name(r.name).endsWith(`.${current}`));
    return { rcode: exists ? RCODE.NOERROR : RCODE.NXDOMAIN, answers, authorities };
  }
  return { rcode: RCODE.SERVFAIL, answers: [], authorities: [] };
}

/** Starts the fake on every listener's address, one port for all. */
export async function startFakeDns(options: FakeDnsOptions): Promise<FakeDns> {
  const queries: ReceivedQuery[] = [];
  const behaviours = new Map(options.listeners.map((l) => [l.address, l.behaviour ?? 'answer']));

  /** The response to a query message, or undefined to send nothing. */
  const respond = (listener: FakeListener, message: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined => {
    let query: packet.DecodedPacket;
    try {
      query = packet.decode(message);
    } catch {
      return undefined;
    }
    const question = query.questions?.[0];
    if (question === undefined) return undefined;
    queries.push({
      address: listener.address,
      name: name(question.name),
      type: question.type,
      recursion: query.flag_rd,
      transport,
    });
    const behaviour = behaviours.get(listener.address) ?? 'answer';
    if (behaviour === 'drop') return undefined;
    const base = {
      type: 'response' as const,
      id: query.id ?? 0,
      questions: [question],
    };
    const recursion =
      (query.flag_rd ? packet.RECURSION_DESIRED : 0) | (listener.resolver ? packet.RECURSION_AVAILABLE : 0);
    if (behaviour === 'refused' || behaviour === 'servfail') {
      const rcode = behaviour === 'refused' ? RCODE.REFUSED : RCODE.SERVFAIL;
      return packet.encode({ ...base, flags: recursion | rcode });
    }
    let found = authoritativeAnswer(listener.records(question.name), question.name, question.type);
    if (listener.resolver && found.rcode === RCODE.REFUSED) found = { ...found, rcode: RCODE.NXDOMAIN };
    const aa =
      behaviour === 'lame' || listener.resolver || found.rcode === RCODE.REFUSED
        ? 0
        : packet.AUTHORITATIVE_ANSWER;
    const full = packet.encode({
      ...base,
      flags: aa | recursion | found.rcode,
      answers: behaviour === 'lame' ? [] : found.answers,
      authorities: found.authorities,
    });
    if (transport === 'tcp') return full;
    const edns = query.additionals?.find((a) => a.type === 'OPT') as packet.OptAnswer | undefined;
    const limit = options.truncateOver ?? Math.max(512, edns?.udpPayloadSize ?? 512);
    if (full.length <= limit) return full;
    return packet.encode({ ...base, flags: aa | recursion | found.rcode | packet.TRUNCATED_RESPONSE });
  };

  const udp: UdpSocket[] = [];
  const tcp: Server[] = [];
  const close = async (): Promise<void> => {
    await Promise.all([
      ...udp.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      ...tcp.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    ]);
  };

  const listen = async (listener: FakeListener, port: number): Promise<number> => {
    const socket = createSocket({ type: isIP(listener.address) === 6 ? 'udp6' : 'udp4' });
    socket.on('message', (message, from) => {
      const reply = respond(listener, message, 'udp');
      if (reply) socket.send(reply, from.port, from.address);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, listener.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    udp.push(socket);
    const bound = socket.address().port;
    const server = createServer((connection) => {
      let received = Buffer.alloc(0);
      connection.on('error', () => {});
      connection.on('data', (chunk) => {
        received = Buffer.concat([received, chunk]);
        while (received.length >= 2) {
          const length = received.readUInt16BE(0);
          if (received.length < 2 + length) return;
          const reply = respond(listener, received.subarray(2, 2 + length), 'tcp');
          received = received.subarray(2 + length);
          if (reply) {
            const prefix = Buffer.alloc(2);
            prefix.writeUInt16BE(reply.length);
            connection.write(Buffer.concat([prefix, reply]));
          }
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(bound, listener.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    tcp.push(server);
    return bound;
  };

  // The first address picks a free port (unless one is given); the others take the same one.
  // Another process may hold that port on another address, or over TCP: then start over.
  for (let attempt = 0; ; attempt++) {
    try {
      let port = options.port ?? 0;
      for (const listener of options.listeners) port = await listen(listener, port);
      return {
        port,
        queries,
        behave: (address, behaviour) => {
          behaviours.set(address, behaviour);
        },
        close,
      };
    } catch (error) {
      await close();
      udp.length = 0;
      tcp.length = 0;
      if (options.port !== undefined || attempt >= 10) throw error;
    }
  }
}

/** Records of a zone: its SOA, its NS set, and each nameserver's addresses. */
export function zoneRecords(
  zone: string,
  nameservers: Readonly<Record<string, readonly string[]>>,
): FakeRecord[] {
  const out: FakeRecord[] = [
    { name: zone, type: 'SOA', data: { mname: Object.keys(nameservers)[0] ?? zone } },
  ];
  for (const [ns, addresses] of Object.entries(nameservers)) {
    out.push({ name: zone, type: 'NS', data: ns });
    for (const address of addresses) {
      out.push({ name: ns, type: isIP(address) === 6 ? 'AAAA' : 'A', data: address });
    }
  }
  return out;
}
