import { type Actor, describeActor } from '../policy/actor.ts';
import type { DryRunReply, MetaReply, RefusalReply, Reply } from '../reply.ts';
import type { RequestRecord } from '../requests/model.ts';
import { requestText, SHOWN_WARNINGS } from '../text.ts';
import { batchApprovalCard, batchOutcomeCard, batchRunningCard } from './batch.ts';
import {
  approvalFacts,
  approvalLines,
  type CardContext,
  cardTime,
  idFact,
  labelOf,
  requestFacts,
  requestName,
  withCode,
} from './common.ts';
import { cardForAudit, cardForHelp, cardForPending, cardForTargets, cardForWhoami } from './lists.ts';
import type { Card, Fact, Section } from './model.ts';

export type { CardContext } from './common.ts';

/** The card for any reply of the pipeline (src/app.ts): one function, every card kind. */
export function cardForReply(reply: Reply, context: CardContext): Card {
  const card = build(reply, context);
  return context.sandbox ? { ...card, sandbox: true } : card;
}

function build(reply: Reply, context: CardContext): Card {
  switch (reply.kind) {
    case 'dry-run':
      return dryRunCard(reply, context);
    case 'refusal':
      return refusedCard(reply, context);
    case 'request':
      return requestCard(reply, reply.record, context);
    case 'meta':
      return metaCard(reply, context);
    case 'rejected':
      return rejectedCard(reply, undefined, context);
    case 'error':
      return reply.error.code === 'unknown_command'
        ? unknownCommandCard(reply)
        : errorCard(reply, undefined, context);
  }
}

/** A word that is no command (a typo): what was typed, the closest command, and how to list them. */
function unknownCommandCard(reply: Reply): Card {
  const error = reply.error ?? { code: 'unknown_command', message: '' };
  const suggestion = typeof error.suggestion === 'string' ? error.suggestion : undefined;
  // The message ends with the usage, the whole command list: help shows it better.
  const problem = error.message.split('. Usage: ')[0] ?? error.message;
  const sections: Section[] = [
    { kind: 'text', text: `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.` },
  ];
  if (suggestion !== undefined) {
    sections.push({
      kind: 'text',
      text: [{ text: 'Did you mean ' }, { text: suggestion, style: 'code' }, { text: '?' }],
    });
  }
  sections.push({
    kind: 'text',
    text: [{ text: 'Type ' }, { text: 'help', style: 'code' }, { text: ' to list the commands.' }],
  });
  return { kind: 'error', title: 'Unknown command', tone: 'warning', sections };
}

/** A request's card at any point of its life. */
function requestCard(reply: Reply, record: RequestRecord, context: CardContext): Card {
  const items = record.items;
  if (items !== undefined) {
    // A batch: its items listed, then each one's outcome.
    switch (record.status) {
      case 'pending':
        return batchApprovalCard(record, items, context, warningSections(record, context));
      case 'approved':
      case 'executing':
        return batchRunningCard(record, items, context);
      case 'succeeded':
      case 'failed':
      case 'unknown':
        return batchOutcomeCard(record, items, context);
      default:
        break;
    }
  }
  switch (record.status) {
    case 'pending':
      return approvalCard(record, context);
    case 'approved':
    case 'executing': {
      // A long call's latest interim result, as its module's view shows it.
      const interim = record.progress?.interim;
      return {
        kind: 'decision',
        title: `Approved, running: ${requestName(record, context)}`,
        tone: 'info',
        sections: [
          ...approvalLines(record),
          ...(interim === undefined ? [] : interimSections(record, interim, context)),
          { kind: 'facts', facts: [...requestFacts(record, context), idFact(record)] },
        ],
      };
    }
    case 'succeeded': {
      if (record.result === undefined) {
        return {
          kind: 'result',
          title: `Done: ${requestName(record, context)}`,
          tone: 'success',
          sections: [],
        };
      }
      const view = context.present.view(record.result, record.target);
      return {
        kind: 'result',
        title: view.title,
        tone: view.tone,
        sections: [
          ...approvalLines(record),
          ...view.sections,
          { kind: 'facts', facts: shortFacts(record, context) },
        ],
      };
    }
    case 'failed':
      return errorCard(reply, record, context);
    case 'unknown':
      return unknownCard(reply, record, context);
    case 'rejected':
      return rejectedCard(reply, record, context);
    case 'denied':
    case 'expired':
    case 'cancelled':
      return decisionCard(record, context);
  }
}

