/**
 * The audit hash chain as every store module writes it (src/core/requests/audit-chain.ts): the
 * canonical form of an event, its hash, and the verifier's reading of a chain (page by page,
 * the head at the end, and what it says about the first bad event). The stores' own chains,
 * and chains tampered with by SQL, are checked by the store contract (test/contracts/).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditDocument } from '../../src/core/requests/audit.ts';
import {
  auditHash,
  type ChainSource,
  canonicalAuditEvent,
  canonicalJson,
  GENESIS,
  verifyAuditChain,
} from '../../src/core/requests/audit-chain.ts';
import type { AuditEvent, AuditHead } from '../../src/core/requests/store.ts';
import { chainRows, toAuditEvent } from '../../src/stores/rows.ts';

const T0 = Date.UTC(2030, 0, 1);

const approved: AuditEvent = {
  seq: 1,
  at: T0,
  requestId: 'r-1',
  actor: { platform: 'slack', id: 'UALICE', email: 'alice@corp.com' },
  type: 'approved',
  from: 'pending',
  to: 'approved',
  details: { b: 'ü', a: [1, { y: null, x: true }] },
};

const CANONICAL =
  '{"actor":{"email":"alice@corp.com","id":"UALICE","platform":"slack"},"at":"2030-01-01T00:00:00.000Z",' +
  '"details":{"a":[1,{"x":true,"y":null}],"b":"ü"},"from":"pending","requestId":"r-1","seq":1,"to":"approved","type":"approved"}';

/** A valid chain of `n` events (seq 1…n), as a store would have stored it. */
function chain(n: number): AuditEvent[] {
  const events: AuditEvent[] = Array.from({ length: n }, (_, i) => ({
    at: T0 + i * 1000,
    requestId: `r-${Math.floor(i / 2)}`,
    actor: { platform: 'cli', id: 'alice@corp.com', email: 'alice@corp.com' },
    type: i % 2 === 0 ? 'submitted' : 'refused',
    ...(i % 2 === 0 ? { to: 'pending' as const } : {}),
    details: { n: i },
  }));
  return chainRows({ seq: 0, hash: GENESIS }, events).rows.map((row) =>
    toAuditEvent(row as unknown as Record<string, unknown>),
  );
}

/** The head a store records for `events`. */
const headOf = (events: readonly AuditEvent[]): AuditHead =>
  events.length === 0 ? { seq: 0, hash: GENESIS } : { seq: events.at(-1)!.seq!, hash: events.at(-1)!.hash! };

/** The events and head as a store holds them, read like a store reads them (pages in seq order). */
function source(events: AuditEvent[], head: AuditHead = headOf(events)) {
  const reads: { after: number; limit: number | undefined }[] = [];
  const src: ChainSource & { reads: typeof reads; events: AuditEvent[]; head: AuditHead } = {
    reads,
    events,
    head,
    async changesSince(seq, options = {}) {
      reads.push({ after: seq, limit: options.limit });
      return src.events
        .filter((e) => e.seq! > seq)
        .sort((a, b) => a.seq! - b.seq!)
        .slice(0, options.limit ?? 100)
        .map((e) => structuredClone(e));
    },
    async auditHead() {
      return src.head;
    },
  };
  return src;
}

