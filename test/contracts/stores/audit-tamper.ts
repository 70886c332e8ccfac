/**
 * The audit trail altered behind domainops' back, and `domainops audit verify` finding it: what
 * someone with direct access to the database could do (drop the append-only triggers, then
 * edit, delete or swap rows with SQL), for every store module. The CLI runs in this process
 * against a config whose `store:` is the store under test; the exact first bad seq is named.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent, RequestStore } from '../../../src/core/requests/store.ts';
import { cli, UNCLAIM_ENV, unclaimConfig, writeConfig } from '../../cli/helpers.ts';
import { event, record } from '../store.ts';

/** A fresh store, and what someone with the database in hand can do to it. */
export interface TamperStore {
  store: RequestStore;
  /** The `store:` setting of a config that opens the same store. */
  setting: string;
  /** Runs one statement on the database itself, parameters `$1`, `$2`, … in order. */
  sql(text: string, params?: unknown[]): Promise<void>;
  /** Drops the triggers that keep the audit table append-only. */
  dropTriggers(): Promise<void>;
  cleanup(): Promise<void>;
}

/** The chained columns of an audit row, and the hash. */
const COLUMNS =
  'at, request_id, actor_platform, actor_id, actor_email, type, from_status, to_status, details, hash';

function columnValues(e: AuditEvent): unknown[] {
  return [
    e.at,
    e.requestId,
    e.actor.platform,
    e.actor.id,
    e.actor.email ?? null,
    e.type,
    e.from ?? null,
    e.to ?? null,
    e.details === undefined ? null : JSON.stringify(e.details),
    e.hash,
  ];
}

