/**
 * The store contract: what every store module's `RequestStore` does, checked directly and
 * through the request workflow that is built on it. A store module's test file runs it with a
 * factory for fresh, empty stores:
 *
 *     storeContract('sqlite (:memory:)', async () => {
 *       const store = sqliteStore.open(storeSetting(':memory:'), { clock: systemClock });
 *       return { store, cleanup: () => store.close() };
 *     });
 *
 * Nothing here waits for real time: the workflow runs on a settable clock, and concurrency is
 * `Promise.all` over the store's own asynchronous operations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VendorFailure } from '../../src/core/errors.ts';
import { auditHash, GENESIS, verifyAuditChain } from '../../src/core/requests/audit-chain.ts';
import { REQUEST_STATUSES, type RequestRecord } from '../../src/core/requests/model.ts';
import { exitCode } from '../../src/core/requests/outcome.ts';
import type { AuditEvent, RequestStore } from '../../src/core/requests/store.ts';
import { createWorkflow } from '../../src/core/requests/workflow.ts';
import {
  alice,
  bob,
  bobOnWebex,
  carol,
  dave,
  harness,
  lookup,
  MINUTE,
  mallory,
  resultFor,
  testPolicy,
  unclaim,
} from '../core/requests/helpers.ts';
import { interleavings } from './store-interleavings.ts';

/** A fresh, empty store from the module under test. */
export interface ContractStore {
  store: RequestStore;
  /** Closes the store (it may be closed already) and removes whatever `open` created. */
  cleanup(): Promise<void>;
  /**
   * Closes the store and opens the same data again, as a restarted process would. Absent for a
   * store whose data lives only as long as the open store (the contract then restarts the
   * workflow alone, over the same store).
   */
  reopen?(): Promise<RequestStore>;
}

export interface StoreContractOptions {
  /** Runs of the random-interleaving property (default 150). */
  propertyRuns?: number;
}

/** A stored-shape request, pending with a one-approval requirement, for the direct tests. */
export function record(id: string, over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id,
    action: 'unclaim',
    target: 'webex-prod',
    call: unclaim(),
    subject: 'abc.com',
    requester: alice,
    status: 'pending',
    approvals: [],
    createdAt: 1000,
    updatedAt: 1000,
    version: 0,
    approval: { approvers: ['admins'], count: 1, expiresAt: 5000 },
    ...over,
  };
}

/** An audit event of `requestId`, by Alice, at `at`. */
export function event(requestId: string, type: AuditEvent['type'], at = 1000): AuditEvent {
  return {
    at,
    requestId,
    actor: { platform: 'slack', id: 'UALICE', email: 'alice@corp.com' },
    type,
    to: 'pending',
  };
}

/** The request as stored after a successful insert. */
async function inserted(store: RequestStore, r: RequestRecord, events: AuditEvent[] = []) {
  const result = await store.insert(r, events);
  if (!result.inserted) throw new Error(`insert of ${r.id} was refused`);
  return result.record;
}

/** A request's audit trail as `type:from>to` steps, oldest first. */
async function steps(store: RequestStore, requestId: string): Promise<string[]> {
  const events = await store.listAudit({ limit: 1000, requestId });
  return events.map((e) => `${e.type}:${e.from ?? ''}>${e.to ?? ''}`);
}

