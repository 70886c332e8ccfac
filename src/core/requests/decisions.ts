import type { PolicyConfig } from '../config/types.ts';
import { type Actor, samePerson } from '../policy/actor.ts';
import { evaluateBatch, listSubjects } from '../policy/batch.ts';
import { approverMatches, type Decision, type PolicyInput } from '../policy/policy.ts';
import type { RedactedRequest } from '../ports.ts';
import { requestDigest } from './digest.ts';
import type { RunHooks } from './execution.ts';
import type { ApprovalRecord, ApprovalRequirement, RequestError, RequestRecord } from './model.ts';
import { notFound, notOpen, type Outcome, outcomeOf } from './outcome.ts';
import type { AuditActor } from './store.ts';
import { auditActor, contention, MAX_ATTEMPTS, type Transitions } from './transitions.ts';

interface Deps {
  t: Transitions;
  policy: () => PolicyConfig;
  /** Calls the vendor for a request this caller stored as `executing`. */
  perform: (executing: RequestRecord, trigger: AuditActor, hooks?: RunHooks) => Promise<Outcome>;
  now: () => number;
  /** Rebuilds the vendor request of a stored call as the config makes it now (its digest compared). */
  rebuild?: RebuildRequest;
}

/**
 * The vendor request a call makes now, redacted, with its digest; throws when it cannot be built.
 * A batch: the first item's request, every item's (`all`), and the digest over all of them.
 */
export type RebuildRequest = (request: RequestRecord) => {
  redacted: RedactedRequest;
  digest: string;
  all?: readonly RedactedRequest[];
};

/**
 * An approval binds to the exact vendor request shown on the approval card: rebuilt before it runs,
 * a request whose digest changed (the target's config changed, say) is not sent.
 */
function changedRequest(
  request: RequestRecord,
  rebuild: RebuildRequest | undefined,
): { error: RequestError; details: Record<string, unknown> } | undefined {
  if (rebuild === undefined || request.requestDigest === undefined) return undefined;
  let now: ReturnType<RebuildRequest> | undefined;
  try {
    now = rebuild(request);
  } catch {
    now = undefined;
  }
  if (now !== undefined && now.digest === request.requestDigest) return undefined;
  if (request.items !== undefined && request.requests !== undefined && now?.all !== undefined) {
    return changedBatch(request, request.requests, now.all);
  }
  const was = request.request;
  const what =
    now === undefined
      ? 'the request can no longer be built (its target is gone or changed)'
      : was !== undefined && was.url !== now.redacted.url
        ? `it would now go to ${now.redacted.method} ${now.redacted.url} instead of ${was.method} ${was.url}`
        : 'its body is not the one that was approved';
  return {
    error: {
      code: 'request_changed',
      message: `the vendor request changed since it was approved: ${what}; nothing was sent`,
      hint: 'send the command again, so that approvers see and approve the request as it is now',
    },
    details: {
      code: 'request_changed',
      approved: was ?? null,
      now: now?.redacted ?? null,
    },
  };
}

/** Which items of a batch would now send another request than the one approved: none is sent. */
function changedBatch(
  request: RequestRecord,
  approved: readonly RedactedRequest[],
  now: readonly RedactedRequest[],
): { error: RequestError; details: Record<string, unknown> } {
  const items = request.items ?? [];
  const changed = items.flatMap((item, i) => {
    const was = approved[i];
    const is = now[i];
    if (was !== undefined && is !== undefined && requestDigest(was) === requestDigest(is)) return [];
    return [{ subject: item.subject, approved: was ?? null, now: is ?? null }];
  });
  const names = changed.map((c) => c.subject);
  return {
    error: {
      code: 'request_changed',
      message: `the vendor request of ${changed.length} of the ${items.length} items (${listSubjects(names)}) changed since it was approved; nothing was sent`,
      hint: 'send the command again, so that approvers see and approve the requests as they are now',
    },
    details: { code: 'request_changed', items: changed },
  };
}

