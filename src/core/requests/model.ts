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
  /** The vendor request an approval binds to (secrets redacted), and its SHA-256 digest. */
  request?: RedactedRequest;
  requestDigest?: string;
  /** Opaque JSON a platform keeps with the request, e.g. where its card was posted. */
  conversation?: unknown;
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
 * What a card shows of a request: its status and how many approvals it has. A change of it is
 * told to the platforms once (`RequestRecord.told`).
 */
export function noticeKey(record: RequestRecord): string {
  return `${record.status}/${record.approvals.length}`;
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
