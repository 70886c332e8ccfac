import { randomBytes } from 'node:crypto';
import type { Actor } from '../policy/actor.ts';
import type { RedactedRequest, VendorCall, VendorResult } from '../ports.ts';

/**
 * Where a request is. `pending` → `approved` → `executing` → `succeeded` | `failed` | `unknown`;
 * `pending` → `denied` | `expired` | `cancelled`; `rejected` when the policy said no (at request
 * time, or when it was checked again at approval). `approved` is internal: the JSON documents
 * show it, like `executing`, as `executing` (approved and running).
 */
export const REQUEST_STATUSES = [
  'pending',
  'approved',
  'executing',
  'succeeded',
  'failed',
  'unknown',
  'denied',
  'expired',
  'cancelled',
  'rejected',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** The `status` vocabulary of the JSON documents (README, "Command line"). */
export type PublicStatus = Exclude<RequestStatus, 'approved'>;

/** Statuses a request never leaves (except `unknown`, which a late result may still settle). */
export const FINAL_STATUSES: readonly RequestStatus[] = [
  'succeeded',
  'failed',
  'unknown',
  'denied',
  'expired',
  'cancelled',
  'rejected',
];

/** The status a person or a script is shown: an `approved` request is about to run, shown as `executing`. */
export function publicStatus(status: RequestStatus): PublicStatus {
  return status === 'approved' ? 'executing' : status;
}

/** An error as stored and shown: the `error` member of design.md's JSON plus vendor details. */
export interface RequestError {
  code: string;
  message: string;
  hint?: string;
  vendor?: string;
  status?: number;
  requestId?: string;
}

export interface ApprovalRecord {
  actor: Actor;
  /** Epoch milliseconds. */
  at: number;
}

/** The approval a request waits for, fixed when it was submitted. */
export interface ApprovalRequirement {
  approvers: string[];
  count: number;
  /** Epoch milliseconds after which a pending request is expired. */
  expiresAt: number;
}

/**
 * Where one item of a batch is: `pending` (not started), `running` (its vendor call is under way:
 * stored before the call), then `succeeded`, `failed` or `unknown` (stored right after it);
 * `skipped` when the batch ended (its process died) before the item started. An item runs at
 * most once: only a `pending` item is ever started.
 */
export type ItemStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'unknown' | 'skipped';

/** Item statuses that are final: the item ran (or never will). */
export const FINISHED_ITEM_STATUSES: ReadonlySet<ItemStatus> = new Set([
  'succeeded',
  'failed',
  'unknown',
  'skipped',
]);

/** One subject of a batch request, its vendor call, and where it is. */
export interface BatchItem {
  subject: string;
  call: VendorCall;
  status: ItemStatus;
  result?: VendorResult;
  error?: RequestError;
}

/** How many items of a batch are in each state. */
export interface ItemCounts {
  total: number;
  /** Finished: succeeded, failed, unknown or skipped. */
  done: number;
  succeeded: number;
  failed: number;
  unknown: number;
  skipped: number;
  running: number;
  pending: number;
}

/**
 * What a running request has got to, stored while it runs (no state change): a batch's counts,
 * or a long vendor call's interim result (its module's view shows it). `seq` grows with every
 * stored change, so cards follow it (`noticeKey`).
 */
export interface RequestProgress {
  seq: number;
  /** Epoch ms of the stored change. */
  at: number;
  items?: ItemCounts;
  interim?: VendorResult;
}

export interface RequestRecord {
  id: string;
  action: string;
  target: string;
  call: VendorCall;
  /** The domain or email the call works on. */
  subject: string;
  requester: Actor;
  status: RequestStatus;
  /** The deciding policy rule; absent when the request was rejected without one. */
  rule?: string;
  /** Absent for requests that needed no approval (and rejected ones). */
  approval?: ApprovalRequirement;
  approvals: ApprovalRecord[];
  denial?: { actor: Actor; at: number; reason?: string };
  cancellation?: { actor: Actor; at: number };
  /** The policy's explanation, kept for rejected requests. */
  explanation?: string;
  createdAt: number;
  updatedAt: number;
  result?: VendorResult;
  error?: RequestError;
  /** The platform's delivery id of the event that created the request: a redelivery finds it again. */
  deliveryKey?: string;
  /** Incremented by every stored change: the compare-and-set token. */
  version: number;
  /** The requester's `because <text>`, as typed. */
  reason?: string;
  /**
   * The vendor request an approval binds to (secrets redacted), and its SHA-256 digest. For a
   * batch: the first item's request, and the digest of every item's request (`requests`).
   */
  request?: RedactedRequest;
  requestDigest?: string;
  /** A batch: every item's vendor request, in item order (`request` is the first). */
  requests?: RedactedRequest[];
  /**
   * A batch (`unclaim a.com b.com`): one request, one approval, and an outcome per item.
   * `subject` and `call` are the first item's. Absent for a request with one subject.
   */
  items?: BatchItem[];
  /** What the request has got to while it runs (see RequestProgress). */
  progress?: RequestProgress;
  /** A batch: the flags given, with their dashes (for the command that runs the rest again). */
  flags?: string[];
  /** Opaque JSON a platform keeps with the request, e.g. where its card was posted. */
  conversation?: unknown;
  /**
   * Where copies of its card were posted for the rule's notify destinations: opaque JSON, each
   * with the `platform` that posted it. Empty once the destinations were tried and none took a
   * card; absent while they were not (or the rule has none).
   */
  copies?: unknown[];
  /**
   * Where the request was typed, as the platform described it (opaque JSON with a `platform`
   * member): a change nobody saw on a card, such as an outcome settled by recovery at start, is
   * posted there.
   */
  origin?: unknown;
  /**
   * While `executing`: which process runs the vendor call (its `Workflow.owner`) and until when
   * (epoch ms) it answers for it. The process renews `until` while the call runs; once `until`
   * has passed, any process reports the request `unknown`, and nobody ever runs it again.
   */
  lease?: { owner: string; until: number };
  /** The process (`Workflow.owner`) that made the last state change: followers skip their own. */
  changedBy?: string;
  /**
   * The state (`noticeKey`) whose change was last told to the platforms: with several processes
   * following the same store, the first to claim a state tells it, the others do not.
   */
  told?: string;
}

/**
 * What a card shows of a request: its status, how many approvals it has, and how far it has got
 * while it runs (`progress.seq`). A change of it is told to the platforms once
 * (`RequestRecord.told`).
 */
export function noticeKey(record: RequestRecord): string {
  const key = `${record.status}/${record.approvals.length}`;
  return record.progress === undefined ? key : `${key}/p${record.progress.seq}`;
}

/** Whether a request is running and has progress to show (a card follows it while it runs). */
export function showsProgress(record: RequestRecord): boolean {
  return record.status === 'executing' && record.progress !== undefined;
}

/** The counts of a batch's items. */
export function itemCounts(items: readonly BatchItem[]): ItemCounts {
  const counts: ItemCounts = {
    total: items.length,
    done: 0,
    succeeded: 0,
    failed: 0,
    unknown: 0,
    skipped: 0,
    running: 0,
    pending: 0,
  };
  for (const item of items) {
    counts[item.status]++;
    if (FINISHED_ITEM_STATUSES.has(item.status)) counts.done++;
  }
  return counts;
}

/**
 * A finished batch's status: `succeeded` when every item succeeded, `unknown` when any item's
 * outcome is unknown, otherwise `failed` (an item failed, or was skipped).
 */
export function batchStatus(items: readonly BatchItem[]): 'succeeded' | 'failed' | 'unknown' {
  if (items.some((i) => i.status === 'unknown' || i.status === 'running')) return 'unknown';
  return items.every((i) => i.status === 'succeeded') ? 'succeeded' : 'failed';
}

/** The subjects a batch still has to do: failed, unknown and skipped items (and any not run), in order. */
export function rerunSubjects(items: readonly BatchItem[]): string[] {
  return items.filter((i) => i.status !== 'succeeded').map((i) => i.subject);
}

/** Crockford's base32 alphabet: no i, l, o, u, so ids survive being read aloud and retyped. */
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A new request id: `r-` and 8 base32 characters (40 random bits). Safe in URLs, commands and
 * card payloads. Ids are not capabilities: every approval is checked against the policy.
 */
export function newRequestId(): string {
  const bytes = randomBytes(5);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 7; i >= 0; i--) out += BASE32[Number((bits >> BigInt(i * 5)) & 31n)];
  return `r-${out}`;
}

/** Normalises an id as typed (`R-ABC…`, surrounding spaces) to the stored form. */
export function normaliseRequestId(id: string): string {
  return id.trim().toLowerCase();
}