/** The policy's decision on a stored request (every item of a batch), with the requester as actor. */
export function decide(policy: PolicyConfig, request: RequestRecord): Decision {
  const { subject, ...input } = policyInput(request);
  const subjects =
    request.items === undefined ? [subject ?? request.subject] : request.items.map((i) => i.subject);
  return evaluateBatch(policy, { ...input, subjects });
}

/** The policy question a stored request asks, with the requester as actor. */
export function policyInput(request: RequestRecord): PolicyInput {
  return {
    action: request.action,
    target: request.target,
    subject: request.subject,
    actor: request.requester,
    ...(request.reason === undefined ? {} : { reason: request.reason }),
  };
}

/** The error stored with a request the policy rejects. */
export function rejectedError(reason: string): RequestError {
  return {
    code: 'policy_rejected',
    message: reason,
    hint: 'run `domainops explain` with the same command to see which rules were checked',
  };
}

/** Distinct people among the approvals who are eligible approvers now and are not the requester. */
export function countApprovals(
  policy: PolicyConfig,
  approvals: readonly ApprovalRecord[],
  approvers: readonly string[],
  requester: Actor,
): number {
  const counted: Actor[] = [];
  for (const { actor } of approvals) {
    if (samePerson(actor, requester) || !approverMatches(policy, approvers, actor)) continue;
    if (!counted.some((c) => samePerson(c, actor))) counted.push(actor);
  }
  return counted.length;
}

/**
 * approve, deny and cancel. Each reads the request (expiring it if overdue), decides, and writes
 * with a compare-and-set; a lost race re-reads and decides again.
 *
 * An approval re-checks the policy with the requester as actor. If the policy now rejects the
 * request, it becomes `rejected` (audited, with the explanation) and the approver is told. If a
 * rule needing approval matches, that rule's approvers and count apply (the deadline stays);
 * approvals already given count only if their approvers are still eligible. If the policy now
 * needs no approval, the stored requirement stands.
 */
