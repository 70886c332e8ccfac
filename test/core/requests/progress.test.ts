/**
 * A long vendor call's interim results (`ExecuteOptions.progress`): the caller hears each new one
 * at once; the request stores them at most once a second with no state change, and tells the
 * change feed (a `progress` audit event) at most once a minute; the running card shows the latest.
 */
import { describe, expect, it } from 'vitest';
import { cardForReply } from '../../../src/core/cards/build.ts';
import { createPipeline } from '../../../src/core/pipeline.ts';
import type { ExecuteOptions, VendorCall, VendorResult } from '../../../src/core/ports.ts';
import type { ProgressUpdate } from '../../../src/core/requests/execution.ts';
import { noticeKey, type RequestRecord } from '../../../src/core/requests/model.ts';
import { progressThrottle } from '../../../src/core/requests/progress.ts';
import { createWorkflow } from '../../../src/core/requests/workflow.ts';
import { openSqliteStore } from '../../../src/stores/sqlite/store.ts';
import { createTestClock } from '../../helpers/clock.ts';
import { createGate } from '../../helpers/gate.ts';
import { alice, bob, testPolicy } from './helpers.ts';

const interim = (served: number): VendorResult => ({ action: 'unclaim', domain: 'abc.com', served });

describe('interim results of a long call', () => {
  it('are heard at once, stored at most once a second, and audited at most once a minute', async () => {
    const clock = createTestClock();
    const store = openSqliteStore(':memory:');
    const writes: RequestRecord[] = [];
    const recording = Object.create(store) as typeof store;
    recording.compareAndSet = async (id, version, next, events) => {
      const stored = await store.compareAndSet(id, version, next, events);
      if (stored) writes.push(stored);
      return stored;
    };
    const release = createGate();
    let report: ((r: VendorResult) => void) | undefined;
    const workflow = createWorkflow({
      policy: testPolicy(1),
      store: recording,
      now: clock.now,
      wait: (ms, signal) => clock.sleep(ms, signal),
      execute: async (_target: string, call: VendorCall, options?: ExecuteOptions) => {
        report = options?.progress;
        await release.wait();
        return { action: call.action, domain: call.domain, served: 4 } as VendorResult;
      },
    });
    const id = (
      await workflow.submit({
        target: 'webex-prod',
        call: { action: 'unclaim', domain: 'abc.com' },
        actor: alice,
      })
    ).request!.id;
    const heard: ProgressUpdate[] = [];
    const running = workflow.approve(id, bob, { onProgress: (u) => heard.push(u) });
    await release.reached;
    const settle = async () => {
      for (let i = 0; i < 5; i++) await clock.advance(0);
    };
    // Rounds every 400 ms of the clock for 3 minutes; one repeats the round before (not news).
    for (let t = 0; t < 450; t++) {
      report!(interim(t === 5 ? 4 : t));
      await settle();
      await clock.advance(400);
    }
    release.open();
    const done = await running;
    expect(done.status).toBe('succeeded');
    // Heard: every new interim result, at once (a repeat is not news).
    expect(heard).toHaveLength(449);
    expect(heard[0]).toMatchObject({ interim: interim(0), record: { id } });
    // Stored: at most once a second.
    const stored = writes.filter((w) => w.progress?.interim !== undefined);
    const changes = stored.filter((w, i) => i === 0 || w.progress!.seq !== stored[i - 1]!.progress!.seq);
    for (let i = 1; i < changes.length; i++) {
      expect(changes[i]!.progress!.at - changes[i - 1]!.progress!.at).toBeGreaterThanOrEqual(1000);
    }
    expect(changes.length).toBeGreaterThanOrEqual(150);
    expect(changes.length).toBeLessThanOrEqual(181);
    expect(changes.every((w) => w.status === 'executing')).toBe(true);
    // Audited (what the change feed sees): at most once a minute, 3 minutes: 3 or 4.
    const events = (await store.listAudit({ limit: 1000, requestId: id })).filter(
      (e) => e.type === 'progress',
    );
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.at - events[i - 1]!.at).toBeGreaterThanOrEqual(60_000);
    // The card key followed the stored progress; the final state is a state change.
    expect(noticeKey(changes[0]!)).toMatch(/^executing\/1\/p1$/);
    expect(done.request?.status).toBe('succeeded');
  });

  it('shows the latest interim result on the running card and as a one-line note', async () => {
    const { modules } = await import('../../../src/modules.ts');
    const { parseConfig } = await import('../../../src/config/load.ts');
    const config = parseConfig(
      `
store: ":memory:"
targets:
  webex-prod: { vendor: webex, orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f, apiUrl: "http://127.0.0.1:9/v1", auth: { accessToken: env:T } }
policy:
  groups: { admins: [alice@corp.com, bob@corp.com] }
  rules:
    - { actions: [unclaim], requesters: [admins], approval: { approvers: [admins], count: 1, expires: 30m } }
`,
      '/tmp/x.yaml',
      { T: 'x' },
    );
    const release = createGate();
    const notes: string[] = [];
    const app = createPipeline(config, {
      modules,
      clock: createTestClock(),
      store: () => openSqliteStore(':memory:'),
      client: (target) => ({
        vendor: 'webex',
        target: target.name,
        describe: () => ({ method: 'POST', url: 'http://127.0.0.1:9/v1/x', headers: {}, body: '{}' }),
        async execute(call, options) {
          options?.progress?.({ action: 'unclaim', domain: 'abc.com', raw: {} });
          await release.wait();
          return { action: call.action, domain: 'abc.com', raw: {} };
        },
      }),
    });
    try {
      const asked = await app.handle('unclaim abc.com', { platform: 'cli', id: 'alice@corp.com' });
      const running = app.approve(
        asked.requestId!,
        { platform: 'cli', id: 'bob@corp.com' },
        { onProgress: (n) => notes.push(n.text) },
      );
      await release.reached;
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      const record = await app.workflow().get(asked.requestId!);
      expect(record?.progress?.interim).toEqual({ action: 'unclaim', domain: 'abc.com', raw: {} });
      const card = cardForReply(app.replyFor(record!), { present: app.present, now: 0 });
      const view = app.present.view({ action: 'unclaim', domain: 'abc.com', raw: {} }, 'webex-prod');
      expect(notes).toEqual([view.title]);
      expect(JSON.stringify(card.sections)).toContain(`"So far: "`);
      expect(JSON.stringify(card.sections)).toContain(view.title);
      release.open();
      expect((await running).status).toBe('succeeded');
    } finally {
      await app.close();
    }
  });
});

