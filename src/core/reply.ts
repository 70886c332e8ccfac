/**
 * What one command came to, as a tagged union: platforms, cards and the CLI switch on `kind`
 * instead of guessing from error codes, exit codes or text. Every kind carries the members of
 * the JSON document (`status`, `requestId`, `action`, `target`, `result`, `error`, `request`,
 * `policy`) plus the plain text the CLI prints and its exit code.
 */
import type { ExitCode } from './errors.ts';
import type { Actor } from './policy/actor.ts';
import type { RedactedRequest } from './ports.ts';
import type { RequestRecord } from './requests/model.ts';
import type { Refusal } from './requests/outcome.ts';
import type { AuditEvent } from './requests/store.ts';
import type { Action } from './vocabulary.ts';

/** The status vocabulary of the JSON document, plus `dry-run` for `exec --dry-run`. */
export type ReplyStatus =
  | 'pending'
  | 'executing'
  | 'succeeded'
  | 'failed'
  | 'rejected'
  | 'denied'
  | 'expired'
  | 'cancelled'
  | 'unknown'
  | 'dry-run';

/** The `error` member of the JSON document, with vendor details where there are some. */
export type ReplyError = { code: string; message: string; hint?: string } & Record<string, unknown>;

export type Decision = 'approve' | 'deny' | 'cancel';

interface Base {
  status: ReplyStatus;
  action?: Action;
  requestId?: string;
  target?: string;
  /** The requester's `because …`. */
  reason?: string;
  result?: unknown;
  error?: ReplyError;
  /** The vendor request (secrets redacted): dry runs. */
  request?: RedactedRequest;
  /** A batch: every item's vendor request, in item order (`request` is the first's). */
  requests?: RedactedRequest[];
  /** Why the policy decided as it did (rejections and dry runs). */
  policy?: string;
  /** What the CLI prints. */
  text: string;
  exitCode: ExitCode;
}

/** A stored request and its state: a submission, or an approve/deny/cancel that was carried out. */
export interface RequestReply extends Base {
  kind: 'request';
  record: RequestRecord;
  /** Set when it answers an approve, deny or cancel (`action` stays the request's action). */
  decision?: Decision;
  /**
   * A redelivery of a command already stored (same delivery key): the first delivery was
   * answered already, so platforms post nothing.
   */
  redelivered?: true;
}

/** An approve, deny or cancel that was not carried out; the request (if any) is unchanged. */
export interface RefusalReply extends Base {
  kind: 'refusal';
  decision: Decision;
  refusal: Refusal;
  error: ReplyError;
  record?: RequestRecord;
}

/** What a command domainops answers itself found. */
export type MetaAnswer =
  | { topic: 'help'; command?: string; unknown?: string }
  | { topic: 'pending'; requests: RequestRecord[]; total?: number }
  | { topic: 'audit'; events: AuditEvent[] }
  | { topic: 'targets' }
  | { topic: 'whoami'; actor: Actor; groups: string[] }
  | { topic: 'explain' };

export interface MetaReply extends Base {
  kind: 'meta';
  answer: MetaAnswer;
}

/** `exec --dry-run`: the vendor request that would be sent; nothing stored or sent. */
export interface DryRunReply extends Base {
  kind: 'dry-run';
  request: RedactedRequest;
}

/** A command the policy refused before anything was stored (a meta command). */
export interface RejectedReply extends Base {
  kind: 'rejected';
  error: ReplyError;
}

/** A command that could not be run: unreadable, unknown target, a failure outside a request. */
export interface ErrorReply extends Base {
  kind: 'error';
  error: ReplyError;
}

export type Reply = RequestReply | RefusalReply | MetaReply | DryRunReply | RejectedReply | ErrorReply;

/** The JSON document of a reply (README, "Command line"): the tag and the internals left out. */
export function replyDocument(reply: Reply): Record<string, unknown> {
  const doc: Record<string, unknown> = { status: reply.status };
  for (const key of [
    'requestId',
    'action',
    'target',
    'reason',
    'request',
    'requests',
    'result',
    'error',
    'policy',
  ] as const) {
    if (reply[key] !== undefined) doc[key] = reply[key];
  }
  return doc;
}

/** The stored request a reply shows, if any. */
export function recordOf(reply: Reply): RequestRecord | undefined {
  return reply.kind === 'request' || reply.kind === 'refusal' ? reply.record : undefined;
}

/** The approve, deny or cancel a reply answers, if it answers one. */
export function decisionOf(reply: Reply): Decision | undefined {
  return reply.kind === 'request' || reply.kind === 'refusal' ? reply.decision : undefined;
}

/** Whether a reply shows a redelivered command (answered already: platforms post nothing). */
export function isRedelivery(reply: Reply): boolean {
  return reply.kind === 'request' && reply.redelivered === true;
}
