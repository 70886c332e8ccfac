import type { PolicyConfig } from '../config/types.ts';
import { DomainopsError } from '../errors.ts';
import type { Actor } from '../policy/actor.ts';
import { evaluateBatch } from '../policy/batch.ts';
import type { ExecuteOptions, RedactedRequest, VendorCall, VendorResult } from '../ports.ts';
import type { BatchTerms } from './batch.ts';
import { createDecisions, type RebuildRequest, rejectedError } from './decisions.ts';
import { createRunner, type LeaseRenewal, type RunHooks, realTimeWait } from './execution.ts';
import { type BatchItem, newRequestId, normaliseRequestId, type RequestRecord } from './model.ts';
import { type Outcome, outcomeOf } from './outcome.ts';
import { claimNotice, createFollower, expireLeases, type Follower, newOwnerId } from './replicas.ts';
import type { AuditEvent, RequestStore, StoreHealth } from './store.ts';
import { auditActor, contention, createTransitions, MAX_ATTEMPTS, SYSTEM } from './transitions.ts';

export interface WorkflowOptions {
  /** The policy, or a function returning the current one (so a reloaded config applies to approvals). */
  policy: PolicyConfig | (() => PolicyConfig);
  store: RequestStore;
  /**
   * Runs the vendor call; throws VendorError on failure (outcome `unknown` when the vendor may have
   * acted). `options.progress` takes a long call's interim results.
   */
  execute(target: string, call: VendorCall, options?: ExecuteOptions): Promise<VendorResult>;
  /**
   * How batches run: how many items at a time (default 4), and how often progress is stored
   * (default at most once a second) and audited for interim results (at most once a minute).
   */
  batch?: Partial<BatchTerms>;
  /**
   * Rebuilds a stored request's vendor request as the config makes it now: an approval is bound
   * to the request it approved, and one whose digest changed is not sent (`request_changed`).
   */
  rebuild?: RebuildRequest;
  now?: () => number;
  newId?: () => string;
  /**
   * Told of every request this process expires, whether the sweep or an access (a `pending`
   * listing, an approval arriving late) found it overdue: platforms update its card.
   */
  onExpired?: (record: RequestRecord) => void;
  /** How background retries wait (storing a result that could not be stored at first). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Told when a vendor call finished but its result could not be stored: the caller gets
   * outcome unknown (`result_not_stored`), and the workflow keeps trying in the background.
   */
  onResultNotStored?: (request: RequestRecord, error: unknown) => void;
  /** Told when the background retry stored such a result: the request's real outcome. */
  onLateResult?: (record: RequestRecord) => void;
  /**
   * How long a lease on an executing request lasts (default 60 s): renewed every third of it
   * while the vendor call runs; once it has run out, any process reports the request unknown.
   */
  lease?: number;
  /** How the lease heartbeat waits (the process clock's sleep; default: real time, not keeping the process alive). */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** This process's id as the owner of its leases (default: host, pid and a random part). */
  owner?: string;
  /** Told of every lease renewal attempt (the lease renewals of /metrics). */
  onLeaseRenewal?: (outcome: LeaseRenewal) => void;
}

export interface SubmitInput {
  /** Optional; when given it must equal `call.action`. */
  action?: string;
  /**
   * The domain or email the call works on (policy globs, cards, audit); the pipeline always
   * gives it. Without it, the call's `domain` or `email` member is taken.
   */
  subject?: string;
  /** The requester's `because <text>`, stored as typed. */
  reason?: string;
  /**
   * The vendor request the call makes (secrets redacted) and its digest: an approval binds to it,
   * and the request is rebuilt and compared before it runs. A batch: the first item's request,
   * every item's request (`all`), and the digest over all of them.
   */
  request?: { redacted: RedactedRequest; digest: string; all?: readonly RedactedRequest[] };
  /** The resolved target name. */
  target: string;
  call: VendorCall;
  /**
   * A batch: two subjects or more, each with its call (`call` and `subject` are the first's). The
   * policy must allow every item by the same rule; the request and its approval cover them all.
   */
  items?: readonly { subject: string; call: VendorCall }[];
  /** A batch: the flags given (with dashes), for the command that runs the rest again. */
  flags?: readonly string[];
  actor: Actor;
  /**
   * The platform's delivery id: the same key (same person, target and call) returns the existing
   * request instead of a new one; the same key for another submission is refused.
   */
  deliveryKey?: string;
  conversation?: unknown;
  /** Where the command was typed (opaque platform JSON): a change nobody saw on a card is posted there. */
  origin?: unknown;
}

