import { formatDuration } from './config/duration.ts';
import { describeActor } from './policy/actor.ts';
import type { RedactedRequest, ResultView, VendorResult } from './ports.ts';
import { type Presenter, sectionsText } from './present.ts';
import { rerunCommand } from './requests/batch.ts';
import { type BatchItem, itemCounts, type RequestRecord } from './requests/model.ts';
import type { AuditEvent } from './requests/store.ts';

/** How commands are written in texts: as typed in chat, or as a shell command of the CLI. */
export type CommandStyle = 'chat' | 'cli';

/** ISO time without milliseconds, in UTC: unambiguous for teams across time zones. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The request line of a dry run, as it would be sent (secrets already redacted). */
export function requestText(request: RedactedRequest): string {
  const lines = [`${request.method} ${request.url}`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  if (request.body !== undefined) lines.push('', request.body);
  return lines.join('\n');
}

/**
 * One line per pending request listed, oldest first. `total`: how many wait in all when the list
 * is the first page of them; the rest are counted ("and N more"), and the command line's text
 * says where to find every one.
 */
export function pendingText(
  requests: readonly RequestRecord[],
  total = requests.length,
  style: CommandStyle = 'chat',
): string {
  if (requests.length === 0 && total <= 0) return 'No requests are waiting for approval.';
  const more = Math.max(0, total - requests.length);
  const count = requests.length + more;
  const heading =
    more === 0
      ? `${count} request(s) waiting for approval:`
      : `${count} request(s) waiting for approval; the oldest ${requests.length}:`;
  const lines = [
    heading,
    ...requests.map((r) => {
      const got = r.approvals.length;
      const need = r.approval?.count ?? 0;
      const expires = r.approval ? `, expires ${formatTime(r.approval.expiresAt)}` : '';
      const subject = r.items === undefined ? r.subject : `${r.items.map((i) => i.subject).join(' ')}`;
      return `  ${r.id}  ${r.action} ${subject} in ${r.target}, by ${describeActor(r.requester)}, ${got}/${need} approvals${expires}`;
    }),
  ];
  if (more > 0) {
    lines.push(
      style === 'cli'
        ? `  and ${more} more (\`domainops pending --json\` lists every one)`
        : `  and ${more} more`,
    );
  }
  return lines.join('\n');
}

/**
 * What an audit event did, said once: `executing → succeeded` (not `succeeded executing →
 * succeeded`), `rejected` (not `rejected → rejected`), `submitted (pending)`, `approval`.
 */
export function auditWords(e: AuditEvent, arrow = '→'): string {
  const move =
    e.to === undefined ? '' : e.from !== undefined && e.from !== e.to ? `${e.from} ${arrow} ${e.to}` : e.to;
  if (move === '' || e.type === e.to) return move === '' ? e.type : move;
  return `${e.type} (${move})`;
}

/** One line per audit event. */
export function auditText(events: readonly AuditEvent[]): string {
  if (events.length === 0) return 'The audit trail is empty.';
  return events
    .map((e) => {
      const who = e.actor.email ?? `${e.actor.platform}:${e.actor.id}`;
      return `${formatTime(e.at)}  ${e.requestId}  ${auditWords(e, '->')}  by ${who} (${e.actor.platform})`;
    })
    .join('\n');
}

/** A request's state in words, for the result of submit/approve/deny/cancel. */
export function requestStateText(
  request: RequestRecord,
  present: Presenter,
  now: number,
  style: CommandStyle = 'chat',
): string {
  const label = present.label(request.target);
  const subject = present.subjects(request);
  const what = subject === '' ? `${request.action} in ${label}` : `${request.action} ${subject} in ${label}`;
  const items = request.items;
  if (
    items !== undefined &&
    ['approved', 'executing', 'succeeded', 'failed', 'unknown'].includes(request.status)
  ) {
    return batchText(request, items, present, style);
  }
  switch (request.status) {
    case 'pending': {
      const a = request.approval!;
      return [
        `Approval needed: ${describeActor(request.requester)} wants to ${request.action.toUpperCase()}${subject === '' ? '' : ` ${subject}`} in ${label}.`,
        ...(items === undefined
          ? []
          : [
              `${present.subjectNoun(request.action)}s (${items.length}): ${items.map((i) => i.subject).join(' ')}`,
            ]),
        ...warningLines(request, present),
        ...(request.reason === undefined ? [] : [`Reason: ${request.reason}`]),
        `Rule "${request.rule ?? '?'}": ${a.count} approval(s) from ${a.approvers.join(', ')}; ${request.approvals.length} so far; expires ${formatTime(a.expiresAt)} (in ${formatDuration(Math.max(0, a.expiresAt - now))}).`,
        style === 'cli'
          ? `Request ${request.id}: approve with \`domainops approve ${request.id} --as <email>\`, deny with \`domainops deny ${request.id} --as <email> [--reason <text>]\`.`
          : `Request ${request.id}: approve with \`approve ${request.id}\`, deny with \`deny ${request.id} [reason]\`.`,
      ].join('\n');
    }
    case 'approved':
    case 'executing':
      return `Request ${request.id} (${what}) is approved and running.`;
    case 'succeeded':
      return request.result
        ? viewText(present.view(request.result, request.target))
        : `Request ${request.id} (${what}) succeeded.`;
    case 'failed':
      // What a refusal found before it refused (a DNS table) comes with it.
      return request.result
        ? `Request ${request.id} (${what}) failed.\n${viewText(present.view(request.result, request.target))}`
        : `Request ${request.id} (${what}) failed.`;
    case 'unknown':
      return `Request ${request.id} (${what}): the outcome is unknown. The vendor may have acted; check in its console before trying again.`;
    case 'denied':
      return `Request ${request.id} (${what}) was denied by ${request.denial ? describeActor(request.denial.actor) : 'an approver'}${request.denial?.reason ? `: ${request.denial.reason}` : '.'}`;
    case 'expired':
      return `Request ${request.id} (${what}) expired without enough approvals.`;
    case 'cancelled':
      return `Request ${request.id} (${what}) was cancelled by ${request.cancellation ? describeActor(request.cancellation.actor) : 'its requester'}.`;
    case 'rejected':
      // The short reason (the policy's, or why the approved request was not sent), never the trace.
      return `Not allowed: ${what}${request.error ? `: ${request.error.message}` : ''}.`;
  }
}

/** The most distinct warnings a request's text or card shows in full; the rest name their subjects. */
export const SHOWN_WARNINGS = 3;

/**
 * What approving a request does, as text: each distinct warning (`Warning: …`) and the other
 * subjects it applies to; after SHOWN_WARNINGS of them, the subjects of the rest.
 */
export function warningLines(request: RequestRecord, present: Presenter): string[] {
  const warnings = present.requestWarnings(request);
  const noun = (n: number) => `${present.subjectNoun(request.action).toLowerCase()}${n === 1 ? '' : 's'}`;
  const shown = (subjects: readonly string[]) =>
    subjects.map((s) => present.subject(request.action, s)).join(', ');
  const lines: string[] = [];
  for (const w of warnings.slice(0, SHOWN_WARNINGS)) {
    lines.push(`Warning: ${w.text}`);
    const others = w.subjects.slice(1);
    if (others.length > 0)
      lines.push(`The same applies to ${others.length} more ${noun(others.length)}: ${shown(others)}.`);
  }
  const rest = warnings.slice(SHOWN_WARNINGS).flatMap((w) => w.subjects);
  if (rest.length > 0)
    lines.push(`Warnings of their own apply to ${rest.length} more ${noun(rest.length)}: ${shown(rest)}.`);
  return lines;
}

/** How a batch's items stand, in one line: `3/50 done: 2 succeeded, 1 failed`. */
export function countsText(items: readonly BatchItem[]): string {
  const c = itemCounts(items);
  return `${c.done}/${c.total} done: ${outcomesText(items)}`;
}

/** How the finished items went: `2 succeeded, 1 failed, 1 unknown`. */
export function outcomesText(items: readonly BatchItem[]): string {
  const c = itemCounts(items);
  const extra = [
    ...(c.unknown > 0 ? [`${c.unknown} unknown`] : []),
    ...(c.skipped > 0 ? [`${c.skipped} skipped`] : []),
  ];
  return `${c.succeeded} succeeded, ${c.failed} failed${extra.map((e) => `, ${e}`).join('')}`;
}

/**
 * A progress change of a running request, in one line: a batch's counts, or a long call's
 * interim result as its module's view titles it.
 */
export function progressText(record: RequestRecord, present: Presenter, interim?: VendorResult): string {
  if (interim !== undefined) return present.view(interim, record.target).title;
  if (record.items !== undefined) return countsText(record.items);
  return `${record.action} ${record.subject}: running`;
}

/** One line per item: its subject and outcome (with the error's code and message). */
function itemLine(item: BatchItem, present: Presenter, target: string, action: string): string {
  const subject = present.subject(action, item.subject);
  if (item.status === 'succeeded' && item.result !== undefined) {
    return `  ${subject}: succeeded: ${present.view(item.result, target).title}`;
  }
  if (item.error !== undefined)
    return `  ${subject}: ${item.status}: ${item.error.code}: ${item.error.message}`;
  return `  ${subject}: ${item.status}`;
}

/** A batch that runs or ran: its counts, each item's outcome, and the command that runs the rest again. */
function batchText(
  request: RequestRecord,
  items: readonly BatchItem[],
  present: Presenter,
  style: CommandStyle,
): string {
  const label = present.label(request.target);
  const running = request.status === 'approved' || request.status === 'executing';
  // The subject noun, as the cards say it: `unclaim 2 domains`, `assign-owner 3 emails`.
  const what = `${request.action} ${items.length} ${present.subjectNoun(request.action).toLowerCase()}s in ${label}`;
  const head = running
    ? `Request ${request.id} (${what}) is approved and running: ${countsText(items)}.`
    : `Request ${request.id} (${what}) ${request.status}: ${countsText(items)}.`;
  const lines = [head, ...items.map((item) => itemLine(item, present, request.target, request.action))];
  // The error's hint names the command in chat form; the command line adds its own.
  const rest = running || style !== 'cli' ? undefined : rerunCommand(request);
  if (rest !== undefined) lines.push(`Run the rest again: domainops exec --as <email> "${rest}"`);
  return lines.join('\n');
}

/** A result view as plain text: its title (unless the first paragraph says it already), then its sections. */
function viewText(view: ResultView): string {
  const body = sectionsText(view.sections);
  return body.startsWith(view.title) ? body : `${view.title}.\n${body}`;
}
