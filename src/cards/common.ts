import { formatDuration } from '../config/duration.ts';
import type { Target } from '../config/types.ts';
import { describeActor } from '../policy/actor.ts';
import { targetLabel } from '../present/text.ts';
import type { RequestRecord } from '../requests/model.ts';
import type { Fact, Section, Span } from './model.ts';

/** What the builders need besides the reply: the configured targets, the clock, the sandbox flag. */
export interface CardContext {
  targets: Record<string, Target>;
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

/** `webex-prod (Webex org 1eb65fdf-…)`; the bare name when the target is not configured (any more). */
export function labelOf(name: string, context: CardContext): string {
  const target = context.targets[name];
  return target ? targetLabel(target) : name;
}

/** `unclaim abc.com in webex-prod`: how a request is named in titles. */
export function requestName(record: RequestRecord): string {
  return `${record.action} ${record.subject} in ${record.target}`;
}

/** The noun for a request's subject. */
export function subjectLabel(record: RequestRecord): string {
  return record.action === 'unassign-owner' ? 'Email' : 'Domain';
}

/** The facts every request card repeats: what, where, who, when (the id goes last, see `idFact`). */
export function requestFacts(record: RequestRecord, context: CardContext): Fact[] {
  const facts: Fact[] = [
    { label: 'Action', value: record.action },
    { label: subjectLabel(record), value: record.subject },
    { label: 'Target', value: labelOf(record.target, context) },
    { label: 'Requested by', value: describeActor(record.requester) },
    { label: 'Requested at', value: cardTime(record.createdAt) },
  ];
  if (record.call.action === 'unverify' && record.call.removePending) {
    facts.push({ label: 'Remove pending', value: 'yes' });
  }
  return facts;
}

/** "Approved by bob@corp.com (slack:UBOB) at 2026-11-23 10:42 UTC", one line per approval. */
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