export interface Workflow {
  /**
   * Checks the policy and stores the request: rejected, run at once (no approval needed) or
   * pending. `hooks` hear of its progress when it runs here and now.
   */
  submit(input: SubmitInput, hooks?: RunHooks): Promise<Outcome>;
  /**
   * Records an approval; the approval that completes the count runs the request (once), and
   * `hooks` hear of its progress.
   */
  approve(id: string, actor: Actor, hooks?: RunHooks): Promise<Outcome>;
  /** Ends a pending request; any eligible approver may deny (the requester cancels instead). */
  deny(id: string, actor: Actor, reason?: string): Promise<Outcome>;
  /** Withdraws a pending request: the requester or an eligible approver. */
  cancel(id: string, actor: Actor): Promise<Outcome>;
  /** The request as stored (an overdue pending one is expired first). */
  get(id: string): Promise<RequestRecord | undefined>;
  /** Every request waiting for approval, oldest first (`pending --json`); overdue ones are expired, not listed. */
  pending(): Promise<RequestRecord[]>;
  /**
   * The oldest `limit` requests waiting for approval (default PENDING_PAGE) and how many wait in
   * all: what chat and the command line's text show. Overdue requests are expired first, found
   * through the store's index on the deadline, so none is listed or counted; the requests beyond
   * the page are counted, not read.
   */
  pendingPage(limit?: number): Promise<PendingPage>;
  /** How many requests wait for approval, overdue ones expired first (the /metrics gauge): no request read. */
  pendingCount(): Promise<number>;
  /** The latest audit events, oldest first. */
  audit(limit?: number): Promise<AuditEvent[]>;
  /** Expires every overdue pending request; returns the ones it expired. */
  sweep(): Promise<RequestRecord[]>;
  /**
   * Run once at start. Requests left `executing` by a process that died become `unknown` (never
   * run again) and are returned in `unknown`: those whose lease ran out, and those stored without
   * one (by a domainops from before leases); a request whose lease still runs belongs to a live
   * process. Requests left `approved` (approved, never started) are run now and their outcomes
   * returned in `resumed`.
   */
  recover(): Promise<{ unknown: RequestRecord[]; resumed: Outcome[] }>;
  /** This process's id: the owner of the leases it takes and `changedBy` of the changes it makes. */
  readonly owner: string;
  /**
   * Reports `unknown` every executing request whose lease ran out (its process stopped), never
   * running it again; requests this process runs are left alone. Returns the ones it reported
   * (another process checking at the same moment reports the others: each is reported once).
   */
  expireLeases(): Promise<RequestRecord[]>;
  /**
   * Claims telling the platforms about a request's state `key` (`noticeKey`): the request as
   * claimed, or undefined when that state was told already (by this or another process), the
   * request has left it, or it is about to change (approved, executing).
   */
  claimNotice(id: string, key: string): Promise<RequestRecord | undefined>;
  /** A follower of the changes other processes make to the store (the change feed). */
  follow(): Follower;
  /** Keeps where a platform posted the request's card; no state change, no audit event. */
  setConversation(id: string, conversation: unknown): Promise<RequestRecord | undefined>;
  /**
   * Adds where copies of the request's card were posted (notify destinations) to those kept
   * already, marking the destinations as tried even when `copies` is empty; no state change, no
   * audit event.
   */
  addCopies(id: string, copies: readonly unknown[]): Promise<RequestRecord | undefined>;
  /** Whether the store takes writes (for /readyz); if not, the store error that says why. */
  health(): Promise<StoreHealth>;
  /** Stops background work (retries of results that could not be stored); the store stays open. */
  close(): void;
}

/** How many pending requests `pending` lists in chat and in the command line's text: the oldest. */
export const PENDING_PAGE = 50;

/** The first page of the requests waiting for approval, and how many wait in all. */
export interface PendingPage {
  /** Oldest first. */
  requests: RequestRecord[];
  /** Every request waiting for approval, these included. */
  total: number;
}

/**
 * The request stored under a submission's delivery key, when it is a redelivery of the same
 * submission: the same person on the same platform asking for the same call on the same target.
 * A key that names someone else's request (or another command) is never answered with that
 * request: the submission is refused instead, and nothing is stored. The outcome says
 * `redelivered`: the first delivery was answered by whoever handled it, so platforms post nothing.
 */
function redelivered(existing: RequestRecord, input: SubmitInput): Outcome {
  const { requester } = existing;
  const same =
    requester.platform === input.actor.platform &&
    requester.id === input.actor.id &&
    existing.target === input.target &&
    sameCall(existing.call, input.call) &&
    sameItems(existing.items, input.items);
  if (same) return { ...outcomeOf(existing), redelivered: true };
  throw new DomainopsError(
    'delivery_key_conflict',
    'this delivery id already belongs to another request, so the command was not run',
    { hint: 'send the command again' },
  );
}

