import { formatDuration } from '../config/duration.ts';
import { describeActor } from '../policy/actor.ts';
import type { Presenter } from '../present.ts';
import type { RequestRecord } from '../requests/model.ts';
import type { Fact, Section, Span } from './model.ts';

/** What the builders need besides the reply: the modules' words for things, the clock, the sandbox flag. */
export interface CardContext {
  present: Presenter;
  /** Epoch milliseconds; relative times ("in 30 min") are computed from it. */
  now: number;
  /** Vendor calls go to the built-in sandbox. */
  sandbox?: boolean;
}

/** `2026-11-23 10:42 UTC`: minutes are enough on a card, and UTC is unambiguous across teams. */
export function cardTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `2026-11-23 11:12 UTC (in 30 min)` or `(30 min ago)`. */
export function cardTimeFrom(ms: number, now: number): string {
  const delta = ms - now;
  const relative = delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
  return `${cardTime(ms)} (${relative})`;
}

/** How a target is named on cards; the bare name when the target is not configured (any more). */
export function labelOf(name: string, context: CardContext): string {
  return context.present.label(name);
}

/** `domains` or `emails`: what a batch's items are. */
export function itemsNoun(record: RequestRecord, context: CardContext): string {
  return context.present.subjectNoun(record.action) === 'Email' ? 'emails' : 'domains';
}

/** `unclaim abc.com in prod` (a batch: `unclaim 50 domains in prod`): how a request is named in titles. */
export function requestName(record: RequestRecord, context: CardContext): string {
  if (record.items !== undefined) {
    return `${record.action} ${record.items.length} ${itemsNoun(record, context)} in ${record.target}`;
  }
  const subject = context.present.subject(record.action, record.subject);
  return subject === ''
    ? `${record.action} in ${record.target}`
    : `${record.action} ${subject} in ${record.target}`;
}

/**
 * The facts every request card repeats: what, where, who, when (the id goes last, see `idFact`).
 * `subjects: false` leaves out the domains or emails, for a card that lists them itself.
 */
export function requestFacts(
  record: RequestRecord,
  context: CardContext,
  options: { subjects?: boolean } = {},
): Fact[] {
  const facts: Fact[] = [
    { label: 'Action', value: record.action },
    ...(options.subjects === false
      ? []
      : [
          record.items === undefined
            ? {
                label: context.present.subjectNoun(record.action),
                value: context.present.subject(record.action, record.subject),
              }
            : {
                label: `${context.present.subjectNoun(record.action)}s`,
                value: context.present.subjects(record),
              },
        ]),
    { label: 'Target', value: labelOf(record.target, context) },
    { label: 'Requested by', value: describeActor(record.requester) },
    { label: 'Requested at', value: cardTime(record.createdAt) },
  ];
  facts.push(...context.present.callFacts(record.call));
  if (record.reason !== undefined) facts.push({ label: 'Reason', value: record.reason });
  return facts;
}

/**
 * The facts of an approval card: the request's, then the rule, the approvals so far and when it
 * expires, then the id. `subjects: false` as for `requestFacts`.
 */
export function approvalFacts(
  record: RequestRecord,
  context: CardContext,
  options: { subjects?: boolean } = {},
): Fact[] {
  const approval = record.approval;
  const facts = requestFacts(record, context, options);
  if (record.rule !== undefined) facts.push({ label: 'Rule', value: record.rule });
  if (approval !== undefined) {
    const who = record.approvals.map((a) => describeActor(a.actor));
    facts.push({
      label: 'Approvals',
      value: `${record.approvals.length} of ${approval.count} from ${approval.approvers.join(', ')}${who.length ? ` (${who.join(', ')})` : ''}`,
    });
    facts.push({ label: 'Expires', value: cardTimeFrom(approval.expiresAt, context.now) });
  }
  facts.push(idFact(record));
  return facts;
}

/** "Approved by bob@corp.com (chat:UBOB) at 2026-11-23 10:42 UTC", one line per approval. */
export function approvalLines(record: RequestRecord): Section[] {
  return record.approvals.map((a) => ({
    kind: 'text',
    text: [
      { text: 'Approved by ' },
      { text: describeActor(a.actor), style: 'bold' },
      { text: ` at ${cardTime(a.at)}` },
    ],
  }));
}

export function idFact(record: RequestRecord): Fact {
  return { label: 'Request', value: record.id };
}

/** Our own messages mark commands with backticks: those become code spans (escaped like any span). */
export function withCode(text: string): Span[] {
  return text
    .split('`')
    .map((part, i): Span => (i % 2 === 1 ? { text: part, style: 'code' } : { text: part }))
    .filter((s) => s.text !== '');
}