function approvalCard(record: RequestRecord, context: CardContext): Card {
  const facts = approvalFacts(record, context);
  return {
    kind: 'approval-request',
    title: `Approval needed: ${record.action.toUpperCase()} ${context.present.subject(record.action, record.subject)}`,
    tone: 'warning',
    sections: [
      {
        kind: 'text',
        text: [
          { text: describeActor(record.requester), style: 'bold' },
          { text: ' wants to ' },
          { text: record.action.toUpperCase(), style: 'bold' },
          {
            text: ` ${context.present.subject(record.action, record.subject)} in ${labelOf(record.target, context)}.`,
          },
        ],
      },
      { kind: 'context', text: context.present.grammar.byAction(record.action)?.description ?? '' },
      ...warningSections(record, context),
      { kind: 'facts', facts },
      ...(record.request === undefined
        ? []
        : [
            {
              kind: 'code' as const,
              label: 'Vendor request you approve (secrets redacted)',
              value: requestText(record.request),
            },
          ]),
      {
        kind: 'context',
        text: `The requester cannot approve. Or type: approve ${record.id}, or deny ${record.id} [reason]`,
      },
    ],
    actions: [
      { action: 'approve', requestId: record.id, label: 'Approve' },
      { action: 'deny', requestId: record.id, label: 'Deny' },
    ],
  };
}

/** A running call's interim result: its view's title and sections, and when it was stored. */
function interimSections(
  record: RequestRecord,
  interim: NonNullable<NonNullable<RequestRecord['progress']>['interim']>,
  context: CardContext,
): Section[] {
  const view = context.present.view(interim, record.target);
  const at = record.progress === undefined ? '' : ` (${cardTime(record.progress.at)})`;
  return [
    { kind: 'text', text: [{ text: 'So far: ', style: 'bold' }, { text: `${view.title}${at}` }] },
    ...view.sections,
  ];
}

/**
 * What approving does, when its command warns (an approver reads it before clicking): for a
 * batch, every item's call is warned about. Each distinct warning in full, then the other
 * subjects it applies to as a list (renderers show as many as fit, then "and N more"); after
 * SHOWN_WARNINGS of them, the subjects of the rest.
 */
function warningSections(record: RequestRecord, context: CardContext): Section[] {
  const { present } = context;
  const warnings = present.requestWarnings(record);
  const noun = (n: number) => `${present.subjectNoun(record.action).toLowerCase()}${n === 1 ? '' : 's'}`;
  const shown = (subjects: readonly string[]) => subjects.map((s) => present.subject(record.action, s));
  const sections: Section[] = [];
  for (const w of warnings.slice(0, SHOWN_WARNINGS)) {
    sections.push({ kind: 'text', text: [{ text: 'Warning: ', style: 'bold' }, { text: w.text }] });
    const others = w.subjects.slice(1);
    if (others.length > 0) {
      sections.push({
        kind: 'list',
        title: `The same applies to ${others.length} more ${noun(others.length)}`,
        items: shown(others),
      });
    }
  }
  const rest = warnings.slice(SHOWN_WARNINGS).flatMap((w) => w.subjects);
  if (rest.length > 0) {
    sections.push({
      kind: 'list',
      title: `Warnings of their own apply to ${rest.length} more ${noun(rest.length)}`,
      items: shown(rest),
    });
  }
  return sections;
}