/** The subject of a call written the conventional way: its `domain` or `email` member. */
function conventionalSubject(call: VendorCall): string {
  if (typeof call.domain === 'string') return call.domain;
  if (typeof call.email === 'string') return call.email;
  throw new DomainopsError('internal_error', `submit: no subject for ${call.action}`);
}

/** The same batch (or both none): the same calls in the same order. */
function sameItems(
  stored: readonly BatchItem[] | undefined,
  given: readonly { call: VendorCall }[] | undefined,
): boolean {
  if (stored === undefined || given === undefined) return stored === given;
  return stored.length === given.length && stored.every((item, i) => sameCall(item.call, given[i]!.call));
}

/** The same call: equal as JSON, whatever the order of its members. */
function sameCall(a: VendorCall, b: VendorCall): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/**
 * The request state machine over a store. Every transition is a compare-and-set on the stored
 * version, written together with its audit events, and results are returned only after the
 * write: whoever loses a race re-reads and decides again, so a request executes at most once.
 */
export function createWorkflow(options: WorkflowOptions): Workflow {
  const { store } = options;
  const now = options.now ?? Date.now;
  const newId = options.newId ?? newRequestId;
  const given = options.policy;
  const policy = typeof given === 'function' ? given : () => given;
  const owner = options.owner ?? newOwnerId();
  const leaseDuration = options.lease ?? 60_000;
  const t = createTransitions(store, now, options.onExpired, { owner, duration: leaseDuration });
  const runner = createRunner(store, t, (target, call, o) => options.execute(target, call, o), {
    sleep: options.sleep ?? backgroundSleep,
    ...(options.onResultNotStored ? { onResultNotStored: options.onResultNotStored } : {}),
    ...(options.onLateResult ? { onLateResult: options.onLateResult } : {}),
    lease: {
      owner,
      duration: leaseDuration,
      wait: options.wait ?? realTimeWait,
      ...(options.onLeaseRenewal ? { onRenewal: options.onLeaseRenewal } : {}),
    },
    ...(options.batch === undefined ? {} : { batch: options.batch }),
  });
  const { run, perform } = runner;
  const decisions = createDecisions({
    t,
    policy,
    perform,
    now,
    ...(options.rebuild === undefined ? {} : { rebuild: options.rebuild }),
  });

  const submit = async (input: SubmitInput, hooks: RunHooks = {}): Promise<Outcome> => {
    const { call, actor, target, deliveryKey } = input;
    const batch = input.items !== undefined && input.items.length > 1 ? input.items : undefined;
    if (input.action !== undefined && input.action !== call.action) {
      throw new DomainopsError('internal_error', `submit: action ${input.action} but call ${call.action}`);
    }
    if (deliveryKey !== undefined) {
      const existing = await t.refresh(await store.findByDeliveryKey(deliveryKey));
      if (existing) return redelivered(existing, input);
    }
    const subject = batch?.[0]?.subject ?? input.subject ?? conventionalSubject(call);
    // A batch is one decision: every item allowed by the same rule (../policy/batch.ts).
    const decision = evaluateBatch(policy(), {
      action: call.action,
      target,
      subjects: batch === undefined ? [subject] : batch.map((item) => item.subject),
      actor,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
    });
    const at = now();
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const base: RequestRecord = {
        id: newId(),
        action: call.action,
        target,
        call,
        subject,
        requester: actor,
        status: 'pending',
        approvals: [],
        createdAt: at,
        updatedAt: at,
        version: 0,
        changedBy: owner,
        ...(deliveryKey === undefined ? {} : { deliveryKey }),
        ...(input.conversation === undefined ? {} : { conversation: input.conversation }),
        ...(input.origin === undefined ? {} : { origin: input.origin }),
        ...(input.reason === undefined ? {} : { reason: input.reason }),
        ...(input.request === undefined
          ? {}
          : { request: input.request.redacted, requestDigest: input.request.digest }),
        ...(batch === undefined
          ? {}
          : {
              items: batch.map((item) => ({
                subject: item.subject,
                call: item.call,
                status: 'pending' as const,
              })),
              ...(input.flags === undefined || input.flags.length === 0 ? {} : { flags: [...input.flags] }),
              ...(input.request?.all === undefined ? {} : { requests: [...input.request.all] }),
            }),
      };
      let record: RequestRecord;
      const details: Record<string, unknown> = {
        action: call.action,
        target,
        subject,
        ...(batch === undefined ? {} : { items: batch.map((item) => item.subject) }),
        ...(input.reason === undefined ? {} : { because: input.reason }),
        ...(input.request === undefined ? {} : { requestDigest: input.request.digest }),
      };
      if (decision.decision === 'reject') {
        const error = rejectedError(decision.reason);
        record = { ...base, status: 'rejected', explanation: decision.explanation.text, error };
        Object.assign(details, { reason: decision.reason, code: decision.code });
      } else if (decision.decision === 'allow') {
        // Stored as executing at once (audited as approved, then executing): one write, so a store
        // that fails after it cannot leave an approved request that a later start would run.
        record = {
          ...base,
          status: 'executing',
          rule: decision.rule.name,
          lease: { owner, until: at + leaseDuration },
        };
        Object.assign(details, { rule: decision.rule.name, approval: 'none' });
      } else {
        const { approvers, count, expires } = decision.approval;
        record = {
          ...base,
          rule: decision.rule.name,
          approval: { approvers, count, expiresAt: at + expires },
        };
        Object.assign(details, { rule: decision.rule.name });
      }
      const type = record.status === 'rejected' ? 'rejected' : 'submitted';
      const by = auditActor(actor);
      const events: AuditEvent[] = [
        {
          at,
          requestId: record.id,
          actor: by,
          type,
          to: record.status === 'executing' ? 'approved' : record.status,
          details,
        },
      ];
      if (record.status === 'executing') {
        events.push({
          at,
          requestId: record.id,
          actor: by,
          type: 'executing',
          from: 'approved',
          to: 'executing',
        });
      }
      const inserted = await store.insert(record, events);
      if (!inserted.inserted) {
        // A duplicate delivery that raced us; without one, an id collision: draw another id.
        if (inserted.existing)
          return redelivered((await t.refresh(inserted.existing)) ?? inserted.existing, input);
        continue;
      }
      if (inserted.record.status === 'executing') {
        return { ...(await perform(inserted.record, by, hooks)), explanation: decision.explanation };
      }
      return outcomeOf(inserted.record, decision.explanation);
    }
    throw new DomainopsError('internal_error', 'could not allocate a request id');
  };

  /**
   * Expires every overdue pending request, found through the store's index on the deadline (the
   * others are not read); returns the ones this process expired.
   */
  const expireOverdue = async (): Promise<RequestRecord[]> => {
    const expired: RequestRecord[] = [];
    for (const request of await store.listByStatus(['pending'], { expiresBy: now() })) {
      const after = await t.refresh(request);
      // Expired by this process (a change that only claimed a card may have come in between).
      if (after?.status === 'expired' && after.changedBy === owner) expired.push(after);
    }
    return expired;
  };
  /** The records still pending once overdue ones are expired (one may fall due as it is read). */
  const stillPending = async (records: readonly RequestRecord[]): Promise<RequestRecord[]> =>
    (await Promise.all(records.map(t.refresh))).filter((r): r is RequestRecord => r?.status === 'pending');

  return {
    submit,
    ...decisions,
    get: t.load,
    async pending() {
      return stillPending(await store.listByStatus(['pending']));
    },
    async pendingPage(limit = PENDING_PAGE) {
      await expireOverdue();
      const [listed, total] = await Promise.all([
        store.listByStatus(['pending'], { limit }),
        store.countByStatus(['pending']),
      ]);
      const requests = await stillPending(listed);
      // Those of the page that fell due meanwhile are counted no more.
      return { requests, total: Math.max(requests.length, total - (listed.length - requests.length)) };
    },
    async pendingCount() {
      await expireOverdue();
      return store.countByStatus(['pending']);
    },
    audit: (limit = 20) => store.listAudit({ limit }),
    sweep: expireOverdue,
    async recover() {
      const unknown = await expireLeases(store, t, runner.running, { self: owner });
      const resumed: Outcome[] = [];
      for (const request of await store.listByStatus(['approved'])) resumed.push(await run(request, SYSTEM));
      return { unknown, resumed };
    },
    async setConversation(id, conversation) {
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        const request = await store.get(normaliseRequestId(id));
        if (!request) return undefined;
        const stored = await store.compareAndSet(
          request.id,
          request.version,
          { ...request, conversation },
          [],
        );
        if (stored) return stored;
      }
      throw contention(id);
    },
    async addCopies(id, copies) {
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        const request = await store.get(normaliseRequestId(id));
        if (!request) return undefined;
        const all = [...(request.copies ?? []), ...copies];
        const stored = await store.compareAndSet(
          request.id,
          request.version,
          { ...request, copies: all },
          [],
        );
        if (stored) return stored;
      }
      throw contention(id);
    },
    owner,
    expireLeases: () => expireLeases(store, t, runner.running, undefined),
    claimNotice: (id, key) => claimNotice(store, id, key),
    follow: () => createFollower(store, owner, now),
    health: () => store.health(),
    close: () => runner.close(),
  };
}

/** Waits without keeping the process alive (a CLI run ends when its command is answered). */
function backgroundSleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });
}
