import { describe, expect, it } from 'vitest';
import type { VendorCall } from '../../adapters/types.ts';
import type { RequestRecord } from '../../src/core/requests/model.ts';
import { createWorkflow } from '../../src/core/requests/workflow.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { alice, bob, MINUTE, resultFor, testPolicy, unclaim } from './helpers.ts';

function setup() {
  let clock = 1_800_000_000_000;
  const expired: RequestRecord[] = [];
  const flow = createWorkflow({
    policy: testPolicy(1),
    store: openSqliteStore(':memory:'),
    execute: async (_target, call) => resultFor(call as VendorCall),
    now: () => clock,
    onExpired: (record) => expired.push(record),
  });
  return { flow, expired, advance: (ms: number) => (clock += ms) };
}

describe('onExpired', () => {
  it('reports a request found overdue on access, once', async () => {
    const { flow, expired, advance } = setup();
    const asked = await flow.submit({ target: 'webex-prod', call: unclaim(), actor: alice });
    advance(31 * MINUTE);
    const late = await flow.approve(asked.request!.id, bob);
    expect(late.status).toBe('expired');
    await flow.pending();
    await flow.sweep();
    expect(expired.map((r) => [r.id, r.status])).toEqual([[asked.request!.id, 'expired']]);
  });

  it('reports what the sweep expires, and nothing still pending', async () => {
    const { flow, expired, advance } = setup();
    const old = await flow.submit({ target: 'webex-prod', call: unclaim('old.com'), actor: alice });
    advance(20 * MINUTE);
    await flow.submit({ target: 'webex-prod', call: unclaim('new.com'), actor: alice });
    advance(11 * MINUTE);
    const swept = await flow.sweep();
    expect(swept.map((r) => r.id)).toEqual([old.request!.id]);
    expect(expired.map((r) => r.id)).toEqual([old.request!.id]);
  });
});
