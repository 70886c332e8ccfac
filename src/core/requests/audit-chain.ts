/**
 * The audit trail's hash chain. Every stored event carries `hash`: the hex SHA-256 of the hash
 * of the event before it followed by this event's canonical form (UTF-8). The first event's
 * predecessor is GENESIS, 64 zeros. The canonical form is the event's JSON document as
 * `audit --jsonl` prints it, without `hash`: `seq`, `at` (ISO 8601), `requestId`, `actor`
 * (`platform`, `id`, `email`), `type`, `from`, `to`, `details`; members absent from the event
 * are left out, object members are sorted by name (JavaScript's string order) at every level,
 * and there is no whitespace. `seq` is part of it, so an event moved to another place no longer
 * matches its hash. Anyone holding the JSON Lines can recompute the chain.
 *
 * An edit, a deletion or a swap of stored events breaks the chain at the first event involved:
 * `verifyAuditChain` walks it from the genesis in `seq` order, a page at a time, and names that
 * event. What a chain without a secret cannot catch: someone who rewrites an event and recomputes
 * every hash after it (and the store's record of the head). A copy of the events kept elsewhere
 * (`audit --follow --jsonl`) pins the hashes as they were.
 */
import { createHash } from 'node:crypto';
import type { AuditEvent, RequestStore } from './store.ts';

/** The hash before the first event. */
export const GENESIS = '0'.repeat(64);

/** `value` as JSON with object members sorted by name at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  // Plain JSON data (what events hold) in one pass; anything else through JSON first, so that
  // `toJSON`, undefined members and the like are as JSON.stringify has them. Both give the same text.
  const direct = plainJson(value, 0);
  if (direct !== undefined) return direct;
  const text = JSON.stringify(value);
  return text === undefined ? 'null' : sorted(JSON.parse(text));
}

/**
 * The names of an object's members in JavaScript's string order (UTF-16 code units, as `sort()`
 * orders them). An event's objects have a few members, often in order already: sorted in place
 * by insertion, without the work array `sort()` allocates; larger ones by `sort()`.
 */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** Deeper than this, `plainJson` leaves the value to JSON.stringify (which also names a cycle). */
const PLAIN_DEPTH = 100;

/**
 * The canonical JSON of plain JSON data (plain objects, arrays without holes, strings, finite
 * numbers, booleans, null) without a copy of it; undefined when `value` holds anything else (a
 * `toJSON`, undefined, a function, a non-finite number, a class instance).
 */
