/**
 * One DNS query on the wire (RFC 1035): a UDP datagram, and the same query again over TCP when
 * the answer comes back truncated (TC set; RFC 7766: "TCP ... when the response is truncated").
 * Messages are encoded and decoded with `dns-packet`. The caller chooses the RD (recursion
 * desired) bit: off for an authoritative server, so that it answers from its own zone data only.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIP, Socket } from 'node:net';
import * as packet from 'dns-packet';
import type { DnsServerAddress } from '../../src/core/config/types.ts';

/** The record types domainops asks for. */
export type QueryType = 'SOA' | 'NS' | 'A' | 'AAAA' | 'TXT' | 'CNAME';

/** A decoded answer as the checker reads it. */
export interface DnsReply {
  /** `NOERROR`, `NXDOMAIN`, `SERVFAIL`, `REFUSED`, … */
  rcode: string;
  /** AA: the server answered from a zone it is authoritative for. */
  authoritative: boolean;
  answers: packet.Answer[];
  authorities: packet.Answer[];
  /** Whether the answer came over TCP (after a truncated UDP answer). */
  tcp: boolean;
}

export interface QueryOptions {
  /** The RD bit: true for a recursive resolver, false for an authoritative nameserver. */
  recursion: boolean;
  /** How long to wait for each answer (ms). */
  timeout: number;
  signal?: AbortSignal;
}

/** Why a query got no answer: `timeout` (nothing came back in time) or `network` (it could not be sent or read). */
export class DnsQueryError extends Error {
  readonly kind: 'timeout' | 'network' | 'bad-answer';
  constructor(kind: 'timeout' | 'network' | 'bad-answer', message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'DnsQueryError';
    this.kind = kind;
  }
}

/** The UDP payload size announced with EDNS(0) (RFC 6891): the DNS Flag Day 2020 value. */
const EDNS_PAYLOAD = 1232;

/** How a query is sent: the default is `sendQuery`; tests may count or reroute queries. */
export type QueryFn = (
  server: DnsServerAddress,
  question: { name: string; type: QueryType },
  options: QueryOptions,
) => Promise<DnsReply>;

function encodeQuery(id: number, name: string, type: QueryType, recursion: boolean): Buffer {
  return packet.encode({
    type: 'query',
    id,
    flags: recursion ? packet.RECURSION_DESIRED : 0,
    questions: [{ type, name, class: 'IN' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: EDNS_PAYLOAD,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [],
      },
    ],
  });
}

/** The reply to our query: same id, a response, the question we asked; undefined for anything else. */
function decodeReply(
  buffer: Buffer,
  id: number,
  name: string,
  type: QueryType,
): packet.DecodedPacket | undefined {
  let decoded: packet.DecodedPacket;
  try {
    decoded = packet.decode(buffer);
  } catch {
    return undefined;
  }
  if (decoded.id !== id || decoded.type !== 'response') return undefined;
  const q = decoded.questions?.[0];
  if (q !== undefined && (q.name.toLowerCase() !== name.toLowerCase() || q.type !== type)) return undefined;
  return decoded;
}

function toReply(decoded: packet.DecodedPacket, tcp: boolean): DnsReply {
  const rcode = (decoded as packet.DecodedPacket & { rcode?: string }).rcode ?? 'NOERROR';
  return {
    rcode,
    authoritative: decoded.flag_aa,
    answers: decoded.answers ?? [],
    authorities: decoded.authorities ?? [],
    tcp,
  };
}

function aborted(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** Sends one query over UDP; resolves with the decoded answer (possibly truncated). */
function overUdp(
  server: DnsServerAddress,
  name: string,
  type: QueryType,
  options: QueryOptions,
): Promise<packet.DecodedPacket> {
  const id = randomInt(0, 65536);
  const message = encodeQuery(id, name, type, options.recursion);
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(aborted(options.signal));
    const socket = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
    let settled = false;
    const finish = (error: Error | undefined, reply?: packet.DecodedPacket): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.close();
      if (error) reject(error);
      else resolve(reply!);
    };
    const onAbort = (): void => finish(aborted(options.signal));
    const timer = setTimeout(
      () => finish(new DnsQueryError('timeout', `no answer within ${options.timeout} ms`)),
      options.timeout,
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (error) => finish(new DnsQueryError('network', error.message, error)));
    socket.on('message', (buffer, from) => {
      // A datagram from anywhere else, or for another query, is not our answer (RFC 5452).
      if (from.port !== server.port) return;
      const reply = decodeReply(buffer, id, name, type);
      if (reply) finish(undefined, reply);
    });
    socket.send(message, server.port, server.host, (error) => {
      if (error) finish(new DnsQueryError('network', error.message, error));
    });
  });
}

/** Sends one query over TCP: a two-byte length before each message (RFC 1035, 4.2.2). */
function overTcp(
  server: DnsServerAddress,
  name: string,
  type: QueryType,
  options: QueryOptions,
): Promise<packet.DecodedPacket> {
  const id = randomInt(0, 65536);
  const message = encodeQuery(id, name, type, options.recursion);
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(aborted(options.signal));
    const socket = new Socket();
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (error: Error | undefined, reply?: packet.DecodedPacket): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(reply!);
    };
    const onAbort = (): void => finish(aborted(options.signal));
    const timer = setTimeout(
      () => finish(new DnsQueryError('timeout', `no answer over TCP within ${options.timeout} ms`)),
      options.timeout,
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (error) => finish(new DnsQueryError('network', error.message, error)));
    socket.on('close', () => finish(new DnsQueryError('network', 'the server closed the TCP connection')));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 2) {
        const length = received.readUInt16BE(0);
        if (received.length < 2 + length) return;
        const reply = decodeReply(received.subarray(2, 2 + length), id, name, type);
        received = received.subarray(2 + length);
        if (reply) return finish(undefined, reply);
      }
    });
    socket.connect(server.port, server.host, () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    });
  });
}

/** Asks `server` one question; a truncated UDP answer is asked again over TCP. */
export const sendQuery: QueryFn = async (server, question, options) => {
  const { name, type } = question;
  let udp: packet.DecodedPacket;
  try {
    udp = await overUdp(server, name, type, options);
  } catch (error) {
    if (error instanceof DnsQueryError || options.signal?.aborted) throw error;
    throw new DnsQueryError('network', error instanceof Error ? error.message : String(error), error);
  }
  if (!udp.flag_tc) return toReply(udp, false);
  return toReply(await overTcp(server, name, type, options), true);
};