export function auditTamperContract(name: string, open: () => Promise<TamperStore>): void {
  describe(`audit verify finds the audit trail altered: ${name}`, () => {
    const opened: TamperStore[] = [];
    afterEach(async () => {
      for (const s of opened.splice(0).reverse()) await s.cleanup();
    });

    /** A store with six events (seq 1…6) written by inserts, appends and a compare-and-set. */
    const six = async () => {
      const s = await open();
      opened.push(s);
      const { store } = s;
      const a = await store.insert(record('r-tamper01'), [event('r-tamper01', 'submitted')]);
      if (!a.inserted) throw new Error('not inserted');
      await store.appendAudit([event('r-tamper01', 'refused', 1100)]);
      await store.insert(record('r-tamper02'), [event('r-tamper02', 'submitted', 1200)]);
      await store.compareAndSet('r-tamper01', 1, { ...a.record, status: 'denied' }, [
        { ...event('r-tamper01', 'denied', 1300), from: 'pending', to: 'denied', details: { reason: 'no' } },
      ]);
      await store.appendAudit([event('r-tamper02', 'refused', 1400), event('r-tamper02', 'refused', 1500)]);
      const file = writeConfig(unclaimConfig().replace('store: ./data/domainops.db', `store: ${s.setting}`));
      const verify = async (json = false) => {
        const run = await cli(
          ['audit', 'verify', '--config', file, ...(json ? ['--json'] : [])],
          UNCLAIM_ENV,
        );
        return { ...run, doc: json ? (JSON.parse(run.stdout) as Record<string, unknown>) : undefined };
      };
      return { ...s, verify, file };
    };

    it('says the trail is intact (exit 0) with the number of events checked', async () => {
      const s = await six();
      expect(await s.verify()).toMatchObject({ code: 0, stdout: 'audit trail intact: 6 events checked\n' });
      expect((await s.verify(true)).doc).toEqual({ ok: true, checked: 6 });
      // `audit --jsonl` shows the hashes it checked.
      const lines = await cli(['audit', '--jsonl', '--config', s.file], UNCLAIM_ENV);
      const shown = lines.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { seq: number; hash: string });
      const stored = await s.store.changesSince(0, { limit: 10 });
      expect(shown.map((d) => [d.seq, d.hash])).toEqual(stored.map((e) => [e.seq, e.hash]));
    });

    it('names an event whose details were edited (exit 7)', async () => {
      const s = await six();
      await s.dropTriggers();
      await s.sql('UPDATE audit SET details = $1 WHERE seq = $2', [JSON.stringify({ reason: 'yes' }), 4]);
      const run = await s.verify();
      expect(run.code).toBe(7);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        /^audit trail altered at seq 4 \(edited\): seq 4 was changed after it was appended/,
      );
      expect(run.stderr).toContain('3 events before it are intact');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect((await s.verify(true)).doc).toMatchObject({
        ok: false,
        checked: 3,
        badSeq: 4,
        problem: 'edited',
      });
    });

    it('names an event whose details are no JSON any more (exit 7), and audit --json/--jsonl show it', async () => {
      const s = await six();
      await s.dropTriggers();
      await s.sql('UPDATE audit SET details = $1 WHERE seq = $2', ['{bad', 5]);
      const run = await s.verify();
      expect(run.code).toBe(7);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        /^audit trail altered at seq 5 \(edited\): seq 5 was changed after it was appended/,
      );
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect((await s.verify(true)).doc).toMatchObject({
        ok: false,
        checked: 4,
        badSeq: 5,
        problem: 'edited',
      });
      // The listings print the row as it reads, the raw text kept, instead of crashing.
      const json = await cli(['audit', '--json', '--config', s.file], UNCLAIM_ENV);
      expect(json).toMatchObject({ code: 0, stderr: '' });
      const docs = JSON.parse(json.stdout) as { seq: number; details?: unknown }[];
      expect(docs.find((d) => d.seq === 5)?.details).toEqual({ unreadable: '{bad' });
      const lines = await cli(['audit', '--jsonl', '--config', s.file], UNCLAIM_ENV);
      expect(lines.code).toBe(0);
      expect(lines.stdout.trim().split('\n')).toHaveLength(6);
      const text = await cli(['audit', '--config', s.file], UNCLAIM_ENV);
      expect(text.code).toBe(0);
    });

    it('names a deleted event (exit 7)', async () => {
      const s = await six();
      await s.dropTriggers();
      await s.sql('DELETE FROM audit WHERE seq = $1', [3]);
      const run = await s.verify();
      expect(run.code).toBe(7);
      expect(run.stderr).toMatch(/^audit trail altered at seq 3 \(missing\): seq 3 is missing \(deleted\)/);
      expect((await s.verify(true)).doc).toMatchObject({
        ok: false,
        checked: 2,
        badSeq: 3,
        problem: 'missing',
      });
    });

    it('names the newest events deleted, by the head the store recorded (exit 7)', async () => {
      const s = await six();
      await s.dropTriggers();
      await s.sql('DELETE FROM audit WHERE seq >= $1', [5]);
      expect((await s.verify(true)).doc).toMatchObject({
        ok: false,
        checked: 4,
        badSeq: 5,
        problem: 'missing',
      });
      // And an event appended later does not hide the gap.
      await s.store.appendAudit([event('r-tamper02', 'refused', 1600)]);
      expect((await s.verify(true)).doc).toMatchObject({ badSeq: 5, problem: 'missing' });
    });

    it('names two events that changed places (exit 7)', async () => {
      const s = await six();
      const [third, fourth] = await s.store.changesSince(2, { limit: 2 });
      await s.dropTriggers();
      const set = `UPDATE audit SET ${COLUMNS.split(', ')
        .map((c, i) => `${c} = $${i + 1}`)
        .join(', ')} WHERE seq = $11`;
      await s.sql(set, [...columnValues(fourth!), 3]);
      await s.sql(set, [...columnValues(third!), 4]);
      const run = await s.verify();
      expect(run.code).toBe(7);
      expect(run.stderr).toMatch(
        /^audit trail altered at seq 3 \(reordered\): seq 3 and seq 4 changed places/,
      );
      expect((await s.verify(true)).doc).toMatchObject({
        ok: false,
        checked: 2,
        badSeq: 3,
        problem: 'reordered',
      });
    });
  });
}
