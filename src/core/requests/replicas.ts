/**
 * What several processes sharing one store need beyond compare-and-set: leases on executing
 * requests (a run whose process went silent is reported `unknown` once its lease ran out, and
 * never run again), the change feed (every process learns of the changes the others made, from
 * the audit sequence), and claims (each change is told to the platforms by one process only).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Actor } from '../policy/actor.ts';
import { settleInterrupted } from './batch.ts';
import { noticeKey, type RequestError, type RequestRecord, showsProgress } from './model.ts';
import type { AuditEvent, RequestStore } from './store.ts';
import { contention, MAX_ATTEMPTS, SYSTEM, type Transitions } from './transitions.ts';

/** A process id for leases and `changedBy`: host, pid and a random part (a pid is reused). */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * Whether the process that took a lease is known to be gone, as a process that is just starting
 * can tell: it ran on this host and its pid is not running any more, or it was an earlier
 * workflow of this very process. A process elsewhere is never known to be gone: its lease runs out.
 */
export function ownerGone(owner: string, self: string): boolean {
  const parts = owner.split(':');
  if (parts.length < 3) return false;
  const pid = Number(parts.at(-2));
  const host = parts.slice(0, -2).join(':');
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return owner !== self;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: it exists (another user's); ESRCH: no such process.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Statuses that are about to change again: their outcome is told, not the run itself (but its progress is). */
const RUNNING: ReadonlySet<RequestRecord['status']> = new Set(['approved', 'executing']);

/** A request about to change again, with no progress to show: nothing to tell until it does. */
function quiet(record: RequestRecord): boolean {
  return RUNNING.has(record.status) && !showsProgress(record);
}

/**
 * Reports `unknown` every executing request whose lease ran out: its process stopped (or lost
 * the store) before storing an outcome. Each is a compare-and-set, so with every process
 * checking, one of them reports it (audited once), and a lease renewed meanwhile wins. Requests
 * this process runs are left alone. `atStart` (recovery when a process starts): a request whose
 * process is known to be gone (`ownerGone`: a restart on the same host) is reported without
 * waiting for its lease, and so is one stored executing without a lease (by a domainops from
 * before leases).
 */
export async function expireLeases(
  store: RequestStore,
  t: Transitions,
  running: (id: string) => boolean,
  atStart: { self: string } | undefined,
): Promise<RequestRecord[]> {
  const reported: RequestRecord[] = [];
  for (const request of await store.listByStatus(['executing'])) {
    if (running(request.id)) continue;
    const lease = request.lease;
    const over =
      lease === undefined
        ? atStart !== undefined
        : t.now() >= lease.until || (atStart !== undefined && ownerGone(lease.owner, atStart.self));
    if (!over) continue;
    const expired = lease !== undefined && t.now() >= lease.until;
    const what = expired
      ? `the domainops process running request ${request.id} stopped answering (its lease ran out)`
      : `domainops stopped while request ${request.id} was running`;
    const error: RequestError = {
      code: 'interrupted',
      message: `${what}: it may or may not have taken effect`,
      hint: `check ${request.target} before trying again`,
    };
    const details: Record<string, unknown> =
      lease === undefined
        ? { reason: 'interrupted' }
        : {
            reason: expired ? 'lease_expired' : 'process_gone',
            owner: lease.owner,
            leaseUntil: new Date(lease.until).toISOString(),
          };
    let next: RequestRecord & { status: 'succeeded' | 'failed' | 'unknown' } = {
      ...request,
      status: 'unknown',
      error,
    };
    if (request.items !== undefined) {
      // A batch keeps what finished; the items in flight are unknown, those not started skipped.
      const settled = settleInterrupted(request, what);
      const { error: _error, ...rest } = request;
      next = {
        ...rest,
        status: settled.status,
        items: settled.items,
        ...(settled.error === undefined ? {} : { error: settled.error }),
      };
      const unknown = settled.items.filter((i) => i.status === 'unknown').length;
      const skipped = settled.items.filter((i) => i.status === 'skipped').length;
      Object.assign(details, { items: { unknown, skipped } });
    }
    const stored = await t.write(request, next, [
      t.event(request, SYSTEM, next.status, next.status, details),
    ]);
    if (stored) reported.push(stored);
  }
  return reported;
}

/**
 * Claims telling the platforms about the request's state `key` (`noticeKey`): the first process
 * to claim a state tells it; any other claim of the same state, from this process or another,
 * gets undefined, and so does a claim of a state the request has left (whoever changed it tells
 * the new one). A request about to change again (approved, executing) is not told: its outcome
 * will be; but the progress of a running one is (`progress.seq` is in the key). The claim is a
 * compare-and-set with no audit event and no state change.
 */
export async function claimNotice(
  store: RequestStore,
  id: string,
  key: string,
): Promise<RequestRecord | undefined> {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const record = await store.get(id);
    if (record === undefined || quiet(record)) return undefined;
    if (noticeKey(record) !== key || record.told === key) return undefined;
    const stored = await store.compareAndSet(record.id, record.version, { ...record, told: key }, []);
    if (stored) return stored;
  }
  throw contention(id);
}

/** A change another process made (or nobody did, such as an expiry there), as a follower sees it. */
export interface Change {
  /** The request as it is now. */
  record: RequestRecord;
  /** Who made the change; undefined when domainops did (expiry, a lease that ran out, a late result). */
  by?: Actor;
  /** The approve, deny or cancel the change was. */
  decision?: 'approve' | 'deny' | 'cancel';
  /**
   * The change is a running request's progress (a batch item finished, a long call's interim
   * result), not a state change: platforms may show it at a lower rate than state changes.
   */
  progress?: true;
}

/** Follows the change feed of a store for one process; `poll` returns what changed since the last poll. */
export interface Follower {
  /** Reads the changes since the last poll (the first poll starts at the latest change and returns none). */
  poll(): Promise<Change[]>;
  /** The store's notifications of new changes, when it has them (`RequestStore.watch`): poll at once. */
  watch?(onChange: () => void): () => void;
  /** The seq up to which every change has been read (for logs and tests). */
  readonly position: number | undefined;
}

/** How many audit events one poll reads at most. */
const PAGE = 500;

/**
 * How long a gap in the audit sequence is waited for: a server database assigns `seq` when an
 * event is written and the transaction may commit a moment after a later one (or roll back and
 * leave the gap for good). Events after a gap are read at once; the gap is read again until it
 * fills or this long has passed.
 */
const GAP_WAIT = 30_000;

/** Event types of an approve that went through (and of the run it started). */
const APPROVED = new Set(['approval', 'approved', 'executing', 'succeeded', 'failed', 'unknown', 'rejected']);

/** Events that record a running request's progress, not a state change. */
const PROGRESS = new Set(['item', 'progress']);

/** Who made a change, from the last audit event of it; late results and domainops' own are nobody's. */
function madeBy(event: AuditEvent, record: RequestRecord): Omit<Change, 'record'> {
  if (PROGRESS.has(event.type) && showsProgress(record)) return { progress: true };
  if (event.actor.platform === 'system' || event.details?.late === true) return {};
  const { platform, id, email } = event.actor;
  const by: Actor = email === undefined ? { platform, id } : { platform, id, email };
  if (event.type === 'denied') return { by, decision: 'deny' };
  if (event.type === 'cancelled') return { by, decision: 'cancel' };
  if (APPROVED.has(event.type) && record.approvals.length > 0) return { by, decision: 'approve' };
  return { by };
}

/**
 * A follower of `store`'s change feed for the process `owner`: changes this process made
 * (`changedBy`) are left out (it told them when it made them), and so are requests about to
 * change again (approved, executing) and states already told (`told`). The progress of a running
 * request is followed whichever process runs it, this one included: nobody tells it otherwise.
 */
export function createFollower(store: RequestStore, owner: string, now: () => number): Follower {
  let from: number | undefined;
  /** Seqs after `from` already read (beyond a gap). */
  const read = new Set<number>();
  let gap: { at: number; since: number } | undefined;

  /** Moves `from` over what has been read, and over a gap that stayed open for GAP_WAIT. */
  const advance = (): void => {
    while (from !== undefined && read.size > 0) {
      const next = from + 1;
      if (read.delete(next)) {
        from = next;
        continue;
      }
      if (gap?.at !== next) gap = { at: next, since: now() };
      if (now() - gap.since < GAP_WAIT) return;
      from = Math.min(...read) - 1;
    }
    gap = undefined;
  };

  return {
    ...(store.watch ? { watch: (onChange: () => void) => store.watch!(onChange) } : {}),
    get position() {
      return from;
    },
    async poll() {
      if (from === undefined) {
        from = await store.latestSeq();
        return [];
      }
      const events = await store.changesSince(from, { limit: PAGE });
      const last = new Map<string, AuditEvent>();
      for (const event of events) {
        if (event.seq === undefined || event.seq <= from || read.has(event.seq)) continue;
        read.add(event.seq);
        if (event.type !== 'refused') last.set(event.requestId, event);
      }
      advance();
      const changes: Change[] = [];
      for (const [id, event] of last) {
        const record = await store.get(id);
        if (record === undefined || quiet(record)) continue;
        const progress = PROGRESS.has(event.type) && showsProgress(record);
        if (record.changedBy === owner && !progress) continue;
        if (record.told === noticeKey(record)) continue;
        changes.push({ record, ...madeBy(event, record) });
      }
      return changes;
    },
  };
}