/** Denied, expired or cancelled: the card that replaces the approval request. */
function decisionCard(record: RequestRecord, context: CardContext): Card {
  const sections: Section[] = [];
  let title: string;
  if (record.status === 'denied') {
    title = `Denied: ${requestName(record, context)}`;
    const denial = record.denial;
    sections.push(byLine('Denied by', denial?.actor, denial?.at));
    if (denial?.reason !== undefined)
      sections.push({ kind: 'facts', facts: [{ label: 'Reason', value: denial.reason }] });
  } else if (record.status === 'cancelled') {
    title = `Cancelled: ${requestName(record, context)}`;
    sections.push(byLine('Cancelled by', record.cancellation?.actor, record.cancellation?.at));
  } else {
    title = `Expired: ${requestName(record, context)}`;
    const got = record.approvals.length;
    const need = record.approval?.count ?? 0;
    const at = record.approval ? ` at ${cardTime(record.approval.expiresAt)}` : '';
    sections.push({
      kind: 'text',
      text: `Expired${at} with ${got} of ${need} approvals. Nothing was sent to the vendor.`,
    });
  }
  sections.push({ kind: 'facts', facts: [...requestFacts(record, context), idFact(record)] });
  return { kind: 'decision', title, tone: record.status === 'denied' ? 'danger' : 'info', sections };
}

function byLine(what: string, actor: Actor | undefined, at: number | undefined): Section {
  return {
    kind: 'text',
    text: [
      { text: `${what} ` },
      { text: actor ? describeActor(actor) : 'an approver', style: 'bold' },
      { text: at === undefined ? '.' : ` at ${cardTime(at)}. Nothing was sent to the vendor.` },
    ],
  };
}

function shortFacts(record: RequestRecord, context: CardContext): Fact[] {
  return [
    { label: 'Target', value: labelOf(record.target, context) },
    { label: 'Requested by', value: describeActor(record.requester) },
    ...(record.reason === undefined ? [] : [{ label: 'Reason', value: record.reason }]),
    idFact(record),
  ];
}

/** The error of a reply (or its request) as facts: code, vendor, HTTP status, vendor request id. */
function errorSections(reply: Reply, record: RequestRecord | undefined): Section[] {
  const error: Record<string, unknown> = { ...record?.error, ...reply.error };
  const sections: Section[] = [];
  if (error.message !== undefined) sections.push({ kind: 'text', text: withCode(String(error.message)) });
  if (typeof error.vendorMessage === 'string') {
    sections.push({ kind: 'facts', facts: [{ label: 'Vendor says', value: error.vendorMessage }] });
  }
  if (error.hint !== undefined) sections.push({ kind: 'text', text: withCode(String(error.hint)) });
  const facts: Fact[] = [];
  if (error.code !== undefined) facts.push({ label: 'Code', value: String(error.code) });
  if (error.vendor !== undefined) facts.push({ label: 'Vendor', value: String(error.vendor) });
  if (error.status !== undefined) facts.push({ label: 'HTTP status', value: String(error.status) });
  // In a reply's error, `requestId` is the vendor's own id of the failed call (a tracking id).
  if (error.requestId !== undefined)
    facts.push({ label: 'Vendor request id', value: String(error.requestId) });
  if (facts.length > 0) sections.push({ kind: 'facts', facts });
  return sections;
}

function errorCard(reply: Reply, record: RequestRecord | undefined, context: CardContext): Card {
  const sections = [...(record ? approvalLines(record) : []), ...errorSections(reply, record)];
  // What a refusal found before it refused (a DNS table), shown as the module's view shows it.
  if (record?.result !== undefined)
    sections.push(...context.present.view(record.result, record.target).sections);
  if (record) sections.push({ kind: 'facts', facts: shortFacts(record, context) });
  const title = record
    ? `Failed: ${requestName(record, context)}`
    : reply.action
      ? `Failed: ${reply.action}`
      : 'Failed';
  return { kind: 'error', title, tone: 'danger', sections };
}

