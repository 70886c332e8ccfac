/**
 * The audit chain's canonical JSON takes a one-pass path for plain JSON data (no copy through
 * JSON.stringify and JSON.parse): it must give exactly the text the copy gives, for every value,
 * since stored hashes were computed with it and anyone recomputes them from `audit --jsonl`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auditHash,
  canonicalAuditEvent,
  canonicalJson,
  GENESIS,
} from '../../src/core/requests/audit-chain.ts';
import type { AuditEvent } from '../../src/core/requests/store.ts';

/** The canonical JSON as it was computed before: through JSON, then members sorted at every level. */
function reference(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'null' : sorted(JSON.parse(text));
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

describe('canonicalJson', () => {
  it('gives the same text as through JSON for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same text for values JSON changes (undefined, toJSON, holes, -0, NaN, class instances)', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withDate: true,
          withNullPrototype: true,
          withSparseArray: true,
          withBoxedValues: true,
          withObjectString: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
        }),
        (value) => {
          expect(canonicalJson(value)).toBe(reference(value));
        },
      ),
      { numRuns: 2000 },
    );
    const cases: unknown[] = [
      undefined,
      -0,
      [-0, Number.NaN, Number.POSITIVE_INFINITY],
      { b: undefined, a: () => 1, c: Symbol('s'), d: 1 },
      [undefined, () => 1],
      // biome-ignore lint/suspicious/noSparseArray: a hole on purpose
      [1, , 3],
      { at: new Date(0), toJSONless: Object.create(null) },
      { toJSON: () => ({ z: 1, a: 2 }) },
      { nested: { toJSON: () => 'text' } },
      new Map([[1, 2]]),
      { 10: 'ten', 9: 'nine', b: 1, a: 2, '': 0, é: 1, Z: 2 },
      { '\ud800': 'lone surrogate', emoji: '😀', quote: '"', nl: '\n' },
      Object.assign(Object.create(null), { b: 1, a: [true, false, null] }),
      Object.assign([1, 2], { extra: 'ignored' }),
      JSON.parse('{"__proto__": {"a": 1}, "b": 2}'),
    ];
    for (const value of cases) expect(canonicalJson(value)).toBe(reference(value));
  });

  it('leaves deep nesting and cycles to JSON.stringify, as before', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 300; i++) deep = { [`k${i % 3}`]: deep, i };
    expect(canonicalJson(deep)).toBe(reference(deep));
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(() => canonicalJson(cycle)).toThrow(TypeError);
    expect(() => canonicalJson({ big: 1n })).toThrow(TypeError);
  });

  it('keeps the canonical form and hash of a stored event', () => {
    // Computed with the canonical form through JSON, before the one-pass path.
    const event = {
      seq: 7,
      at: Date.UTC(2026, 10, 30, 10, 0, 0),
      requestId: 'r-abc123',
      actor: { platform: 'slack', id: 'U0ALICE', email: 'alice@corp.com' },
      type: 'succeeded',
      from: 'executing',
      to: 'succeeded',
      details: { result: { domain: 'corp.ru', verified: true, list: [3, 1, 2] }, a: null },
    } as AuditEvent;
    expect(canonicalAuditEvent(event)).toBe(
      '{"actor":{"email":"alice@corp.com","id":"U0ALICE","platform":"slack"},"at":"2026-11-30T10:00:00.000Z","details":{"a":null,"result":{"domain":"corp.ru","list":[3,1,2],"verified":true}},"from":"executing","requestId":"r-abc123","seq":7,"to":"succeeded","type":"succeeded"}',
    );
    expect(auditHash(GENESIS, event)).toBe(
      'd7fe5eaa3efae1e26d6597189c16f188ddcd9135b99d599870dd05fc71ae43c5',
    );
  });
});