describe('the canonical form', () => {
  it('sorts members at every level, keeps arrays in order, leaves out what is absent, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined }, e: 'x y' })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1,"e":"x y"}',
    );
    expect(canonicalJson({ when: new Date(T0) })).toBe('{"when":"2030-01-01T00:00:00.000Z"}');
  });

  it('is the JSON document of `audit --jsonl` without the hash: at in ISO 8601, seq included', () => {
    expect(canonicalAuditEvent(approved)).toBe(CANONICAL);
    // The order the members were given in changes nothing.
    const reordered = JSON.parse(
      JSON.stringify({ ...approved, details: { a: approved.details!.a, b: 'ü' } }),
    );
    expect(canonicalAuditEvent(reordered)).toBe(CANONICAL);
    const { hash: _hash, ...document } = auditDocument({ ...approved, hash: 'h' });
    expect(canonicalJson(document)).toBe(CANONICAL);
    // Absent members are left out, not written as null.
    expect(
      canonicalAuditEvent({
        seq: 7,
        at: T0,
        requestId: 'r-2',
        actor: { platform: 'system', id: 'domainops' },
        type: 'refused',
      }),
    ).toBe(
      '{"actor":{"id":"domainops","platform":"system"},"at":"2030-01-01T00:00:00.000Z","requestId":"r-2","seq":7,"type":"refused"}',
    );
    const { seq: _seq, ...unstored } = approved;
    expect(() => canonicalAuditEvent(unstored)).toThrow(/seq/);
  });

  it('hashes the previous hash followed by the canonical form, starting from 64 zeros', () => {
    expect(GENESIS).toBe('0'.repeat(64));
    const expected = createHash('sha256')
      .update(GENESIS + CANONICAL, 'utf8')
      .digest('hex');
    expect(auditHash(GENESIS, approved)).toBe(expected);
    // Pinned, so that a copy of the trail can be checked by other tools.
    expect(auditHash(GENESIS, approved)).toBe(
      'aca2f62fe44ab6f5deacb938ff9010e2cde2816887c2c42ecdec7b3e030b5d24',
    );
    const other = new Set([
      auditHash(GENESIS, approved),
      auditHash('1'.repeat(64), approved),
      auditHash(GENESIS, { ...approved, seq: 2 }),
      auditHash(GENESIS, { ...approved, at: T0 + 1 }),
      auditHash(GENESIS, { ...approved, details: { ...approved.details, b: 'u' } }),
      auditHash(GENESIS, { ...approved, actor: { platform: 'slack', id: 'UALICE' } }),
      auditHash(GENESIS, { ...approved, to: 'denied' }),
    ]);
    expect(other.size).toBe(7);
  });

  it('links each row a store writes to the one before, as the row reads back', () => {
    const { details: _details, ...bare } = approved;
    const bob: AuditEvent = { ...bare, actor: { platform: 'cli', id: 'bob@corp.com' } };
    const { rows, head } = chainRows({ seq: 41, hash: 'f'.repeat(64) }, [
      { ...approved, seq: 999, hash: 'ignored' },
      bob,
    ]);
    expect(rows.map((r) => r.seq)).toEqual([42, 43]);
    expect(rows[0]!.hash).toBe(auditHash('f'.repeat(64), { ...approved, seq: 42 }));
    expect(rows[1]!.hash).toBe(auditHash(rows[0]!.hash, { ...bob, seq: 43 }));
    expect(rows[1]!.actor_email).toBeNull();
    expect(rows[1]!.details).toBeNull();
    expect(head).toEqual({ seq: 43, hash: rows[1]!.hash });
  });
});