export function createDecisions({ t, policy, perform, now, rebuild }: Deps) {
  const approve = async (id: string, actor: Actor, hooks: RunHooks = {}): Promise<Outcome> => {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const request = await t.load(id);
      if (!request) return notFound(id);
      if (request.status !== 'pending' || !request.approval) return notOpen(request);
      if (samePerson(request.requester, actor)) {
        const message = `you cannot approve your own request ${request.id}`;
        return t.refuse(
          request,
          actor,
          'approve',
          'approve_own_request',
          message,
          'another approver must approve it',
        );
      }
      const current = policy();
      const decision = decide(current, request);
      if (decision.decision === 'reject') {
        const reason = `the policy no longer allows this request: ${decision.reason}`;
        const next: RequestRecord = {
          ...request,
          status: 'rejected',
          explanation: decision.explanation.text,
          error: rejectedError(reason),
        };
        const details = { reason: decision.reason, code: decision.code, recheck: true };
        const stored = await t.write(request, next, [
          t.event(request, auditActor(actor), 'rejected', 'rejected', details),
        ]);
        if (stored) return outcomeOf(stored, decision.explanation);
        continue;
      }
      const requirement: ApprovalRequirement =
        decision.decision === 'approval'
          ? { ...decision.approval, expiresAt: request.approval.expiresAt }
          : request.approval;
      const { approvers, count, expiresAt } = requirement;
      const rule = decision.decision === 'approval' ? decision.rule.name : request.rule;
      if (!approverMatches(current, approvers, actor)) {
        const message = `you are not an approver of request ${request.id} (rule "${rule}": ${approvers.join(', ')})`;
        return t.refuse(request, actor, 'approve', 'not_an_approver', message);
      }
      if (request.approvals.some((a) => samePerson(a.actor, actor))) {
        const message = `you already approved request ${request.id}`;
        return t.refuse(request, actor, 'approve', 'already_approved', message, 'each approver counts once');
      }
      const approvals = [...request.approvals, { actor, at: now() }];
      const counted = countApprovals(current, approvals, approvers, request.requester);
      const done = counted >= count;
      const changed = done ? changedRequest(request, rebuild) : undefined;
      if (changed !== undefined) {
        const next: RequestRecord = { ...request, approvals, status: 'rejected', error: changed.error };
        const stored = await t.write(request, next, [
          t.event(request, auditActor(actor), 'rejected', 'rejected', changed.details),
        ]);
        if (stored) return outcomeOf(stored);
        continue;
      }
      const next: RequestRecord = {
        ...request,
        approval: { approvers, count, expiresAt },
        approvals,
        status: done ? 'approved' : 'pending',
      };
      if (rule !== undefined) next.rule = rule;
      const details: Record<string, unknown> = { approvals: counted, needed: count };
      if (rule !== request.rule) details.ruleChanged = { from: request.rule, to: rule };
      const by = auditActor(actor);
      const events = [t.event(request, by, done ? 'approved' : 'approval', next.status, details)];
      // The approval that completes the count and the start of the run are one write: a store that
      // fails in between cannot leave an approved request that nobody runs.
      if (done) events.push(t.event(next, by, 'executing', 'executing'));
      const stored = await t.write(request, done ? { ...next, status: 'executing' } : next, events);
      if (!stored) continue;
      return done ? perform(stored, by, hooks) : outcomeOf(stored);
    }
    throw contention(id);
  };

  /** An approver under the stored requirement or under the rule that matches now. */
  const canDecide = (request: RequestRecord, actor: Actor): boolean => {
    const current = policy();
    if (request.approval && approverMatches(current, request.approval.approvers, actor)) return true;
    const decision = decide(current, request);
    return decision.decision === 'approval' && approverMatches(current, decision.approval.approvers, actor);
  };

  /** pending → denied | cancelled, unless `check` refuses. */
  const close = async (
    id: string,
    actor: Actor,
    to: 'denied' | 'cancelled',
    check: (request: RequestRecord) => Promise<Outcome> | undefined,
    reason?: string,
  ): Promise<Outcome> => {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const request = await t.load(id);
      if (!request) return notFound(id);
      if (request.status !== 'pending') return notOpen(request);
      const refused = check(request);
      if (refused) return refused;
      const stamp = { actor, at: now() };
      const next: RequestRecord =
        to === 'denied'
          ? { ...request, status: 'denied', denial: reason === undefined ? stamp : { ...stamp, reason } }
          : { ...request, status: 'cancelled', cancellation: stamp };
      const details = reason === undefined ? undefined : { reason };
      const stored = await t.write(request, next, [t.event(request, auditActor(actor), to, to, details)]);
      if (stored) return outcomeOf(stored);
    }
    throw contention(id);
  };

  const deny = (id: string, actor: Actor, reason?: string): Promise<Outcome> =>
    close(
      id,
      actor,
      'denied',
      (request) => {
        if (samePerson(request.requester, actor)) {
          const message = `you cannot deny your own request ${request.id}`;
          const hint = `use \`cancel ${request.id}\` to withdraw it`;
          return t.refuse(request, actor, 'deny', 'deny_own_request', message, hint);
        }
        if (canDecide(request, actor)) return undefined;
        return t.refuse(
          request,
          actor,
          'deny',
          'not_an_approver',
          `you are not an approver of request ${request.id}`,
        );
      },
      reason,
    );

  const cancel = (id: string, actor: Actor): Promise<Outcome> =>
    close(id, actor, 'cancelled', (request) => {
      if (samePerson(request.requester, actor) || canDecide(request, actor)) return undefined;
      const message = `only the requester or an approver can cancel request ${request.id}`;
      return t.refuse(request, actor, 'cancel', 'not_allowed_to_cancel', message);
    });

  return { approve, deny, cancel };
}