function unknownCard(reply: Reply, record: RequestRecord, context: CardContext): Card {
  return {
    kind: 'unknown',
    title: `Outcome unknown: ${requestName(record, context)}`,
    tone: 'warning',
    sections: [
      {
        kind: 'text',
        text: [
          { text: 'The vendor may have acted.', style: 'bold' },
          {
            text: ` Check ${context.present.subject(record.action, record.subject)} in the vendor's console before trying again; domainops will not retry it.`,
          },
        ],
      },
      ...approvalLines(record),
      ...errorSections(reply, record),
      { kind: 'facts', facts: shortFacts(record, context) },
    ],
  };
}

function rejectedCard(reply: Reply, record: RequestRecord | undefined, context: CardContext): Card {
  const what = record ? requestName(record, context) : (reply.action ?? 'command');
  const reason = reply.error?.message ?? record?.error?.message;
  const sections: Section[] = [];
  if (reason !== undefined) sections.push({ kind: 'text', text: `Not allowed: ${reason}` });
  // Only what the reply carries: the pipeline leaves the trace out for people the policy does not know.
  const explanation = reply.policy;
  if (explanation !== undefined) sections.push({ kind: 'code', label: 'Policy', value: explanation });
  if (record) sections.push({ kind: 'facts', facts: shortFacts(record, context) });
  return { kind: 'rejected', title: `Not allowed: ${what}`, tone: 'danger', sections };
}

/** An approve, deny or cancel that was not carried out; the request itself is unchanged. */
function refusedCard(reply: RefusalReply, context: CardContext): Card {
  const decision = reply.decision;
  const verb = decision === 'deny' ? 'denied' : decision === 'cancel' ? 'cancelled' : 'approved';
  const sections: Section[] = [{ kind: 'text', text: reply.error.message }];
  if (reply.error.hint !== undefined) sections.push({ kind: 'text', text: withCode(reply.error.hint) });
  if (reply.record) sections.push({ kind: 'facts', facts: shortFacts(reply.record, context) });
  return { kind: 'refused', title: `Not ${verb}`, tone: 'warning', sections };
}

function dryRunCard(reply: DryRunReply, context: CardContext): Card {
  const request = reply.request;
  const target = reply.target === undefined ? 'the target' : labelOf(reply.target, context);
  const rejected = reply.status === 'rejected';
  const sections: Section[] = [
    { kind: 'text', text: `Nothing was sent. ${target} would receive:` },
    { kind: 'code', label: 'Request (secrets redacted)', value: requestText(request) },
  ];
  // A batch: the other items' requests, one line each (the JSON document's `requests` has them whole).
  const others = reply.requests?.slice(1) ?? [];
  if (others.length > 0) {
    sections.push({
      kind: 'list',
      title: `And ${others.length} more requests, one per item`,
      items: others.map((r) => `${r.method} ${r.url}${r.body === undefined ? '' : ` ${r.body}`}`),
    });
  }
  if (reply.policy !== undefined) sections.push({ kind: 'code', label: 'Policy', value: reply.policy });
  return {
    kind: 'dry-run',
    title: `${rejected ? 'Dry run, not allowed' : 'Dry run'}: ${reply.action ?? 'command'}${reply.target === undefined ? '' : ` in ${reply.target}`}`,
    tone: rejected ? 'danger' : 'info',
    sections,
  };
}

function metaCard(reply: MetaReply, context: CardContext): Card {
  const answer = reply.answer;
  switch (answer.topic) {
    case 'help':
      return cardForHelp(context, answer.command ?? answer.unknown);
    case 'pending':
      return cardForPending(answer.requests, context, answer.total);
    case 'audit':
      return cardForAudit(answer.events);
    case 'targets':
      return cardForTargets(context);
    case 'whoami':
      return cardForWhoami(answer.actor, answer.groups);
    case 'explain':
      return {
        kind: 'result',
        title: reply.action ?? 'domainops',
        tone: 'info',
        sections: textSections(reply.text),
      };
  }
}

function textSections(text: string): Section[] {
  return text.trim() === '' ? [] : [{ kind: 'text', text }];
}