describe('verifying a chain', () => {
  it('checks every event from the genesis, a page at a time, and the head at the end', async () => {
    const src = source(chain(7));
    expect(await verifyAuditChain(src, { page: 2 })).toEqual({ ok: true, checked: 7 });
    expect(src.reads.every((r) => r.limit === 2)).toBe(true);
    expect(src.reads.map((r) => r.after)).toEqual([0, 2, 4, 6, 7]);
    expect(await verifyAuditChain(source([]))).toEqual({ ok: true, checked: 0 });
  });

  it('checks events appended while it reads, and reads again when the head moved on', async () => {
    const all = chain(6);
    const src = source(all.slice(0, 3), headOf(all.slice(0, 3)));
    const read = src.changesSince;
    src.changesSince = async (seq, options) => {
      const page = await read(seq, options);
      // The first time the end is reached, another process appends three more.
      if (page.length === 0 && src.events.length === 3) {
        src.head = headOf(all);
        src.events = all;
      }
      return page;
    };
    expect(await verifyAuditChain(src, { page: 2 })).toEqual({ ok: true, checked: 6 });
  });

  it('names an edited event', async () => {
    const events = chain(6);
    events[2]!.details = { n: 99 };
    expect(await verifyAuditChain(source(events))).toEqual({
      ok: false,
      checked: 2,
      badSeq: 3,
      problem: 'edited',
      message:
        'seq 3 was changed after it was appended: its content no longer matches its hash (or seq 2 was rewritten with a recomputed hash)',
    });
    const first = chain(3);
    first[0]!.type = 'approved';
    expect(await verifyAuditChain(source(first))).toMatchObject({
      badSeq: 1,
      problem: 'edited',
      message: 'seq 1 was changed after it was appended: its content no longer matches its hash',
    });
  });

  it('names an event whose hash was replaced', async () => {
    const events = chain(6);
    events[3]!.hash = 'a'.repeat(64);
    expect(await verifyAuditChain(source(events))).toMatchObject({
      ok: false,
      checked: 3,
      badSeq: 4,
      problem: 'edited',
      message: 'seq 4 was changed after it was appended: its hash was replaced',
    });
  });

  it('names an event rewritten with a recomputed hash at the next one, which no longer follows from it', async () => {
    const events = chain(6);
    events[2]!.details = { n: 99 };
    events[2]!.hash = auditHash(events[1]!.hash!, events[2]!);
    // What the chain shows is the same as an edit of seq 4: the message names both.
    expect(await verifyAuditChain(source(events))).toMatchObject({
      ok: false,
      checked: 3,
      badSeq: 4,
      problem: 'edited',
      message: expect.stringContaining('or seq 3 was rewritten with a recomputed hash'),
    });
  });

  it('says the chain breaks where neither the event nor the one after it can tell more', async () => {
    const events = chain(4);
    const head = headOf(events);
    events[3]!.details = { n: 99 };
    expect(await verifyAuditChain(source(events, head))).toEqual({
      ok: false,
      checked: 3,
      badSeq: 4,
      problem: 'chain_broken',
      message:
        'seq 4 does not follow from seq 3: seq 4 was changed, or seq 3 was rewritten with a recomputed hash',
    });
  });

  it('names a deleted event (the first of several), the first event too', async () => {
    const events = chain(6);
    expect(await verifyAuditChain(source(events.filter((e) => e.seq !== 3)))).toEqual({
      ok: false,
      checked: 2,
      badSeq: 3,
      problem: 'missing',
      message: 'seq 3 is missing (deleted): seq 4 does not follow from seq 2',
    });
    expect(await verifyAuditChain(source(events.filter((e) => e.seq! < 2 || e.seq! > 4)))).toMatchObject({
      badSeq: 2,
      problem: 'missing',
      message: 'seq 2 to 4 are missing (deleted): seq 5 does not follow from seq 1',
    });
    expect(await verifyAuditChain(source(events.slice(1)))).toMatchObject({
      checked: 0,
      badSeq: 1,
      problem: 'missing',
    });
  });

  it('names events deleted from the end by the head the store recorded', async () => {
    const events = chain(6);
    expect(await verifyAuditChain(source(events.slice(0, 4), headOf(events)))).toEqual({
      ok: false,
      checked: 4,
      badSeq: 5,
      problem: 'missing',
      message:
        'the events after seq 4 up to seq 6 are missing (deleted); the store recorded seq 6 as the newest',
    });
  });

  it('names the newest event changed with a recomputed hash by the head the store recorded', async () => {
    const events = chain(4);
    const head = headOf(events);
    events[3]!.details = { n: 99 };
    events[3]!.hash = auditHash(events[2]!.hash!, events[3]!);
    expect(await verifyAuditChain(source(events, head))).toMatchObject({
      ok: false,
      checked: 3,
      badSeq: 4,
      problem: 'edited',
    });
  });

  it('names events added after the head the store recorded', async () => {
    const events = chain(5);
    expect(await verifyAuditChain(source(events, headOf(events.slice(0, 3))))).toMatchObject({
      ok: false,
      checked: 3,
      badSeq: 4,
      problem: 'added',
    });
  });

  it('names two events that changed places, whether their hashes moved with them or not', async () => {
    const swapped = chain(6);
    const [a, b] = [swapped[2]!, swapped[3]!];
    swapped[2] = { ...b, seq: 3 };
    swapped[3] = { ...a, seq: 4 };
    const report = {
      ok: false,
      checked: 2,
      badSeq: 3,
      problem: 'reordered',
      message: 'seq 3 and seq 4 changed places: the event appended as seq 3 is stored as seq 4',
    };
    expect(await verifyAuditChain(source(swapped))).toEqual(report);
    const contentOnly = chain(6);
    const [c, d] = [contentOnly[2]!, contentOnly[3]!];
    contentOnly[2] = { ...d, seq: 3, hash: c.hash! };
    contentOnly[3] = { ...c, seq: 4, hash: d.hash! };
    expect(await verifyAuditChain(source(contentOnly))).toEqual(report);
  });

  it('accepts a gap in seq that the chain spans (seqs a server database never used before the chain)', async () => {
    const events = chain(3);
    const later: AuditEvent = { ...events[2]!, seq: 10 };
    later.hash = auditHash(events[1]!.hash!, later);
    const gappy = [events[0]!, events[1]!, later];
    expect(await verifyAuditChain(source(gappy))).toEqual({ ok: true, checked: 3 });
  });
});
