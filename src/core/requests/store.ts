import type { DomainopsError } from '../errors.ts';
import type { Actor } from '../policy/actor.ts';
import type { RequestRecord, RequestStatus } from './model.ts';

/** Who caused an audit event: a person, or domainops itself (expiry, recovery). */
export interface AuditActor {
  platform: Actor['platform'] | 'system';
  id: string;
  email?: string;
}

export type AuditEventType =
  | 'submitted'
  | 'rejected'
  | 'approval'
  | 'approved'
  | 'executing'
  | 'succeeded'
  | 'failed'
  | 'unknown'
  | 'denied'
  | 'expired'
  | 'cancelled'
  /** An approve, deny or cancel that was not allowed; no state change. */
  | 'refused'
  /** One item of a batch finished (details: subject, status, error code); no state change. */
  | 'item'
  /** A running request's progress was stored (batch counts, a long call's interim result); no state change. */
  | 'progress';

/** One line of the append-only audit trail. */
export interface AuditEvent {
  /** Assigned by the store: the order events were appended in. */
  seq?: number;
  /** Epoch milliseconds. */
  at: number;
  requestId: string;
  actor: AuditActor;
  type: AuditEventType;
  from?: RequestStatus;
  to?: RequestStatus;
  details?: Record<string, unknown>;
  /**
   * Assigned by the store: the hash chain's link (./audit-chain.ts), the hex SHA-256 of the
   * previous event's hash and this event's canonical form. Ignored when appending.
   */
  hash?: string;
}

/** The newest event of the hash chain as the store recorded it when appending: its seq and hash. */
export interface AuditHead {
  /** 0 when nothing was appended yet. */
  seq: number;
  /** GENESIS when nothing was appended yet. */
  hash: string;
}

/** `inserted`, or the request already stored under the same delivery key (`existing`), or an id collision. */
export type InsertResult =
  | { inserted: true; record: RequestRecord }
  | { inserted: false; existing?: RequestRecord };

/** Whether the store can be written now; if not, why (`store_full`, `store_missing`, …, with a hint). */
export type StoreHealth = { ok: true } | { ok: false; error: DomainopsError };

/**
 * Where requests and the audit trail live. Methods are async so that a server database fits
 * behind the same interface. Writes that change a request take the audit events that describe
 * the change and store both atomically. Failures are DomainopsErrors with a stable `store_*`
 * code (see store-errors.ts): a write happened completely or not at all.
 */
export interface RequestStore {
  /**
   * Stores a new request (with version 1) and its audit events. Every write that appends events
   * assigns their `seq` (one more than the last, in the order the writes take effect) and `hash`
   * (./audit-chain.ts) while it holds the store's write order, so that concurrent writers, in
   * this process or others, extend one chain. A request with the same delivery key is never
   * stored twice: the existing one is returned instead.
   */
  insert(record: RequestRecord, events: readonly AuditEvent[]): Promise<InsertResult>;
  get(id: string): Promise<RequestRecord | undefined>;
  findByDeliveryKey(key: string): Promise<RequestRecord | undefined>;
  /**
   * Replaces the request if its stored version is still `expectedVersion`, appending the
   * events in the same transaction. Returns the stored record (version + 1), or undefined when
   * another writer got there first: the caller re-reads and decides again.
   */
  compareAndSet(
    id: string,
    expectedVersion: number,
    next: RequestRecord,
    events: readonly AuditEvent[],
  ): Promise<RequestRecord | undefined>;
  /**
   * Requests in any of the statuses, oldest first, at most `limit`. With `expiresBy` (epoch ms),
   * only those whose approval deadline (`approval.expiresAt`) is at or before it, found through an
   * index on the deadline: the overdue ones, read without reading the others.
   */
  listByStatus(
    statuses: readonly RequestStatus[],
    options?: { limit?: number; expiresBy?: number },
  ): Promise<RequestRecord[]>;
  /** How many requests are in any of the statuses: one indexed count, no request read. */
  countByStatus(statuses: readonly RequestStatus[]): Promise<number>;
  /**
   * The most recently updated request of this target and action that succeeded for the subject
   * (e.g. the last `verify-token` of a domain), or undefined when there is none: a request of
   * that subject whose status is `succeeded`, or a batch (`items`) with a `succeeded` item of
   * that subject, whatever the batch's own status (its other items may have failed). The caller
   * takes a batch's result from its item.
   */
  lastResult(query: { target: string; action: string; subject: string }): Promise<RequestRecord | undefined>;
  /** Appends events that change no request (refused attempts). */
  appendAudit(events: readonly AuditEvent[]): Promise<void>;
  /** The latest `limit` events (of one request, if given), in the order they happened. */
  listAudit(options: { limit: number; requestId?: string }): Promise<AuditEvent[]>;
  /**
   * The change feed: audit events appended after `seq` by any process, oldest first, at most
   * `limit` (default 100). Every state change appends one, so following it from `latestSeq()`
   * learns of every change another process makes. One indexed read, cheap enough to poll every
   * half second. A store whose transactions may commit out of `seq` order (a server database)
   * may leave a gap that fills a moment later: followers read again from the oldest gap
   * (./replicas.ts), so the store need not wait for it.
   */
  changesSince(seq: number, options?: { limit?: number }): Promise<AuditEvent[]>;
  /** The `seq` of the latest audit event (0 when there is none): where a follower starts. */
  latestSeq(): Promise<number>;
  /**
   * The head of the audit hash chain as recorded by the last append, kept apart from the events:
   * events deleted from the end of the trail show as a head beyond the newest event.
   */
  auditHead(): Promise<AuditHead>;
  /**
   * Optional: calls `onChange` soon after any process appended audit events (a server's
   * notifications), so that followers read `changesSince` at once instead of at their next
   * poll. Returns a function that stops it. Without it, followers poll.
   */
  watch?(onChange: () => void): () => void;
  /**
   * Whether the store can take writes: the file is still the one opened, there is room, and a
   * small write succeeds. Cheap enough for every /readyz: the write runs at most every few
   * seconds, and at once after an operation failed.
   */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
