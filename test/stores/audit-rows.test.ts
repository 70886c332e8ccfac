/**
 * An audit row edited behind domainops' back still reads (src/stores/rows.ts): unparsable details
 * or a time that is no number give an event that keeps the raw text and cannot match its hash,
 * so `audit verify` names it and the listings show it instead of crashing. The stores' own rows,
 * edited with SQL, are checked by the tamper contract (test/contracts/stores/audit-tamper.ts).
 */
import { describe, expect, it } from 'vitest';
import { auditDocument } from '../../src/core/requests/audit.ts';
import { follows, GENESIS } from '../../src/core/requests/audit-chain.ts';
import { chainRows, toAuditEvent } from '../../src/stores/rows.ts';

const T0 = Date.UTC(2030, 0, 1);

/** One chained row, as a store stored it. */
function storedRow(): Record<string, unknown> {
  const { rows } = chainRows({ seq: 0, hash: GENESIS }, [
    {
      at: T0,
      requestId: 'r-1',
      actor: { platform: 'cli', id: 'alice@corp.com', email: 'alice@corp.com' },
      type: 'denied',
      from: 'pending',
      to: 'denied',
      details: { reason: 'no' },
    },
  ]);
  return { ...rows[0]! };
}

describe('reading an audit row that was edited badly', () => {
  it('reads an intact row as it was hashed', () => {
    const event = toAuditEvent(storedRow());
    expect(event.details).toEqual({ reason: 'no' });
    expect(follows(GENESIS, event)).toBe(true);
  });

  it('keeps details that are no JSON (or JSON of no object) as their raw text, never matching the hash', () => {
    for (const raw of ['{bad', '5', 'null', '[1,2]', '"text"']) {
      const event = toAuditEvent({ ...storedRow(), details: raw });
      expect(event.details, raw).toEqual({ unreadable: raw });
      expect(follows(GENESIS, event), raw).toBe(false);
      expect(() => JSON.stringify(auditDocument(event))).not.toThrow();
    }
  });

  it('reads a time that is no number as the epoch, its raw text kept, the details too', () => {
    const event = toAuditEvent({ ...storedRow(), at: 'yesterday' });
    expect(event.at).toBe(0);
    expect(event.details).toEqual({ reason: 'no', unreadable: { at: 'yesterday' } });
    expect(auditDocument(event).at).toBe('1970-01-01T00:00:00.000Z');
    expect(follows(GENESIS, event)).toBe(false);
    const both = toAuditEvent({ ...storedRow(), at: 'yesterday', details: '{bad' });
    expect(both.details).toEqual({ unreadable: { at: 'yesterday', details: '{bad' } });
  });
});
