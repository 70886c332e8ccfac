import type { RedactedRequest, VendorResult, YandexDomain } from '../../adapters/types.ts';
import { formatDuration } from '../config/duration.ts';
import type { Target } from '../config/types.ts';
import { describeActor } from '../policy/actor.ts';
import type { RequestRecord } from '../requests/model.ts';
import type { AuditEvent } from '../requests/store.ts';

/** ISO time without milliseconds, in UTC: unambiguous for teams across time zones. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function list(items: readonly string[]): string {
  return items.length === 0 ? '(none)' : items.join(', ');
}

/** The vendor-side id of a target, for people: `Webex org 1eb6…`. */
export function targetLabel(target: Target): string {
  switch (target.vendor) {
    case 'webex':
      return `${target.name} (Webex org ${target.orgId})`;
    case 'f5xc':
      return `${target.name} (F5 XC tenant ${new URL(target.tenantUrl).host})`;
    case 'yandex':
      return `${target.name} (Yandex ${target.scope.kind} ${target.scope.id})`;
  }
}

function domainText(domain: YandexDomain): string {
  const lines = [
    `${domain.domain} is ${domain.status ?? 'in an unknown state'}${domain.statusCode ? ` (${domain.statusCode})` : ''}.`,
  ];
  if (domain.validatedAt) lines.push(`Validated at ${domain.validatedAt}.`);
  const challenges = domain.challenges.filter((c) => c.dnsChallenge);
  if (domain.status !== 'VALID' && challenges.length > 0) {
    lines.push('Publish this DNS record, then run the command again:');
  } else if (challenges.length > 0) {
    lines.push('Challenges:');
  }
  for (const c of challenges) {
    const r = c.dnsChallenge!;
    lines.push(
      `  ${r.name ?? '?'}  ${r.type ?? 'TXT'}  "${r.value ?? ''}"  (${c.status ?? 'status unknown'})`,
    );
  }
  return lines.join('\n');
}

/** What a successful vendor call did, in words. */
export function resultText(result: VendorResult): string {
  switch (result.action) {
    case 'unclaim':
      return `Unclaimed ${result.domain}: it stays verified, and domain enforcement still applies.`;
    case 'unverify':
      return [
        `Unverified ${result.domain}.`,
        `Verified: ${list(result.verifiedDomains)}. Claimed: ${list(result.claimedDomains)}.`,
      ].join('\n');
    case 'unassign-owner':
      return [
        `${result.email} is no longer a domain owner.`,
        'With SSO enabled, the user is marked SSO and their password and OTP credentials are deleted;',
        'previously granted roles (admin roles included) are kept.',
      ].join('\n');
    case 'validate':
    case 'domain':
      return domainText(result.domain);
  }
}

/** The request line of a dry run, as it would be sent (secrets already redacted). */
export function requestText(request: RedactedRequest): string {
  const lines = [`${request.method} ${request.url}`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  if (request.body !== undefined) lines.push('', request.body);
  return lines.join('\n');
}

/** One line per pending request. */
export function pendingText(requests: readonly RequestRecord[]): string {
  if (requests.length === 0) return 'No requests are waiting for approval.';
  return [
    `${requests.length} request(s) waiting for approval:`,
    ...requests.map((r) => {
      const got = r.approvals.length;
      const need = r.approval?.count ?? 0;
      const expires = r.approval ? `, expires ${formatTime(r.approval.expiresAt)}` : '';
      return `  ${r.id}  ${r.action} ${r.subject} in ${r.target}, by ${describeActor(r.requester)}, ${got}/${need} approvals${expires}`;
    }),
  ].join('\n');
}

/** One line per audit event. */
export function auditText(events: readonly AuditEvent[]): string {
  if (events.length === 0) return 'The audit trail is empty.';
  return events
    .map((e) => {
      const who = e.actor.email ?? `${e.actor.platform}:${e.actor.id}`;
      const move = e.from && e.to ? ` ${e.from} -> ${e.to}` : e.to ? ` -> ${e.to}` : '';
      return `${formatTime(e.at)}  ${e.requestId}  ${e.type}${move}  by ${who} (${e.actor.platform})`;
    })
    .join('\n');
}

/** A request's state in words, for the result of submit/approve/deny/cancel. */
export function requestStateText(request: RequestRecord, label: string): string {
  const what = `${request.action} ${request.subject} in ${label}`;
  switch (request.status) {
    case 'pending': {
      const a = request.approval!;
      return [
        `Approval needed: ${describeActor(request.requester)} wants to ${request.action.toUpperCase()} ${request.subject} in ${label}.`,
        `Rule "${request.rule ?? '?'}": ${a.count} approval(s) from ${a.approvers.join(', ')}; ${request.approvals.length} so far; expires ${formatTime(a.expiresAt)} (in ${formatDuration(Math.max(0, a.expiresAt - Date.now()))}).`,
        `Request ${request.id}: approve with \`approve ${request.id}\`, deny with \`deny ${request.id} [reason]\`.`,
      ].join('\n');
    }
    case 'approved':
    case 'executing':
      return `Request ${request.id} (${what}) is approved and running.`;
    case 'succeeded':
      return request.result ? resultText(request.result) : `Request ${request.id} (${what}) succeeded.`;
    case 'failed':
      return `Request ${request.id} (${what}) failed.`;
    case 'unknown':
      return `Request ${request.id} (${what}): the outcome is unknown. The vendor may have acted; check in its console before trying again.`;
    case 'denied':
      return `Request ${request.id} (${what}) was denied by ${request.denial ? describeActor(request.denial.actor) : 'an approver'}${request.denial?.reason ? `: ${request.denial.reason}` : '.'}`;
    case 'expired':
      return `Request ${request.id} (${what}) expired without enough approvals.`;
    case 'cancelled':
      return `Request ${request.id} (${what}) was cancelled by ${request.cancellation ? describeActor(request.cancellation.actor) : 'its requester'}.`;
    case 'rejected':
      return `Not allowed: ${what}.`;
  }
}
