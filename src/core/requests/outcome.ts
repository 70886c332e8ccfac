import { ExitCode } from '../errors.ts';
import type { Explanation } from '../policy/policy.ts';
import { type PublicStatus, publicStatus, type RequestRecord } from './model.ts';

/** Why an approve, deny or cancel was refused while the request is still open. */
export type NotAllowedReason =
  | 'approve_own_request'
  | 'deny_own_request'
  | 'not_an_approver'
  | 'already_approved'
  | 'not_allowed_to_cancel';

/** Error codes of an approve, deny or cancel that was not carried out (the request is unchanged). */
export const REFUSAL_CODES: ReadonlySet<string> = new Set<string>([
  'approve_own_request',
  'deny_own_request',
  'not_an_approver',
  'already_approved',
  'not_allowed_to_cancel',
  'request_not_open',
  'request_not_found',
]);

/** `not_allowed`: the request is open but this person may not do that; `not_open`: decided, expired, cancelled or unknown id. */
export type Refusal = { kind: 'not_allowed'; reason: NotAllowedReason } | { kind: 'not_open' };

/**
 * What a submit, approve, deny or cancel came to. `status` is the request's status in the JSON
 * vocabulary (an `approved` request shows as `executing`); it is absent only when there is no
 * such request (`error.code` is then `request_not_found`). `refusal` is set when the action
 * itself was not carried out.
 */
export interface Outcome {
  status?: PublicStatus;
  request?: RequestRecord;
  /** `store`: the store error's code, when the outcome is unknown because its result could not be stored. */
  error?: { code: string; message: string; hint?: string; store?: string };
  explanation?: Explanation;
  refusal?: Refusal;
  /**
   * The submission was a redelivery of one already stored (the same delivery key): this is that
   * request as it is now, and whoever handled the first delivery has answered it.
   */
  redelivered?: true;
}

/**
 * The CLI exit code (README, "Command line"): 0 succeeded or pending (and a successful deny or
 * cancel); 3 rejected by policy or not allowed; 4 vendor error; 5 outcome unknown; 6 no longer
 * open (executing, decided, expired) or no such request.
 */
export function exitCode(outcome: Outcome): ExitCode {
  if (outcome.refusal?.kind === 'not_open') return ExitCode.notOpen;
  if (outcome.refusal?.kind === 'not_allowed') return ExitCode.rejected;
  switch (outcome.status) {
    case 'succeeded':
    case 'pending':
    case 'denied':
    case 'cancelled':
      return ExitCode.ok;
    case 'rejected':
      return ExitCode.rejected;
    case 'failed':
      return ExitCode.vendor;
    case 'unknown':
      return ExitCode.unknown;
    default:
      // executing (someone else is running it), expired, or no such request
      return ExitCode.notOpen;
  }
}

/** The outcome that reports a stored request as it is, with its error when it has one. */
export function outcomeOf(request: RequestRecord, explanation?: Explanation): Outcome {
  const outcome: Outcome = { status: publicStatus(request.status), request };
  if (request.error) outcome.error = errorSummary(request.error);
  if (explanation) outcome.explanation = explanation;
  return outcome;
}

/** `{ code, message, hint? }`: the `error` member of the JSON document. */
export function errorSummary(error: { code: string; message: string; hint?: string | undefined }): {
  code: string;
  message: string;
  hint?: string;
} {
  return error.hint === undefined
    ? { code: error.code, message: error.message }
    : { code: error.code, message: error.message, hint: error.hint };
}

/** The refusal for an id that names no request. */
export function notFound(id: string): Outcome {
  return {
    refusal: { kind: 'not_open' },
    error: {
      code: 'request_not_found',
      message: `there is no request ${id}`,
      hint: 'run `pending` to list the requests waiting for approval',
    },
  };
}

/** The refusal for a request that is no longer waiting for approval. */
export function notOpen(request: RequestRecord): Outcome {
  const state: Record<RequestRecord['status'], string> = {
    pending: 'is still pending',
    approved: 'is approved and running',
    executing: 'is approved and running',
    succeeded: 'has already run: it succeeded',
    failed: 'has already run: it failed',
    unknown: 'has already run: its outcome is unknown',
    denied: 'was denied',
    expired: 'expired',
    cancelled: 'was cancelled',
    rejected: 'was rejected by the policy',
  };
  // Rejected when its last approval arrived because what it would send had changed: say so, not
  // "by the policy" (the policy allowed it).
  const why =
    request.status === 'rejected' && request.error?.code === 'request_changed'
      ? 'was rejected because the vendor request changed since it was approved (request_changed); nothing was sent'
      : state[request.status];
  return {
    status: publicStatus(request.status),
    request,
    refusal: { kind: 'not_open' },
    error: {
      code: 'request_not_open',
      message: `request ${request.id} is no longer open: it ${why}`,
      ...(request.status === 'rejected' && request.error?.code === 'request_changed'
        ? { hint: 'send the command again, so that approvers see and approve the request as it is now' }
        : {}),
    },
  };
}
