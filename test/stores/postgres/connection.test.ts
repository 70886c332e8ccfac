/**
 * A lost connection is retried and never turned into a lost or doubled request: connections
 * are broken by a proxy as a COMMIT goes out, or right after the server committed but before the
 * client heard it. Retries wait on an injected sleep that returns at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RequestStore } from '../../../src/core/requests/store.ts';
import { openPostgresStore } from '../../../src/stores/postgres/store.ts';
import { event, record } from '../../contracts/store.ts';
import { alice, harness, unclaim } from '../../core/requests/helpers.ts';
import { admin, freshSchema, PG_URL, settingFor, withParam } from './helpers.ts';
import { type CutProxy, startCutProxy } from './proxy.ts';

describe.skipIf(PG_URL === undefined)('the PostgreSQL store when connections break', () => {
  let proxy: CutProxy;
  let schema: ReturnType<typeof freshSchema>;
  let store: RequestStore;
  const sleeps: number[] = [];

  beforeEach(async () => {
    proxy = await startCutProxy(PG_URL!);
    schema = freshSchema();
    store = openPostgresStore(settingFor(withParam(proxy.via(PG_URL!), 'schema', schema.name)), {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    // The schema is in place before any cut is armed.
    await store.listByStatus(['pending']);
    sleeps.length = 0;
  });
  afterEach(async () => {
    await store.close();
    await proxy.close();
    await schema.drop();
  });

  /** The audit rows of a request, straight from the table. */
  const auditRows = (requestId: string) =>
    admin(`SELECT type FROM ${schema.name}.audit WHERE request_id = $1 ORDER BY seq`, [requestId]);

  it('makes an insert again when the connection broke before its COMMIT reached the server', async () => {
    proxy.arm('before-commit');
    const result = await store.insert(record('r-cut00001'), [event('r-cut00001', 'submitted')]);
    expect(proxy.armed()).toBe(0);
    expect(result).toMatchObject({ inserted: true, record: { id: 'r-cut00001', version: 1 } });
    expect(await store.get('r-cut00001')).toMatchObject({ version: 1 });
    expect(await auditRows('r-cut00001')).toEqual([{ type: 'submitted' }]);
    expect(sleeps.length).toBeGreaterThan(0);
  });

  it('finds an insert that the server committed although the answer was lost, and does not make it twice', async () => {
    proxy.arm('after-commit');
    const result = await store.insert(record('r-cut00002', { deliveryKey: 'k-cut' }), [
      event('r-cut00002', 'submitted'),
    ]);
    expect(proxy.armed()).toBe(0);
    expect(result).toMatchObject({ inserted: true, record: { id: 'r-cut00002', version: 1 } });
    expect(await auditRows('r-cut00002')).toEqual([{ type: 'submitted' }]);
  });

  it('finds an insert without events that the server committed, by its id and data', async () => {
    proxy.arm('after-commit');
    const result = await store.insert(record('r-cut00003'), []);
    expect(result).toMatchObject({ inserted: true, record: { id: 'r-cut00003' } });
  });

  it('finds a compare-and-set that the server committed, with and without events, and never applies it twice', async () => {
    const inserted = await store.insert(record('r-cut00004'), [event('r-cut00004', 'submitted')]);
    const v1 = inserted.inserted ? inserted.record : undefined;
    proxy.arm('after-commit');
    const v2 = await store.compareAndSet(v1!.id, 1, { ...v1!, status: 'denied' }, [event(v1!.id, 'denied')]);
    expect(v2).toMatchObject({ version: 2, status: 'denied' });
    proxy.arm('after-commit');
    const v3 = await store.compareAndSet(v1!.id, 2, { ...v2!, conversation: { ts: '1.2' } }, []);
    expect(v3).toMatchObject({ version: 3, conversation: { ts: '1.2' } });
    expect(await store.get(v1!.id)).toEqual(v3);
    expect(await auditRows(v1!.id)).toEqual([{ type: 'submitted' }, { type: 'denied' }]);
  });

  it('makes a compare-and-set again when its COMMIT never reached the server', async () => {
    const inserted = await store.insert(record('r-cut00005'), []);
    const v1 = inserted.inserted ? inserted.record : undefined;
    proxy.arm('before-commit');
    const v2 = await store.compareAndSet(v1!.id, 1, { ...v1!, status: 'cancelled' }, [
      event(v1!.id, 'cancelled'),
    ]);
    expect(v2).toMatchObject({ version: 2, status: 'cancelled' });
    expect(await auditRows(v1!.id)).toEqual([{ type: 'cancelled' }]);
  });

  it('appends audit events once when the answer to their COMMIT was lost', async () => {
    proxy.arm('after-commit');
    await store.appendAudit([event('r-cut00006', 'refused'), event('r-cut00006', 'refused', 2000)]);
    expect(await auditRows('r-cut00006')).toEqual([{ type: 'refused' }, { type: 'refused' }]);
  });

  it('retries refused connections until the server takes them', async () => {
    await store.close();
    store = openPostgresStore(settingFor(withParam(proxy.via(PG_URL!), 'schema', schema.name)), {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    proxy.arm('refuse', 3);
    expect(await store.listByStatus(['pending'])).toEqual([]);
    expect(proxy.armed()).toBe(0);
    expect(sleeps.length).toBeGreaterThanOrEqual(3);
  });

  it('keeps a request the workflow submits while the connection breaks', async () => {
    const { workflow } = harness({ store });
    proxy.arm('before-commit');
    const outcome = await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice });
    expect(outcome.status).toBe('pending');
    expect(await store.listByStatus(['pending'])).toEqual([outcome.request]);
  });

  it('gives up after the retry budget with store_unavailable, and says a change may have been stored', async () => {
    let clock = 0;
    await store.close();
    store = openPostgresStore(settingFor(withParam(proxy.via(PG_URL!), 'schema', schema.name)), {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      retryBudget: 2000,
    });
    await store.listByStatus(['pending']);
    // The COMMIT's answer is lost, and then the server is gone for good.
    proxy.arm('after-commit', 1, { down: true });
    const error = await store.insert(record('r-cut00007'), [event('r-cut00007', 'submitted')]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'store_unavailable',
      message: expect.stringContaining('whether the last change was stored is not known'),
    });
    expect(clock).toBeGreaterThanOrEqual(2000);
  });
});
