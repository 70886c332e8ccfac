/**
 * The waits the request machinery stops (the lease heartbeat when a run ends, a batch's progress
 * flush when its items are done, the audit follower's poll when the store says something was
 * appended) are aborted with one reason made once, an AbortError like the default one: no new
 * DOMException, with its stack trace, per command.
 */
import { describe, expect, it } from 'vitest';
import type { VendorCall as WebexCall } from '../../../adapters/types.ts';
import type { VendorCall } from '../../../src/core/ports.ts';
import { followAudit } from '../../../src/core/requests/audit.ts';
import { STOPPED } from '../../../src/core/requests/stopped.ts';
import type { RequestStore } from '../../../src/core/requests/store.ts';
import { createWorkflow } from '../../../src/core/requests/workflow.ts';
import { openSqliteStore } from '../../../src/stores/sqlite/store.ts';
import { createTestClock } from '../../helpers/clock.ts';
import { alice, bob, carol, lookup, resultFor, testPolicy, unclaim } from './helpers.ts';

/** A workflow whose waits never end by themselves (the clock does not move): each one is recorded. */
function recordingWaits() {
  const clock = createTestClock();
  const waits: { ms: number; signal: AbortSignal }[] = [];
  const workflow = createWorkflow({
    policy: testPolicy(1),
    store: openSqliteStore(':memory:'),
    execute: async (_target, call: VendorCall) => resultFor(call as WebexCall),
    now: clock.now,
    wait: (ms, signal) => {
      waits.push({ ms, signal });
      return clock.sleep(ms, signal);
    },
  });
  return { workflow, waits };
}

describe('stopping a wait', () => {
  it('ends the lease heartbeat of every run with the one AbortError', async () => {
    const { workflow, waits } = recordingWaits();
    for (const domain of ['corp.ru', 'sso.corp.ru']) {
      const outcome = await workflow.submit({ target: 'yc', call: lookup(domain), actor: carol });
      expect(outcome.status).toBe('succeeded');
    }
    expect(waits).toHaveLength(2);
    for (const { signal } of waits) {
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBe(STOPPED);
    }
    expect(STOPPED).toBeInstanceOf(DOMException);
    expect(STOPPED.name).toBe('AbortError');
  });

  it('ends a batch’s progress flush with it too', async () => {
    const { workflow, waits } = recordingWaits();
    const items = ['a.com', 'b.com', 'c.com'].map((d) => ({ subject: d, call: unclaim(d) }));
    const asked = await workflow.submit({
      target: 'webex-prod',
      call: items[0]!.call,
      subject: 'a.com',
      items,
      actor: alice,
    });
    const done = await workflow.approve(asked.request!.id, bob);
    expect(done.status).toBe('succeeded');
    // The heartbeat's wait (a third of the lease) and at least one flush (within the second).
    expect(waits.some((w) => w.ms <= 1000)).toBe(true);
    for (const { signal } of waits) expect(signal.reason).toBe(STOPPED);
  });

  it('wakes the audit follower with it when the store says something was appended', async () => {
    const base = openSqliteStore(':memory:');
    let notify: (() => void) | undefined;
    const store: RequestStore = {
      ...base,
      watch: (onChange) => {
        notify = onChange;
        return () => {};
      },
    };
    const clock = createTestClock();
    const stop = new AbortController();
    const signals: AbortSignal[] = [];
    const following = followAudit(store, {
      after: 0,
      signal: stop.signal,
      now: clock.now,
      sleep: (ms, signal) => {
        signals.push(signal);
        return clock.sleep(ms, signal);
      },
      emit: async () => {},
    });
    await clock.sleeping();
    notify!();
    await clock.sleeping();
    expect(signals[0]!.reason).toBe(STOPPED);
    stop.abort();
    await following;
    await base.close();
  });
});
