import { describe, expect, it } from 'vitest';
import { auditToJsonLines } from '../../../src/core/requests/audit.ts';
import { newRequestId } from '../../../src/core/requests/model.ts';
import type { AuditEvent } from '../../../src/core/requests/store.ts';

const event = (requestId: string, type: AuditEvent['type'], at = 1000): AuditEvent => ({
  at,
  requestId,
  actor: { platform: 'slack', id: 'UALICE', email: 'alice@corp.com' },
  type,
  to: 'pending',
});

describe('ids and audit export', () => {
  it('makes short, distinct, command-safe ids', () => {
    const ids = new Set(Array.from({ length: 2000 }, newRequestId));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).toMatch(/^r-[0-9a-hjkmnp-tv-z]{8}$/);
  });

  it('exports the audit trail as JSON lines', () => {
    const lines = auditToJsonLines([
      { ...event('r-1', 'submitted', Date.UTC(2030, 0, 1)), seq: 1 },
      {
        seq: 2,
        at: Date.UTC(2030, 0, 1, 0, 1),
        requestId: 'r-1',
        actor: { platform: 'system', id: 'domainops' },
        type: 'expired',
        from: 'pending',
        to: 'expired',
      },
    ]);
    expect(lines.endsWith('\n')).toBe(true);
    const parsed = lines
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(parsed).toEqual([
      {
        seq: 1,
        at: '2030-01-01T00:00:00.000Z',
        requestId: 'r-1',
        actor: { platform: 'slack', id: 'UALICE', email: 'alice@corp.com' },
        type: 'submitted',
        to: 'pending',
      },
      {
        seq: 2,
        at: '2030-01-01T00:01:00.000Z',
        requestId: 'r-1',
        actor: { platform: 'system', id: 'domainops' },
        type: 'expired',
        from: 'pending',
        to: 'expired',
      },
    ]);
    expect(auditToJsonLines([])).toBe('');
  });
});