/** A promise and the function that resolves it. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

export function storeContract(
  name: string,
  open: () => Promise<ContractStore>,
  options: StoreContractOptions = {},
): void {
  describe(`store contract: ${name}`, () => {
    const opened: ContractStore[] = [];
    afterEach(async () => {
      for (const s of opened.splice(0).reverse()) await s.cleanup();
    });
    /** A fresh store, cleaned up after the test. */
    const fresh = async (): Promise<RequestStore> => {
      const s = await open();
      opened.push(s);
      return s.store;
    };

    describe('records', () => {
      it('stores a new request at version 1 with its audit events, and gives every member back', async () => {
        const store = await fresh();
        const full = record('r-full0001', {
          status: 'denied',
          rule: 'destructive',
          approval: { approvers: ['admins', 'bob@corp.com'], count: 2, expiresAt: 9000 },
          approvals: [{ actor: bob, at: 1500 }],
          denial: { actor: carol, at: 1600, reason: 'wrong domain' },
          explanation: 'Decision: approval\n  rule "destructive"',
          result: { action: 'unclaim', domain: 'abc.com', raw: { nested: [1, { a: null }], s: 'ü ✓' } },
          error: {
            code: 'vendor_conflict',
            message: 'no',
            hint: 'h',
            vendor: 'x',
            status: 409,
            requestId: 't1',
          },
          deliveryKey: 'slack:Ev1',
          conversation: { channel: 'C1', ts: '1.2' },
          origin: { platform: 'slack', channel: 'C1' },
          version: 7,
        });
        const result = await store.insert(full, [event(full.id, 'submitted')]);
        expect(result).toEqual({ inserted: true, record: { ...full, version: 1 } });
        expect(await store.get(full.id)).toEqual({ ...full, version: 1 });
        expect(await store.findByDeliveryKey('slack:Ev1')).toEqual({ ...full, version: 1 });
        expect(await store.get('r-nothere0')).toBeUndefined();
        expect(await steps(store, full.id)).toEqual(['submitted:>pending']);
      });

      it('keeps what it stored when the caller changes the objects it passed in or read back', async () => {
        const store = await fresh();
        const mine = record('r-copy0001', { conversation: { ts: '1' } });
        const submitted = event(mine.id, 'submitted');
        const stored = await inserted(store, mine, [submitted]);
        const expected = structuredClone(stored);
        mine.approvals.push({ actor: bob, at: 1 });
        (mine.conversation as { ts: string }).ts = 'changed';
        stored.status = 'denied';
        submitted.type = 'refused';
        const read = (await store.get(mine.id))!;
        read.approvals.push({ actor: carol, at: 2 });
        Object.assign(read.call, { domain: 'other.com' });
        const [audited] = await store.listAudit({ limit: 10 });
        audited!.type = 'expired';
        expect(await store.get(mine.id)).toEqual(expected);
        expect(await steps(store, mine.id)).toEqual(['submitted:>pending']);
      });
    });

    describe('compare-and-set', () => {
      it('compares and sets on the version, with the audit events in the same transaction', async () => {
        const store = await fresh();
        const inserted = await store.insert(record('r-00000001'), []);
        const v1 = inserted.inserted ? inserted.record : undefined;
        expect(v1?.version).toBe(1);
        const v2 = await store.compareAndSet('r-00000001', 1, { ...v1!, status: 'denied' }, [
          event('r-00000001', 'denied'),
        ]);
        expect(v2).toMatchObject({ version: 2, status: 'denied' });
        const stale = await store.compareAndSet('r-00000001', 1, { ...v1!, status: 'approved' }, [
          event('r-00000001', 'approved'),
        ]);
        expect(stale).toBeUndefined();
        expect(await store.get('r-00000001')).toEqual(v2);
        expect((await store.listAudit({ limit: 10 })).map((e) => e.type)).toEqual(['denied']);
        expect(await store.compareAndSet('r-nothere0', 0, record('r-nothere0'), [])).toBeUndefined();
      });

      it('lets exactly one of two writers with the same expected version win; the loser re-reads and writes again', async () => {
        const store = await fresh();
        const v1 = await inserted(store, record('r-cas00001'), [event('r-cas00001', 'submitted')]);
        const [a, b] = await Promise.all([
          store.compareAndSet(v1.id, 1, { ...v1, status: 'approved', version: 99 }, [
            event(v1.id, 'approved'),
          ]),
          store.compareAndSet(v1.id, 1, { ...v1, status: 'denied', version: 99 }, [event(v1.id, 'denied')]),
        ]);
        const winners = [a, b].filter((r) => r !== undefined);
        expect(winners).toHaveLength(1);
        const winner = winners[0]!;
        // The store sets the version, whatever the record it was given says.
        expect(winner.version).toBe(2);
        expect(await store.get(v1.id)).toEqual(winner);
        expect(await steps(store, v1.id)).toEqual(['submitted:>pending', `${winner.status}:>pending`]);

        // The loser re-reads, sees the winner's write, and decides again on the new version.
        const current = (await store.get(v1.id))!;
        expect(
          await store.compareAndSet(v1.id, 1, { ...current, conversation: 'stale' }, []),
        ).toBeUndefined();
        const again = await store.compareAndSet(v1.id, current.version, { ...current, conversation: 'x' }, [
          event(v1.id, 'refused'),
        ]);
        expect(again).toEqual({ ...winner, conversation: 'x', version: 3 });
        expect(await store.get(v1.id)).toEqual(again);
        expect((await steps(store, v1.id)).at(-1)).toBe('refused:>pending');
      });

      it('loses no write when many writers race: each round has one winner, the others retry', async () => {
        const store = await fresh();
        const id = 'r-cas00002';
        await inserted(store, record(id, { conversation: { count: 0 } }));
        let losses = 0;
        const writer = async (n: number): Promise<void> => {
          for (;;) {
            const current = (await store.get(id))!;
            const count = (current.conversation as { count: number }).count;
            const next = { ...current, conversation: { count: count + 1 } };
            const stored = await store.compareAndSet(id, current.version, next, [
              { ...event(id, 'approval', n), details: { writer: n, count: count + 1 } },
            ]);
            if (stored) return;
            losses++;
          }
        };
        await Promise.all(Array.from({ length: 8 }, (_, n) => writer(n)));
        expect(losses).toBeGreaterThan(0);
        expect(await store.get(id)).toMatchObject({ version: 9, conversation: { count: 8 } });
        const counts = (await store.listAudit({ limit: 100, requestId: id })).map((e) => e.details?.count);
        expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      });
    });

    describe('delivery keys', () => {
      it('stores one request per delivery key and reports id collisions', async () => {
        const store = await fresh();
        await store.insert(record('r-00000001', { deliveryKey: 'k1' }), [event('r-00000001', 'submitted')]);
        const dup = await store.insert(record('r-00000002', { deliveryKey: 'k1' }), [
          event('r-00000002', 'submitted'),
        ]);
        expect(dup).toMatchObject({ inserted: false, existing: { id: 'r-00000001' } });
        expect(await store.insert(record('r-00000001'), [])).toEqual({ inserted: false });
        expect(await store.findByDeliveryKey('k1')).toMatchObject({ id: 'r-00000001' });
        expect(await store.findByDeliveryKey('k2')).toBeUndefined();
        expect((await store.listAudit({ limit: 10 })).map((e) => e.requestId)).toEqual(['r-00000001']);
      });

      it('keeps one request when inserts with one key race, and answers the others with it', async () => {
        const store = await fresh();
        const ids = ['r-key00001', 'r-key00002', 'r-key00003', 'r-key00004', 'r-key00005'];
        const results = await Promise.all(
          ids.map((id) => store.insert(record(id, { deliveryKey: 'webex:msg1' }), [event(id, 'submitted')])),
        );
        const won = results.filter((r) => r.inserted);
        expect(won).toHaveLength(1);
        const winner = won[0]!.record;
        for (const r of results.filter((x) => !x.inserted))
          expect(r).toEqual({ inserted: false, existing: winner });
        expect(await store.findByDeliveryKey('webex:msg1')).toEqual(winner);
        expect(await store.listByStatus(['pending'])).toEqual([winner]);
        expect((await store.listAudit({ limit: 10 })).map((e) => e.requestId)).toEqual([winner.id]);
        // The key stays taken after the request changes.
        await store.compareAndSet(winner.id, 1, { ...winner, status: 'cancelled' }, []);
        expect(await store.insert(record('r-key00006', { deliveryKey: 'webex:msg1' }), [])).toMatchObject({
          inserted: false,
          existing: { id: winner.id, status: 'cancelled', version: 2 },
        });
      });
    });

    describe('listing', () => {
      it('lists by status and the latest audit events in order', async () => {
        const store = await fresh();
        await store.insert(record('r-b', { createdAt: 2 }), []);
        await store.insert(record('r-a', { createdAt: 1 }), []);
        await store.insert(record('r-c', { status: 'denied' }), []);
        expect((await store.listByStatus(['pending'])).map((r) => r.id)).toEqual(['r-a', 'r-b']);
        expect((await store.listByStatus(['pending', 'denied'], { limit: 1 })).map((r) => r.id)).toEqual([
          'r-a',
        ]);
        expect(await store.listByStatus([])).toEqual([]);
        await store.appendAudit([
          event('r-a', 'submitted', 1),
          event('r-b', 'submitted', 2),
          event('r-a', 'refused', 3),
        ]);
        expect((await store.listAudit({ limit: 2 })).map((e) => e.at)).toEqual([2, 3]);
        expect((await store.listAudit({ limit: 10, requestId: 'r-a' })).map((e) => e.type)).toEqual([
          'submitted',
          'refused',
        ]);
      });

      it('lists oldest first whatever the insertion order, follows status changes, and honours the limit', async () => {
        const store = await fresh();
        for (const [id, createdAt, status] of [
          ['r-list0003', 30, 'pending'],
          ['r-list0001', 10, 'pending'],
          ['r-list0004', 5, 'denied'],
          ['r-list0002', 20, 'pending'],
          ['r-list0005', 1, 'executing'],
        ] as const) {
          await inserted(store, record(id, { createdAt, updatedAt: createdAt, status }));
        }
        const ids = async (...args: Parameters<RequestStore['listByStatus']>) =>
          (await store.listByStatus(...args)).map((r) => r.id);
        expect(await ids(['pending'])).toEqual(['r-list0001', 'r-list0002', 'r-list0003']);
        expect(await ids(['pending'], { limit: 2 })).toEqual(['r-list0001', 'r-list0002']);
        expect(await ids(['pending'], { limit: 10 })).toEqual(['r-list0001', 'r-list0002', 'r-list0003']);
        expect(await ids(['pending'], { limit: 0 })).toEqual([]);
        expect(await ids(['succeeded'])).toEqual([]);
        expect(await ids(REQUEST_STATUSES)).toEqual([
          'r-list0005',
          'r-list0004',
          'r-list0001',
          'r-list0002',
          'r-list0003',
        ]);
        // A change of status moves the request between lists; the list holds the latest version.
        const first = (await store.get('r-list0001'))!;
        await store.compareAndSet(first.id, 1, { ...first, status: 'expired', updatedAt: 99 }, []);
        expect(await ids(['pending'])).toEqual(['r-list0002', 'r-list0003']);
        expect(await store.listByStatus(['expired', 'denied'])).toMatchObject([
          { id: 'r-list0004', status: 'denied' },
          { id: 'r-list0001', status: 'expired', version: 2, createdAt: 10, updatedAt: 99 },
        ]);
      });

      it('counts the requests of some statuses, and follows status changes', async () => {
        const store = await fresh();
        expect(await store.countByStatus(['pending'])).toBe(0);
        for (const [id, status] of [
          ['r-count001', 'pending'],
          ['r-count002', 'pending'],
          ['r-count003', 'denied'],
          ['r-count004', 'pending'],
          ['r-count005', 'succeeded'],
        ] as const) {
          await inserted(store, record(id, { status }));
        }
        expect(await store.countByStatus(['pending'])).toBe(3);
        expect(await store.countByStatus(['pending', 'denied'])).toBe(4);
        expect(await store.countByStatus(['expired'])).toBe(0);
        expect(await store.countByStatus(REQUEST_STATUSES)).toBe(5);
        expect(await store.countByStatus([])).toBe(0);
        const first = (await store.get('r-count001'))!;
        await store.compareAndSet(first.id, 1, { ...first, status: 'expired' }, []);
        expect(await store.countByStatus(['pending'])).toBe(2);
        expect(await store.countByStatus(['expired'])).toBe(1);
        // A lost compare-and-set changes no count.
        await store.compareAndSet(first.id, 1, { ...first, status: 'cancelled' }, []);
        expect(await store.countByStatus(['cancelled'])).toBe(0);
      });

      it('lists the requests whose deadline has come (expiresBy), oldest first, with the limit', async () => {
        const store = await fresh();
        const due = (
          id: string,
          createdAt: number,
          expiresAt: number | undefined,
          status = 'pending' as const,
        ) => {
          const { approval: _approval, ...r } = record(id, { createdAt, updatedAt: createdAt, status });
          return expiresAt === undefined
            ? r
            : { ...r, approval: { approvers: ['admins'], count: 1, expiresAt } };
        };
        await inserted(store, due('r-due00003', 30, 100));
        await inserted(store, due('r-due00001', 10, 200));
        await inserted(store, due('r-due00002', 20, 201));
        await inserted(store, due('r-due00004', 5, 50, 'denied' as 'pending'));
        // Without a deadline: never due.
        await inserted(store, due('r-due00005', 1, undefined));
        const ids = async (...args: Parameters<RequestStore['listByStatus']>) =>
          (await store.listByStatus(...args)).map((r) => r.id);
        expect(await ids(['pending'], { expiresBy: 99 })).toEqual([]);
        // At the deadline itself the request is due.
        expect(await ids(['pending'], { expiresBy: 100 })).toEqual(['r-due00003']);
        expect(await ids(['pending'], { expiresBy: 200 })).toEqual(['r-due00001', 'r-due00003']);
        expect(await ids(['pending'], { expiresBy: 10_000 })).toEqual([
          'r-due00001',
          'r-due00002',
          'r-due00003',
        ]);
        expect(await ids(['pending'], { expiresBy: 10_000, limit: 1 })).toEqual(['r-due00001']);
        expect(await ids(['pending', 'denied'], { expiresBy: 100 })).toEqual(['r-due00004', 'r-due00003']);
        expect(await ids(['pending'])).toEqual(['r-due00005', 'r-due00001', 'r-due00002', 'r-due00003']);
        // A later deadline written with the request moves it out.
        const first = (await store.get('r-due00001'))!;
        await store.compareAndSet(
          first.id,
          1,
          { ...first, approval: { ...first.approval!, expiresAt: 5000 } },
          [],
        );
        expect(await ids(['pending'], { expiresBy: 200 })).toEqual(['r-due00003']);
      });
    });

    describe('audit trail', () => {
      it('gives events back in the order they were appended, with increasing seq, per request too', async () => {
        const store = await fresh();
        // `at` goes backwards on purpose: the order is the order of appending.
        const a = await inserted(store, record('r-a'), [event('r-a', 'submitted', 50)]);
        await inserted(store, record('r-b'), [event('r-b', 'submitted', 40)]);
        await store.appendAudit([event('r-a', 'refused', 30), event('r-b', 'refused', 20)]);
        await store.appendAudit([]);
        const approved: AuditEvent = {
          at: 10,
          requestId: 'r-a',
          actor: { platform: 'system', id: 'domainops' },
          type: 'approved',
          from: 'pending',
          to: 'approved',
          details: { approvals: 1, needed: 1, nested: { list: [1, 'two', null] } },
        };
        const executing: AuditEvent = { ...event('r-a', 'executing', 0), from: 'approved', to: 'executing' };
        await store.compareAndSet('r-a', 1, { ...a, status: 'executing' }, [approved, executing]);

        const all = await store.listAudit({ limit: 100 });
        expect(all.map((e) => `${e.requestId}:${e.type}`)).toEqual([
          'r-a:submitted',
          'r-b:submitted',
          'r-a:refused',
          'r-b:refused',
          'r-a:approved',
          'r-a:executing',
        ]);
        const seqs = all.map((e) => e.seq!);
        for (const [i, seq] of seqs.entries()) {
          expect(Number.isInteger(seq)).toBe(true);
          if (i > 0) expect(seq).toBeGreaterThan(seqs[i - 1]!);
        }
        // Every member comes back as it was appended (`seq` and `hash` are the store's).
        const { seq: _seq, hash: _hash, ...back } = all[4]!;
        expect(back).toEqual(approved);
        expect(all[0]).toMatchObject({ actor: { platform: 'slack', id: 'UALICE', email: 'alice@corp.com' } });
        expect(all[2]!.from).toBeUndefined();
        expect(all[2]!.details).toBeUndefined();

        expect(await store.listAudit({ limit: 2 })).toEqual(all.slice(4));
        expect(await store.listAudit({ limit: 0 })).toEqual([]);
        const ofA = all.filter((e) => e.requestId === 'r-a');
        expect(await store.listAudit({ limit: 100, requestId: 'r-a' })).toEqual(ofA);
        expect(await store.listAudit({ limit: 2, requestId: 'r-a' })).toEqual(ofA.slice(-2));
        expect(await store.listAudit({ limit: 100, requestId: 'r-b' })).toEqual(
          all.filter((e) => e.requestId === 'r-b'),
        );
        expect(await store.listAudit({ limit: 100, requestId: 'r-none' })).toEqual([]);
      });

      it('is append-only: later writes, lost races and refused inserts change or add nothing earlier', async () => {
        const store = await fresh();
        const v1 = await inserted(store, record('r-app0001', { deliveryKey: 'k-app' }), [
          event('r-app0001', 'submitted'),
        ]);
        await store.appendAudit([event('r-app0001', 'refused')]);
        const before = await store.listAudit({ limit: 100 });
        expect(before).toHaveLength(2);

        // Nothing is appended by a write that did not happen.
        expect(await store.compareAndSet(v1.id, 5, v1, [event(v1.id, 'approved')])).toBeUndefined();
        expect(await store.insert(record('r-app0001'), [event('r-app0001', 'submitted')])).toEqual({
          inserted: false,
        });
        expect(
          await store.insert(record('r-app0002', { deliveryKey: 'k-app' }), [
            event('r-app0002', 'submitted'),
          ]),
        ).toMatchObject({ inserted: false });
        expect(await store.listAudit({ limit: 100 })).toEqual(before);

        // A write that happened appends after the earlier events and leaves them as they were.
        await store.compareAndSet(v1.id, 1, { ...v1, status: 'denied' }, [event(v1.id, 'denied')]);
        await store.appendAudit([event(v1.id, 'refused', 2000)]);
        const after = await store.listAudit({ limit: 100 });
        expect(after.slice(0, 2)).toEqual(before);
        expect(after.slice(2).map((e) => e.type)).toEqual(['denied', 'refused']);
      });
    });

    describe('audit hash chain', () => {
      it('links every event to the one before it, from the genesis, whatever write appended it', async () => {
        const store = await fresh();
        expect(await store.auditHead()).toEqual({ seq: 0, hash: GENESIS });
        const a = await inserted(store, record('r-chain01', { deliveryKey: 'k-chain' }), [
          event('r-chain01', 'submitted'),
        ]);
        await store.appendAudit([event('r-chain01', 'refused'), event('r-chain01', 'refused', 900)]);
        const denied: AuditEvent = {
          ...event('r-chain01', 'denied', 2000),
          actor: { platform: 'cli', id: 'bob@corp.com' },
          from: 'pending',
          to: 'denied',
          details: { reason: 'not now', nested: { z: 1, a: [true, null, 'ü'] } },
        };
        await store.compareAndSet(a.id, 1, { ...a, status: 'denied' }, [denied]);
        // Writes that append nothing, or do not happen, leave the chain as it was.
        const head = await store.auditHead();
        await store.compareAndSet(a.id, 2, { ...a, status: 'denied', told: 'x' }, []);
        await store.compareAndSet(a.id, 1, { ...a, status: 'approved' }, [event(a.id, 'approved')]);
        await store.insert(record('r-chain02', { deliveryKey: 'k-chain' }), [
          event('r-chain02', 'submitted'),
        ]);
        await store.appendAudit([]);
        expect(await store.auditHead()).toEqual(head);
        await inserted(store, record('r-chain03'), [event('r-chain03', 'submitted')]);

        const events = await store.changesSince(0, { limit: 100 });
        expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
        let previous = GENESIS;
        for (const e of events) {
          expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
          expect(e.hash).toBe(auditHash(previous, e));
          previous = e.hash!;
        }
        expect(await store.auditHead()).toEqual({ seq: 5, hash: previous });
        // Every way of reading events gives the hash.
        expect(await store.listAudit({ limit: 100 })).toEqual(events);
        expect(await verifyAuditChain(store)).toEqual({ ok: true, checked: 5 });
      });

      it('keeps one chain, seq without gaps, when many writers append at the same moment', async () => {
        const store = await fresh();
        const writes = Array.from({ length: 24 }, (_, i) =>
          i % 3 === 0
            ? store.insert(record(`r-conc${String(i).padStart(4, '0')}`), [
                event(`r-conc${i}`, 'submitted', i),
                event(`r-conc${i}`, 'refused', i),
              ])
            : store.appendAudit([event(`r-conc${i}`, 'refused', i)]),
        );
        await Promise.all(writes);
        const events = await store.changesSince(0, { limit: 1000 });
        expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
        expect(await verifyAuditChain(store, { page: 5 })).toEqual({ ok: true, checked: 32 });
      });
    });

    describe('last result', () => {
      it('finds the most recently updated succeeded request of a target, action and subject', async () => {
        const store = await fresh();
        const query = { target: 'webex-prod', action: 'verify-token', subject: 'abc.com' };
        expect(await store.lastResult(query)).toBeUndefined();
        const token = (id: string, over: Partial<RequestRecord>) => {
          const { approval: _approval, ...r } = record(id, { action: 'verify-token', status: 'succeeded' });
          return { ...r, ...over };
        };
        const older = await inserted(
          store,
          token('r-last0001', { updatedAt: 100, result: { action: 'verify-token', token: 'one' } }),
        );
        await inserted(
          store,
          token('r-last0002', { updatedAt: 200, result: { action: 'verify-token', token: 'two' } }),
        );
        // Not succeeded, or another target, action or subject: never the answer, however recent.
        await inserted(store, token('r-last0003', { updatedAt: 900, status: 'failed' }));
        await inserted(store, token('r-last0004', { updatedAt: 900, status: 'unknown' }));
        await inserted(store, token('r-last0005', { updatedAt: 900, target: 'webex-test' }));
        await inserted(store, token('r-last0006', { updatedAt: 900, action: 'verify' }));
        await inserted(store, token('r-last0007', { updatedAt: 900, subject: 'abd.com' }));
        expect(await store.lastResult(query)).toMatchObject({ id: 'r-last0002', result: { token: 'two' } });
        // The most recently updated one, not the newest.
        const touched = await store.compareAndSet(older.id, 1, { ...older, updatedAt: 300 }, []);
        expect(await store.lastResult(query)).toEqual(touched);
        expect(await store.lastResult({ ...query, subject: 'none.com' })).toBeUndefined();
        // A pending request of the same subject is no result yet.
        await inserted(store, token('r-last0008', { updatedAt: 1000, status: 'pending' }));
        expect((await store.lastResult(query))?.id).toBe(older.id);
      });

      it('finds a batch whose item of the subject succeeded, whatever the batch’s own status', async () => {
        const store = await fresh();
        const query = { target: 'webex-prod', action: 'verify-token', subject: 'b.com' };
        type Item = NonNullable<RequestRecord['items']>[number];
        const item = (subject: string, status: Item['status'], token?: string): Item => ({
          subject,
          call: { action: 'verify-token', domain: subject },
          status,
          ...(token === undefined ? {} : { result: { action: 'verify-token', domain: subject, token } }),
        });
        const batch = (id: string, updatedAt: number, items: Item[], over: Partial<RequestRecord> = {}) => {
          const { approval: _approval, ...r } = record(id, {
            action: 'verify-token',
            status: 'failed',
            call: items[0]!.call,
            subject: items[0]!.subject,
            updatedAt,
          });
          return { ...r, items, ...over };
        };
        // verify-token a.com b.com: a.com failed, b.com succeeded; the batch failed.
        await inserted(
          store,
          batch('r-batch001', 100, [item('a.com', 'failed'), item('b.com', 'succeeded', 'one')]),
        );
        expect(await store.lastResult(query)).toMatchObject({ id: 'r-batch001', status: 'failed' });
        // Its own subject, a.com, did not succeed.
        expect(await store.lastResult({ ...query, subject: 'a.com' })).toBeUndefined();
        // An item of the subject that did not succeed (or has not yet run), however recent, is no result.
        await inserted(
          store,
          batch('r-batch002', 900, [item('c.com', 'succeeded', 'x'), item('b.com', 'failed')]),
        );
        await inserted(
          store,
          batch('r-batch003', 900, [item('c.com', 'running'), item('b.com', 'pending')], {
            status: 'executing',
          }),
        );
        await inserted(
          store,
          batch('r-batch004', 900, [item('b.com', 'unknown'), item('d.com', 'succeeded')]),
        );
        // Another target or action, or a subject that only contains it: never.
        await inserted(
          store,
          batch('r-batch005', 900, [item('a.com', 'failed'), item('b.com', 'succeeded', 'y')], {
            target: 'webex-test',
          }),
        );
        await inserted(
          store,
          batch('r-batch006', 900, [item('a.com', 'failed'), item('b.com', 'succeeded', 'y')], {
            action: 'verify',
          }),
        );
        await inserted(
          store,
          batch('r-batch007', 900, [item('a.com', 'failed'), item('xb.com', 'succeeded', 'z')]),
        );
        expect((await store.lastResult(query))?.id).toBe('r-batch001');
        expect((await store.lastResult({ ...query, subject: 'c.com' }))?.id).toBe('r-batch002');
        // The latest of a single request and a batch item wins, either way round.
        const { approval: _approval, ...single } = record('r-single01', {
          action: 'verify-token',
          status: 'succeeded',
          subject: 'b.com',
          updatedAt: 200,
          result: { action: 'verify-token', token: 'two' },
        });
        await inserted(store, single);
        expect((await store.lastResult(query))?.id).toBe('r-single01');
        const running = await inserted(
          store,
          batch('r-batch008', 300, [item('b.com', 'succeeded', 'three'), item('e.com', 'running')], {
            status: 'executing',
          }),
        );
        expect(await store.lastResult(query)).toEqual(running);
        // A batch that succeeded as a whole, found by any of its items.
        await inserted(
          store,
          batch('r-batch009', 400, [item('f.com', 'succeeded', 'f'), item('b.com', 'succeeded', 'four')], {
            status: 'succeeded',
          }),
        );
        expect((await store.lastResult(query))?.id).toBe('r-batch009');
        expect((await store.lastResult({ ...query, subject: 'f.com' }))?.id).toBe('r-batch009');
      });
    });

    describe('health and close', () => {
      it('is healthy while open, and closing twice is harmless', async () => {
        const store = await fresh();
        expect(await store.health()).toEqual({ ok: true });
        await inserted(store, record('r-close001'));
        await store.close();
        await store.close();
      });
    });

    describe('transitions through the workflow', () => {
      it('stores a pending request with its requirement before answering', async () => {
        const { workflow, store, clock } = harness({ store: await fresh() });
        const outcome = await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice });
        expect(outcome.status).toBe('pending');
        expect(exitCode(outcome)).toBe(0);
        const id = outcome.request!.id;
        expect(id).toMatch(/^r-[0-9a-hjkmnp-tv-z]{8}$/);
        expect(await store.get(id)).toEqual(outcome.request);
        expect(outcome.request).toMatchObject({
          status: 'pending',
          rule: 'destructive',
          subject: 'abc.com',
          approval: { approvers: ['admins'], count: 2, expiresAt: clock.now + 30 * MINUTE },
        });
        expect(outcome.explanation?.decision).toBe('approval');
        expect(await workflow.audit()).toMatchObject([
          {
            requestId: id,
            type: 'submitted',
            to: 'pending',
            actor: { platform: 'slack', id: 'UALICE', email: 'alice@corp.com' },
          },
        ]);
      });

      it('runs at once when the rule needs no approval', async () => {
        const { workflow, vendor } = harness({ store: await fresh() });
        const outcome = await workflow.submit({ target: 'yc', call: lookup(), actor: carol });
        expect(outcome).toMatchObject({
          status: 'succeeded',
          request: { status: 'succeeded', result: resultFor(lookup()) },
        });
        expect(vendor.calls).toHaveLength(1);
        expect((await workflow.audit()).map((e) => `${e.type}:${e.from ?? ''}>${e.to}`)).toEqual([
          'submitted:>approved',
          'executing:approved>executing',
          'succeeded:executing>succeeded',
        ]);
      });

      it('stores and audits a rejected request with the explanation', async () => {
        const { workflow, store, vendor } = harness({ store: await fresh() });
        const outcome = await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: mallory });
        expect(outcome).toMatchObject({ status: 'rejected', error: { code: 'policy_rejected' } });
        expect(exitCode(outcome)).toBe(3);
        expect(outcome.explanation?.text).toContain('Decision: rejected');
        const stored = await store.get(outcome.request!.id);
        expect(stored).toMatchObject({ status: 'rejected', explanation: outcome.explanation?.text });
        expect(await workflow.audit()).toMatchObject([
          { type: 'rejected', to: 'rejected', details: { code: 'requester_not_allowed' } },
        ]);
        expect(vendor.calls).toHaveLength(0);
      });

      it('pending → approved → executing → succeeded: one version per write, one audit event per step', async () => {
        const { workflow, store, vendor } = harness({ store: await fresh() });
        const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!
          .id;
        expect(await store.get(id)).toMatchObject({ status: 'pending', version: 1 });
        await workflow.approve(id, bob);
        expect(await store.get(id)).toMatchObject({
          status: 'pending',
          version: 2,
          approvals: [{ actor: bob }],
        });
        const done = await workflow.approve(id, carol);
        expect(done).toMatchObject({ status: 'succeeded' });
        expect(await store.get(id)).toEqual(done.request);
        expect(done.request).toMatchObject({ version: 4, result: resultFor(unclaim()) });
        expect(await steps(store, id)).toEqual([
          'submitted:>pending',
          'approval:pending>pending',
          'approved:pending>approved',
          'executing:approved>executing',
          'succeeded:executing>succeeded',
        ]);
        expect(vendor.calls).toHaveLength(1);
        expect(await store.listByStatus(['pending', 'approved', 'executing'])).toEqual([]);
      });

      it('stores the approvals and the executing state before calling the vendor', async () => {
        const { workflow, store, vendor } = harness({ store: await fresh(), count: 1 });
        const seen: unknown[] = [];
        vendor.behave(async (_t, call) => {
          const [request] = await store.listByStatus(['executing']);
          seen.push(
            request?.status,
            request?.approvals.map((a) => a.actor.id),
          );
          return resultFor(call);
        });
        const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!
          .id;
        const outcome = await workflow.approve(id, bob);
        expect(seen).toEqual(['executing', ['UBOB']]);
        expect(await store.get(id)).toEqual(outcome.request);
      });

      it('executing → failed and executing → unknown are stored with their errors', async () => {
        const { workflow, store, vendor } = harness({ store: await fresh(), count: 1 });
        const failures = [
          new VendorFailure('vendor_conflict', 'the domain is in use', { vendor: 'acme', outcome: 'failed' }),
          new VendorFailure('vendor_timeout', 'timed out', { vendor: 'acme', outcome: 'unknown' }),
        ];
        for (const [i, failure] of failures.entries()) {
          vendor.behave(async () => {
            throw failure;
          });
          const id = (
            await workflow.submit({ target: 'webex-prod', call: unclaim(`d${i}.com`), actor: alice })
          ).request!.id;
          const outcome = await workflow.approve(id, bob);
          const status = failure.outcome;
          expect(outcome).toMatchObject({ status, error: { code: failure.code } });
          expect(await store.get(id)).toMatchObject({
            status,
            version: 3,
            error: { code: failure.code, message: failure.message, vendor: 'acme' },
          });
          expect((await steps(store, id)).slice(-1)).toEqual([`${status}:executing>${status}`]);
        }
        expect((await store.listByStatus(['failed'])).map((r) => r.subject)).toEqual(['d0.com']);
        expect((await store.listByStatus(['unknown'])).map((r) => r.subject)).toEqual(['d1.com']);
      });

      it('pending → denied and pending → cancelled end the request; refusals are audited without a change', async () => {
        const { workflow, store, vendor } = harness({ store: await fresh() });
        const submit = async (domain: string) =>
          (await workflow.submit({ target: 'webex-prod', call: unclaim(domain), actor: alice })).request!.id;
        const [denied, cancelled] = [await submit('a.com'), await submit('b.com')];
        expect(await workflow.deny(denied, mallory)).toMatchObject({
          refusal: { reason: 'not_an_approver' },
        });
        expect(await store.get(denied)).toMatchObject({ status: 'pending', version: 1 });
        await workflow.deny(denied, bob, 'wrong domain');
        await workflow.cancel(cancelled, alice);
        expect(await store.get(denied)).toMatchObject({
          status: 'denied',
          version: 2,
          denial: { actor: bob, reason: 'wrong domain' },
        });
        expect(await store.get(cancelled)).toMatchObject({
          status: 'cancelled',
          version: 2,
          cancellation: { actor: alice },
        });
        expect(await steps(store, denied)).toEqual([
          'submitted:>pending',
          'refused:pending>',
          'denied:pending>denied',
        ]);
        expect(await steps(store, cancelled)).toEqual(['submitted:>pending', 'cancelled:pending>cancelled']);
        expect(exitCode(await workflow.approve(denied, carol))).toBe(6);
        expect(exitCode(await workflow.approve(cancelled, carol))).toBe(6);
        expect(vendor.calls).toHaveLength(0);
      });

      it('pending → rejected when the policy no longer allows the request at approval', async () => {
        const { workflow, store, policy, vendor } = harness({ store: await fresh(), count: 1 });
        const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!
          .id;
        policy.current = { ...policy.current, groups: { admins: ['bob@corp.com', 'carol@corp.com'] } };
        expect(await workflow.approve(id, bob)).toMatchObject({ status: 'rejected' });
        expect(await store.get(id)).toMatchObject({
          status: 'rejected',
          version: 2,
          error: { code: 'policy_rejected' },
        });
        expect(await steps(store, id)).toEqual(['submitted:>pending', 'rejected:pending>rejected']);
        expect(vendor.calls).toHaveLength(0);
      });

      it('keeps opaque platform data without an audit event', async () => {
        const { workflow } = harness({ store: await fresh() });
        const id = (
          await workflow.submit({
            target: 'webex-prod',
            call: unclaim(),
            actor: alice,
            conversation: { a: 1 },
          })
        ).request!.id;
        const before = (await workflow.audit()).length;
        expect(await workflow.setConversation(id, { channel: 'C1', ts: '1.2' })).toMatchObject({
          conversation: { channel: 'C1', ts: '1.2' },
        });
        expect(await workflow.setConversation('r-missing0', {})).toBeUndefined();
        expect((await workflow.audit()).length).toBe(before);
      });
    });

    describe('recovery', () => {
      it('marks a request left executing as unknown, never runs it again, and keeps a late result', async () => {
        const { workflow, store, vendor, clock } = harness({ store: await fresh(), count: 1 });
        const called = gate();
        let finishCall: () => void = () => {};
        vendor.behave((_t, call) => {
          called.open();
          return new Promise((resolve) => (finishCall = () => resolve(resultFor(call))));
        });
        const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!
          .id;
        const running = workflow.approve(id, bob);
        await called.promise;
        expect((await store.get(id))?.status).toBe('executing');

        const restarted = createWorkflow({
          policy: testPolicy(1),
          store,
          execute: vendor.execute,
          now: () => clock.now,
        });
        const { unknown, resumed } = await restarted.recover();
        expect(unknown.map((r) => [r.id, r.status, r.error?.code])).toEqual([[id, 'unknown', 'interrupted']]);
        expect(resumed).toEqual([]);
        expect((await restarted.recover()).unknown).toEqual([]);
        expect(exitCode(await restarted.approve(id, carol))).toBe(6);
        expect(vendor.calls).toHaveLength(1);
        expect((await restarted.audit()).at(-1)).toMatchObject({
          type: 'unknown',
          from: 'executing',
          actor: { platform: 'system' },
        });

        finishCall();
        expect(await running).toMatchObject({ status: 'succeeded' });
        expect((await restarted.audit()).at(-1)).toMatchObject({
          type: 'succeeded',
          from: 'unknown',
          details: { late: true },
        });
        expect((await store.get(id))?.error).toBeUndefined();
      });

      it('runs a request left approved exactly once', async () => {
        const { workflow, store, vendor } = harness({ store: await fresh(), count: 1 });
        const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!
          .id;
        const pending = (await store.get(id))!;
        await store.compareAndSet(id, pending.version, { ...pending, status: 'approved' }, []);
        const { resumed } = await workflow.recover();
        expect(resumed.map((o) => o.status)).toEqual(['succeeded']);
        expect((await workflow.recover()).resumed).toEqual([]);
        expect(vendor.calls).toHaveLength(1);
      });
    });

    describe('races through the workflow', () => {
      it('executes at most once under concurrent clicks', async () => {
        const { workflow, vendor } = harness({ store: await fresh(), count: 1 });
        vendor.behave(async (_t, call) => {
          // Let the other clicks run while this one is in the vendor call.
          for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
          return resultFor(call);
        });
        const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!
          .id;
        const clicks = [bob, carol, dave, bobOnWebex, bob, carol, dave].map((a) => workflow.approve(id, a));
        const outcomes = await Promise.all(clicks);
        expect(vendor.calls).toHaveLength(1);
        expect(outcomes.filter((o) => o.status === 'succeeded' && !o.refusal)).toHaveLength(1);
        for (const o of outcomes.filter((x) => x.refusal)) expect([3, 6]).toContain(exitCode(o));
        expect((await workflow.audit(100)).filter((e) => e.type === 'executing')).toHaveLength(1);
      });

      it('executes at most once when two workflows share a store', async () => {
        const { store, vendor, clock } = harness({ store: await fresh() });
        const make = () =>
          createWorkflow({ policy: testPolicy(1), store, execute: vendor.execute, now: () => clock.now });
        const [one, two] = [make(), make()];
        const id = (await one.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!.id;
        await Promise.all([one.approve(id, bob), two.approve(id, carol), two.approve(id, dave)]);
        expect(vendor.calls).toHaveLength(1);
      });

      it('lets one of a racing approval and denial win; the vendor runs only if the approval won', async () => {
        const { workflow, store, vendor } = harness({ store: await fresh(), count: 1 });
        const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!
          .id;
        const [approved, denied] = await Promise.all([workflow.approve(id, bob), workflow.deny(id, carol)]);
        const final = (await store.get(id))!;
        const trail = await steps(store, id);
        if (final.status === 'denied') {
          expect(approved).toMatchObject({ status: 'denied', refusal: { kind: 'not_open' } });
          expect(vendor.calls).toEqual([]);
          expect(trail).toEqual(['submitted:>pending', 'denied:pending>denied']);
        } else {
          expect(final.status).toBe('succeeded');
          expect(denied).toMatchObject({ refusal: { kind: 'not_open' } });
          expect(vendor.calls).toHaveLength(1);
          expect(trail).toEqual([
            'submitted:>pending',
            'approved:pending>approved',
            'executing:approved>executing',
            'succeeded:executing>succeeded',
          ]);
        }
      });

      it('returns the existing request for a duplicate delivery', async () => {
        const { workflow, store, vendor } = harness({ store: await fresh() });
        const input = { target: 'webex-prod', call: unclaim(), actor: alice, deliveryKey: 'slack:Ev1' };
        const first = await workflow.submit(input);
        const again = await workflow.submit(input);
        expect(again.request?.id).toBe(first.request?.id);
        const read = { target: 'yc', call: lookup(), actor: alice, deliveryKey: 'slack:Ev2' };
        const both = await Promise.all([workflow.submit(read), workflow.submit(read), workflow.submit(read)]);
        expect(new Set(both.map((o) => o.request?.id)).size).toBe(1);
        expect(vendor.calls).toHaveLength(1);
        expect(await store.listByStatus(['pending', 'succeeded'])).toHaveLength(2);
      });

      it('returns the existing request when a duplicate delivery loses the insert race', async () => {
        const { store, vendor, clock } = harness({ store: await fresh() });
        let n = 0;
        const workflows = [0, 1].map(() =>
          createWorkflow({
            policy: testPolicy(),
            store,
            execute: vendor.execute,
            now: () => clock.now,
            newId: () => `r-race000${n++}`,
          }),
        );
        const input = { target: 'webex-prod', call: unclaim(), actor: alice, deliveryKey: 'webex:msg1' };
        const [a, b] = await Promise.all(workflows.map((w) => w.submit(input)));
        expect(a?.request?.id).toBe(b?.request?.id);
      });

      it('refuses a conflicting key that loses the insert race, too', async () => {
        const { store, vendor, clock } = harness({ store: await fresh() });
        const make = (id: string) =>
          createWorkflow({
            policy: testPolicy(),
            store,
            execute: vendor.execute,
            now: () => clock.now,
            newId: () => id,
          });
        // Both look the key up before either inserts; the loser must not get the winner's request.
        const [a, b] = [make('r-aaaaaaaa'), make('r-bbbbbbbb')];
        const results = await Promise.allSettled([
          a.submit({ target: 'webex-prod', call: unclaim(), actor: alice, deliveryKey: 'k-race' }),
          b.submit({ target: 'webex-prod', call: unclaim(), actor: bob, deliveryKey: 'k-race' }),
        ]);
        const fulfilled = results.filter((r) => r.status === 'fulfilled');
        expect(fulfilled).toHaveLength(1);
        expect(results.find((r) => r.status === 'rejected')).toMatchObject({
          reason: { code: 'delivery_key_conflict' },
        });
        expect(await store.listByStatus(['pending'])).toHaveLength(1);
      });
    });

    describe('expiry, on an injected clock', () => {
      /** A workflow on `store` whose clock the test moves, reporting what it expires. */
      const expiring = (store: RequestStore, clock: { now: number }) => {
        const expired: RequestRecord[] = [];
        const flow = createWorkflow({
          policy: testPolicy(1),
          store,
          execute: async (_target, call) => resultFor(call as Parameters<typeof resultFor>[0]),
          now: () => clock.now,
          onExpired: (r) => expired.push(r),
        });
        return { flow, expired };
      };

      it('expires a pending request on access, for approvals too', async () => {
        const { workflow, clock, vendor } = harness({ store: await fresh(), count: 1 });
        const id = (await workflow.submit({ target: 'webex-prod', call: unclaim(), actor: alice })).request!
          .id;
        clock.now += 30 * MINUTE;
        const outcome = await workflow.approve(id, bob);
        expect(outcome).toMatchObject({ status: 'expired', refusal: { kind: 'not_open' } });
        expect(exitCode(outcome)).toBe(6);
        expect(vendor.calls).toHaveLength(0);
        expect((await workflow.get(id))?.status).toBe('expired');
        expect((await workflow.audit()).at(-1)).toMatchObject({
          type: 'expired',
          actor: { platform: 'system' },
          from: 'pending',
        });
      });

      it('expires overdue requests in a sweep and leaves the others', async () => {
        const { workflow, clock } = harness({ store: await fresh() });
        const old = (await workflow.submit({ target: 'webex-prod', call: unclaim('old.com'), actor: alice }))
          .request!.id;
        clock.now += 20 * MINUTE;
        const fresher = (
          await workflow.submit({ target: 'webex-prod', call: unclaim('new.com'), actor: alice })
        ).request!.id;
        clock.now += 15 * MINUTE;
        expect((await workflow.sweep()).map((r) => r.id)).toEqual([old]);
        expect(await workflow.sweep()).toEqual([]);
        expect((await workflow.pending()).map((r) => r.id)).toEqual([fresher]);
        clock.now += 15 * MINUTE;
        expect(await workflow.pending()).toEqual([]);
        expect((await workflow.get(fresher))?.status).toBe('expired');
      });

      it('keeps a request pending until its deadline and expires it at the deadline, once', async () => {
        const store = await fresh();
        const clock = { now: 1_800_000_000_000 };
        const { flow, expired } = expiring(store, clock);
        const asked = await flow.submit({ target: 'webex-prod', call: unclaim(), actor: alice });
        const id = asked.request!.id;
        clock.now = asked.request!.approval!.expiresAt - 1;
        expect(await flow.sweep()).toEqual([]);
        expect((await flow.get(id))?.status).toBe('pending');
        clock.now += 1;
        expect((await flow.get(id))?.status).toBe('expired');
        expect(await store.get(id)).toMatchObject({ status: 'expired', version: 2 });
        expect(await flow.sweep()).toEqual([]);
        expect(expired.map((r) => r.id)).toEqual([id]);
        expect(await steps(store, id)).toEqual(['submitted:>pending', 'expired:pending>expired']);
      });

      it('reports a request found overdue on access, once', async () => {
        const store = await fresh();
        const clock = { now: 1_800_000_000_000 };
        const { flow, expired } = expiring(store, clock);
        const asked = await flow.submit({ target: 'webex-prod', call: unclaim(), actor: alice });
        clock.now += 31 * MINUTE;
        const late = await flow.approve(asked.request!.id, bob);
        expect(late.status).toBe('expired');
        await flow.pending();
        await flow.sweep();
        expect(expired.map((r) => [r.id, r.status])).toEqual([[asked.request!.id, 'expired']]);
      });

      it('pages the pending requests: the oldest, every one counted, overdue ones expired and neither listed nor counted', async () => {
        const store = await fresh();
        const clock = { now: 1_800_000_000_000 };
        const { flow, expired } = expiring(store, clock);
        const ids: string[] = [];
        for (let i = 0; i < 6; i++) {
          const asked = await flow.submit({ target: 'webex-prod', call: unclaim(`d${i}.com`), actor: alice });
          ids.push(asked.request!.id);
          clock.now += MINUTE;
        }
        // d5.com is cancelled: no longer waiting.
        await flow.cancel(ids[5]!, alice);
        expect(await flow.pendingCount()).toBe(5);
        const first = await flow.pendingPage(2);
        expect(first.requests.map((r) => r.id)).toEqual(ids.slice(0, 2));
        expect(first.total).toBe(5);
        // The first two are overdue (30 minutes each, asked a minute apart).
        clock.now = 1_800_000_000_000 + 31 * MINUTE;
        const page = await flow.pendingPage(2);
        expect(page.requests.map((r) => r.id)).toEqual(ids.slice(2, 4));
        expect(page.requests.every((r) => r.status === 'pending')).toBe(true);
        expect(page.total).toBe(3);
        expect(expired.map((r) => r.id)).toEqual(ids.slice(0, 2));
        expect((await store.get(ids[0]!))?.status).toBe('expired');
        expect(await flow.pendingCount()).toBe(3);
        expect(await flow.pendingPage()).toEqual({
          requests: page.requests.concat((await flow.get(ids[4]!)) ?? []),
          total: 3,
        });
        expect(await flow.pendingPage(0)).toEqual({ requests: [], total: 3 });
        // Expired once, whoever looked.
        expect(await flow.sweep()).toEqual([]);
        expect(expired).toHaveLength(2);
        // The full list agrees.
        expect((await flow.pending()).map((r) => r.id)).toEqual(ids.slice(2, 5));
        clock.now += 10 * MINUTE;
        expect(await flow.pendingCount()).toBe(0);
        expect(await flow.pendingPage()).toEqual({ requests: [], total: 0 });
        expect(expired.map((r) => r.id)).toEqual(ids.slice(0, 5));
      });

      it('reports what the sweep expires, and nothing still pending', async () => {
        const store = await fresh();
        const clock = { now: 1_800_000_000_000 };
        const { flow, expired } = expiring(store, clock);
        const old = await flow.submit({ target: 'webex-prod', call: unclaim('old.com'), actor: alice });
        clock.now += 20 * MINUTE;
        await flow.submit({ target: 'webex-prod', call: unclaim('new.com'), actor: alice });
        clock.now += 11 * MINUTE;
        const swept = await flow.sweep();
        expect(swept.map((r) => r.id)).toEqual([old.request!.id]);
        expect(expired.map((r) => r.id)).toEqual([old.request!.id]);
      });

      it('expires each request once when two workflows sweep at the same time', async () => {
        const store = await fresh();
        const clock = { now: 1_800_000_000_000 };
        const [one, two] = [expiring(store, clock), expiring(store, clock)];
        const ids: string[] = [];
        for (const domain of ['a.com', 'b.com', 'c.com', 'd.com']) {
          ids.push(
            (await one.flow.submit({ target: 'webex-prod', call: unclaim(domain), actor: alice })).request!
              .id,
          );
        }
        clock.now += 31 * MINUTE;
        const [a, b] = await Promise.all([one.flow.sweep(), two.flow.sweep()]);
        // Each request is reported by the workflow whose write expired it, and by no other.
        expect([...one.expired, ...two.expired].map((r) => r.id).sort()).toEqual([...ids].sort());
        for (const r of [...a, ...b]) expect(r).toMatchObject({ status: 'expired', version: 2 });
        const audit = await store.listAudit({ limit: 100 });
        expect(
          audit
            .filter((e) => e.type === 'expired')
            .map((e) => e.requestId)
            .sort(),
        ).toEqual([...ids].sort());
        expect(await store.listByStatus(['expired'])).toHaveLength(4);
      });
    });

    interleavings(open, options.propertyRuns ?? 150);
  });
}