describe('progressThrottle', () => {
  it('lets one progress update per request through per interval, and forgets a request that ended', () => {
    let now = 0;
    const throttle = progressThrottle(60_000, () => now);
    expect(throttle.allow('r-1')).toBe(true);
    expect(throttle.allow('r-2')).toBe(true);
    now = 59_999;
    expect(throttle.allow('r-1')).toBe(false);
    now = 60_000;
    expect(throttle.allow('r-1')).toBe(true);
    expect(throttle.allow('r-1')).toBe(false);
    throttle.end('r-1');
    expect(throttle.allow('r-1')).toBe(true);
  });
});

describe('history of a target (`ExecuteOptions.history`)', () => {
  it('finds the result of the latest succeeded request of an action and subject, a batch item included', async () => {
    const { modules } = await import('../../../src/modules.ts');
    const { parseConfig } = await import('../../../src/config/load.ts');
    const config = parseConfig(
      `
store: ":memory:"
targets:
  webex-prod: { vendor: webex, orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f, apiUrl: "http://127.0.0.1:9/v1", auth: { accessToken: env:T } }
policy:
  groups: { admins: [alice@corp.com] }
  rules:
    - { actions: [unclaim], requesters: [admins], approval: none }
`,
      '/tmp/x.yaml',
      { T: 'x' },
    );
    const found: Record<string, unknown> = {};
    let n = 0;
    const app = createPipeline(config, {
      modules,
      clock: createTestClock(),
      store: () => openSqliteStore(':memory:'),
      client: (target) => ({
        vendor: 'webex',
        target: target.name,
        describe: () => ({ method: 'POST', url: 'http://127.0.0.1:9/v1/x', headers: {}, body: '{}' }),
        async execute(call, options) {
          const domain = String(call.domain);
          found[`${domain}#${n}`] = await options?.history?.lastResult('unclaim', domain);
          return { action: call.action, domain, raw: { run: ++n } };
        },
      }),
    });
    const alice = { platform: 'cli', id: 'alice@corp.com' } as const;
    try {
      expect((await app.handle('unclaim a.com', alice)).status).toBe('succeeded');
      expect(found['a.com#0']).toBeUndefined();
      expect((await app.handle('unclaim a.com', alice)).status).toBe('succeeded');
      expect(found['a.com#1']).toEqual({ action: 'unclaim', domain: 'a.com', raw: { run: 1 } });
      // A batch keeps each item's result with the item.
      expect((await app.handle('unclaim b.com c.com', alice)).status).toBe('succeeded');
      expect((await app.handle('unclaim b.com', alice)).status).toBe('succeeded');
      // (b.com and c.com ran at the same time: either was the third call.)
      expect(found['b.com#4']).toMatchObject({ action: 'unclaim', domain: 'b.com' });
      expect([2, 3]).toContain((found['b.com#4'] as { raw: { run: number } }).raw.run);
    } finally {
      await app.close();
    }
  });
});