function plainJson(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'object': {
      if (value === null) return 'null';
      if (depth >= PLAIN_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function')
        return undefined;
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) return undefined;
          const item = plainJson(value[i], depth + 1);
          if (item === undefined) return undefined;
          out += i === 0 ? item : `,${item}`;
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return undefined;
      const record = value as Record<string, unknown>;
      const keys = sortedKeys(record);
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        const member = plainJson(record[key], depth + 1);
        if (member === undefined) return undefined;
        out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${member}`;
      }
      return `${out}}`;
    }
    default:
      return undefined;
  }
}

function sorted(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sorted).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${sorted(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The members of an event the hash covers, as the JSON document shows them (all but `hash`). */
export function chainedMembers(event: AuditEvent): Record<string, unknown> {
  const { platform, id, email } = event.actor;
  return {
    seq: event.seq,
    at: new Date(event.at).toISOString(),
    requestId: event.requestId,
    actor: email === undefined ? { platform, id } : { platform, id, email },
    type: event.type,
    ...(event.from === undefined ? {} : { from: event.from }),
    ...(event.to === undefined ? {} : { to: event.to }),
    ...(event.details === undefined ? {} : { details: event.details }),
  };
}

/** The canonical form of a stored event (it needs its `seq`). */
export function canonicalAuditEvent(event: AuditEvent): string {
  if (event.seq === undefined) throw new Error('an audit event is hashed with its seq');
  return canonicalJson(chainedMembers(event));
}

/** The hash of `event` after the event whose hash is `previous` (GENESIS for the first). */
export function auditHash(previous: string, event: AuditEvent): string {
  return createHash('sha256')
    .update(previous + canonicalAuditEvent(event), 'utf8')
    .digest('hex');
}

/** Whether `event` is stored right after the event whose hash is `previous`. */
export function follows(previous: string, event: AuditEvent): boolean {
  return event.hash !== undefined && event.hash === auditHash(previous, event);
}

/** What is wrong where the chain breaks. */
export type ChainProblem =
  /** The event (or its hash) was changed after it was appended. */
  | 'edited'
  /** Events before it are gone. */
  | 'missing'
  /** Events changed places. */
  | 'reordered'
  /** The event does not follow from the one before it (that one rewritten with a new hash, or this one changed). */
  | 'chain_broken'
  /** Events after the store's record of the head: not appended by domainops. */
  | 'added';

export type ChainReport =
  | { ok: true; checked: number }
  | { ok: false; checked: number; badSeq: number; problem: ChainProblem; message: string };

/** What the verifier reads: the events in `seq` order, a page at a time, and the recorded head. */
export type ChainSource = Pick<RequestStore, 'changesSince' | 'auditHead'>;

/** How many events one read takes. */
const PAGE = 1000;

/**
 * Recomputes the chain from the genesis in `seq` order, reading a page at a time (memory stays
 * flat however long the trail), and ends with the store's record of the head: events deleted
 * from the end show there. Events appended while it runs are checked too. The report names the
 * first bad `seq` and why.
 */
export async function verifyAuditChain(
  source: ChainSource,
  options: { page?: number } = {},
): Promise<ChainReport> {
  const page = options.page ?? PAGE;
  let checked = 0;
  let prevSeq = 0;
  let prevHash = GENESIS;
  let buffer: AuditEvent[] = [];
  let index = 0;
  /** The event after `after` in order, read a page ahead; undefined at the end. */
  let readFrom = 0;
  let ended = false;
  const peek = async (offset: number): Promise<AuditEvent | undefined> => {
    while (index + offset >= buffer.length && !ended) {
      const more = await source.changesSince(readFrom, { limit: page });
      if (more.length === 0) {
        ended = true;
        break;
      }
      buffer = [...buffer.slice(index), ...more];
      index = 0;
      readFrom = more.at(-1)!.seq!;
    }
    return buffer[index + offset];
  };

  for (;;) {
    const event = await peek(0);
    if (event === undefined) {
      const head = await source.auditHead();
      if (head.seq > prevSeq) {
        // Appended since the last read, or deleted from the end: read again to tell.
        ended = false;
        if ((await peek(0)) !== undefined) continue;
        return {
          ok: false,
          checked,
          badSeq: prevSeq + 1,
          problem: 'missing',
          message: `the events after seq ${prevSeq} up to seq ${head.seq} are missing (deleted); the store recorded seq ${head.seq} as the newest`,
        };
      }
      if (head.seq < prevSeq) {
        return {
          ok: false,
          checked: checked - (prevSeq - head.seq),
          badSeq: head.seq + 1,
          problem: 'added',
          message: `the events from seq ${head.seq + 1} on were not appended by domainops: the store recorded seq ${head.seq} as the newest`,
        };
      }
      if (head.hash !== prevHash) {
        return {
          ok: false,
          checked: checked - 1,
          badSeq: prevSeq,
          problem: 'edited',
          message: `seq ${prevSeq} (the newest) was changed after it was appended: its hash is not the one recorded with it`,
        };
      }
      return { ok: true, checked };
    }
    const seq = event.seq!;
    if (follows(prevHash, event)) {
      checked++;
      prevSeq = seq;
      prevHash = event.hash!;
      index++;
      continue;
    }
    const next = await peek(1);
    return { ok: false, checked, ...diagnose(prevSeq, prevHash, event, next) };
  }
}

/** Why `event` does not follow the event `prevSeq` (hash `prevHash`), looking at the one after it. */
function diagnose(
  prevSeq: number,
  prevHash: string,
  event: AuditEvent,
  next: AuditEvent | undefined,
): { badSeq: number; problem: ChainProblem; message: string } {
  const seq = event.seq!;
  if (seq > prevSeq + 1) {
    const gone = seq - 1 === prevSeq + 1 ? `seq ${prevSeq + 1} is` : `seq ${prevSeq + 1} to ${seq - 1} are`;
    return {
      badSeq: prevSeq + 1,
      problem: 'missing',
      message: `${gone} missing (deleted): seq ${seq} does not follow from ${prevSeq === 0 ? 'the genesis' : `seq ${prevSeq}`}`,
    };
  }
  if (event.hash === undefined) {
    return {
      badSeq: seq,
      problem: 'edited',
      message: `seq ${seq} has no hash: it was changed after it was appended`,
    };
  }
  const adjacent = next !== undefined && next.seq === seq + 1;
  if (adjacent) {
    // The event stored after this one is the one appended here: the two changed places.
    const moved = auditHash(prevHash, { ...next, seq });
    if (moved === next.hash || moved === event.hash) {
      return {
        badSeq: seq,
        problem: 'reordered',
        message: `seq ${seq} and seq ${seq + 1} changed places: the event appended as seq ${seq} is stored as seq ${seq + 1}`,
      };
    }
    // The next event still follows from this one's stored hash: its hash is genuine, its content
    // is not (or the one before it was rewritten with a recomputed hash: the two look the same).
    if (follows(event.hash, next)) {
      const or = prevSeq === 0 ? '' : ` (or seq ${prevSeq} was rewritten with a recomputed hash)`;
      return {
        badSeq: seq,
        problem: 'edited',
        message: `seq ${seq} was changed after it was appended: its content no longer matches its hash${or}`,
      };
    }
    // The next event follows from the hash this content should have: its hash was replaced.
    if (follows(auditHash(prevHash, event), next)) {
      return {
        badSeq: seq,
        problem: 'edited',
        message: `seq ${seq} was changed after it was appended: its hash was replaced`,
      };
    }
  }
  const before = prevSeq === 0 ? 'the genesis' : `seq ${prevSeq}`;
  return {
    badSeq: seq,
    problem: 'chain_broken',
    message: `seq ${seq} does not follow from ${before}: seq ${seq} was changed${prevSeq === 0 ? '' : `, or seq ${prevSeq} was rewritten with a recomputed hash`}`,
  };
}
