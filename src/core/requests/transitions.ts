import { DomainopsError } from '../errors.ts';
import { type Actor, actorEmail } from '../policy/actor.ts';
import { normaliseRequestId, type RequestRecord, type RequestStatus } from './model.ts';
import type { NotAllowedReason, Outcome } from './outcome.ts';
import { outcomeOf } from './outcome.ts';
import type { AuditActor, AuditEvent, RequestStore } from './store.ts';

/** How often a write is retried when another writer changed the request in between. */
export const MAX_ATTEMPTS = 50;

/** The actor of events domainops causes by itself (expiry, recovery). */
export const SYSTEM: AuditActor = { platform: 'system', id: 'domainops' };

/** The audit form of an actor: platform, id and email, nothing else. */
export function auditActor(actor: Actor): AuditActor {
  const email = actorEmail(actor);
  return email === undefined
    ? { platform: actor.platform, id: actor.id }
    : { platform: actor.platform, id: actor.id, email };
}

/** Thrown when a request kept changing under us for MAX_ATTEMPTS rounds. */
export function contention(id: string): DomainopsError {
  return new DomainopsError('store_contention', `request ${id} kept changing while we tried to update it`, {
    hint: 'try again',
  });
}

/** The primitives every transition is built from: an audit event, a CAS write, expiry on read. */
export interface Transitions {
  /** The workflow's clock. */
  now(): number;
  event(
    request: RequestRecord,
    actor: AuditActor,
    type: AuditEvent['type'],
    to: RequestStatus | undefined,
    details?: Record<string, unknown>,
  ): AuditEvent;
  /** Writes `next` over `current` if nobody wrote in between, with the events; undefined when we lost. */
  write(
    current: RequestRecord,
    next: RequestRecord,
    events: AuditEvent[],
  ): Promise<RequestRecord | undefined>;
  /** The request as it is now: a pending one past its deadline is expired (and audited) first. */
  refresh(found: RequestRecord | undefined): Promise<RequestRecord | undefined>;
  /** `refresh` of the stored request with this id (as typed: case and spaces do not matter). */
  load(id: string): Promise<RequestRecord | undefined>;
  /** Audits a refused approve/deny/cancel and returns its `not_allowed` outcome. */
  refuse(
    request: RequestRecord,
    actor: Actor,
    attempt: 'approve' | 'deny' | 'cancel',
    reason: NotAllowedReason,
    message: string,
    hint?: string,
  ): Promise<Outcome>;
}

/** Who this process is, and how long a lease it takes on the requests it starts running. */
export interface LeaseTerms {
  /** This process's id (`Workflow.owner`). */
  owner: string;
  /** Milliseconds a lease lasts unless renewed. */
  duration: number;
}

export function createTransitions(
  store: RequestStore,
  now: () => number,
  onExpired?: (record: RequestRecord) => void,
  lease: LeaseTerms = { owner: 'domainops', duration: 60_000 },
): Transitions {
  const event: Transitions['event'] = (request, actor, type, to, details) => {
    const e: AuditEvent = { at: now(), requestId: request.id, actor, type, from: request.status };
    if (to !== undefined) e.to = to;
    if (details !== undefined) e.details = details;
    return e;
  };
  /**
   * Every state change names this process (`changedBy`); the write that starts a run takes the
   * lease, and every write that leaves `executing` drops it.
   */
  const write: Transitions['write'] = (current, next, events) => {
    const at = now();
    const { lease: held, ...rest } = next;
    const stamped: RequestRecord = { ...rest, updatedAt: at, changedBy: lease.owner };
    if (next.status === 'executing') {
      stamped.lease =
        current.status === 'executing' && held !== undefined
          ? held
          : { owner: lease.owner, until: at + lease.duration };
    }
    return store.compareAndSet(current.id, current.version, stamped, events);
  };
  const refresh: Transitions['refresh'] = async (found) => {
    let record = found;
    for (let i = 0; record && i < MAX_ATTEMPTS; i++) {
      if (record.status !== 'pending' || !record.approval || now() < record.approval.expiresAt) return record;
      const expiresAt = new Date(record.approval.expiresAt).toISOString();
      const expired = await write(record, { ...record, status: 'expired' }, [
        event(record, SYSTEM, 'expired', 'expired', { expiresAt }),
      ]);
      if (expired) {
        onExpired?.(expired);
        return expired;
      }
      record = await store.get(record.id);
    }
    return record;
  };
  return {
    now,
    event,
    write,
    refresh,
    load: async (id) => refresh(await store.get(normaliseRequestId(id))),
    async refuse(request, actor, attempt, reason, message, hint) {
      await store.appendAudit([event(request, auditActor(actor), 'refused', undefined, { attempt, reason })]);
      const error = hint === undefined ? { code: reason, message } : { code: reason, message, hint };
      return { ...outcomeOf(request), refusal: { kind: 'not_allowed', reason }, error };
    },
  };
}
