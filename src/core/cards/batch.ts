/**
 * The cards of a batch request (`unclaim a.com b.com …`): the approval card lists the items and
 * the requests approved; the running card and the outcome card show the counts and each item's
 * outcome, grouped (problems first), and the outcome card the command that runs the rest again.
 * Lists carry every item: renderers show as many as the platform's limits allow and end with
 * "and N more" (Block Kit: 50 blocks, 3000 characters a section; Adaptive Cards: our size
 * budget); the JSON document's `result.items` has them all.
 */
import { describeActor } from '../policy/actor.ts';
import { rerunCommand } from '../requests/batch.ts';
import { type BatchItem, type ItemStatus, itemCounts, type RequestRecord } from '../requests/model.ts';
import { countsText, outcomesText, requestText } from '../text.ts';
import {
  approvalFacts,
  approvalLines,
  type CardContext,
  idFact,
  itemsNoun,
  labelOf,
  requestName,
} from './common.ts';
import type { Card, Fact, Section, Tone } from './model.ts';

/** Characters of an item's error message on a card (the JSON document has it whole). */
const MESSAGE_MAX = 160;

function clipped(text: string): string {
  const chars = [...text];
  return chars.length > MESSAGE_MAX ? `${chars.slice(0, MESSAGE_MAX - 1).join('')}…` : text;
}

/** One item's line: its subject and, for a problem, the error's code, HTTP status and message. */
function itemLine(item: BatchItem, record: RequestRecord, context: CardContext): string {
  const subject = context.present.subject(record.action, item.subject);
  const error = item.error;
  if (error === undefined) return subject;
  const status = error.status === undefined ? '' : ` (HTTP ${error.status})`;
  return `${subject}: ${error.code}${status}: ${clipped(error.message)}`;
}

/** The groups of items a card lists, in this order, with their list titles. */
const GROUPS: readonly { status: ItemStatus; title: string }[] = [
  { status: 'failed', title: 'Failed' },
  { status: 'unknown', title: 'Outcome unknown' },
  { status: 'running', title: 'Running now' },
  { status: 'skipped', title: 'Skipped (not run)' },
  { status: 'succeeded', title: 'Succeeded' },
  { status: 'pending', title: 'Not started yet' },
];

/** A list section per non-empty group of items. */
function itemLists(record: RequestRecord, items: readonly BatchItem[], context: CardContext): Section[] {
  return GROUPS.flatMap(({ status, title }) => {
    const group = items.filter((i) => i.status === status);
    if (group.length === 0) return [];
    return [
      {
        kind: 'list' as const,
        title: `${title} (${group.length})`,
        items: group.map((i) => itemLine(i, record, context)),
      },
    ];
  });
}

/** The facts of a batch's running and outcome cards. */
function shortFacts(record: RequestRecord, context: CardContext): Fact[] {
  return [
    { label: 'Target', value: labelOf(record.target, context) },
    { label: 'Requested by', value: describeActor(record.requester) },
    ...(record.reason === undefined ? [] : [{ label: 'Reason', value: record.reason }]),
    idFact(record),
  ];
}

/** A batch waiting for approval: who wants what, every item, and every vendor request approved. */
export function batchApprovalCard(
  record: RequestRecord,
  items: readonly BatchItem[],
  context: CardContext,
  warnings: Section[],
): Card {
  // The items have their own list below: no summary of them among the facts.
  const facts = approvalFacts(record, context, { subjects: false });
  const noun = itemsNoun(record, context);
  const requests = record.requests ?? (record.request === undefined ? [] : [record.request]);
  const [first, ...others] = requests;
  const sections: Section[] = [
    {
      kind: 'text',
      text: [
        { text: describeActor(record.requester), style: 'bold' },
        { text: ' wants to ' },
        { text: record.action.toUpperCase(), style: 'bold' },
        {
          text: ` ${items.length} ${noun} in ${labelOf(record.target, context)}: one request, one approval, and an outcome for each.`,
        },
      ],
    },
    { kind: 'context', text: context.present.grammar.byAction(record.action)?.description ?? '' },
    ...warnings,
    {
      kind: 'list',
      title: `${noun.charAt(0).toUpperCase()}${noun.slice(1)} (${items.length})`,
      items: items.map((i) => context.present.subject(record.action, i.subject)),
    },
    { kind: 'facts', facts },
  ];
  if (first !== undefined) {
    sections.push({
      kind: 'code',
      label: `Vendor request you approve for ${items[0]?.subject ?? 'the first item'} (1 of ${items.length}; secrets redacted)`,
      value: requestText(first),
    });
  }
  if (others.length > 0) {
    sections.push({
      kind: 'list',
      title: `The other ${others.length} ${others.length === 1 ? 'request' : 'requests'} you approve`,
      items: others.map((r) => `${r.method} ${r.url}${r.body === undefined ? '' : ` ${r.body}`}`),
    });
  }
  sections.push({
    kind: 'context',
    text: `The requester cannot approve. Or type: approve ${record.id}, or deny ${record.id} [reason]`,
  });
  return {
    kind: 'approval-request',
    title: `Approval needed: ${record.action.toUpperCase()} ${items.length} ${noun}`,
    tone: 'warning',
    sections,
    actions: [
      { action: 'approve', requestId: record.id, label: 'Approve' },
      { action: 'deny', requestId: record.id, label: 'Deny' },
    ],
  };
}

/** A batch that is running: how far it got, and each finished item's outcome. */
export function batchRunningCard(
  record: RequestRecord,
  items: readonly BatchItem[],
  context: CardContext,
): Card {
  return {
    kind: 'decision',
    title: `Running: ${requestName(record, context)} (${itemCounts(items).done} of ${items.length} done)`,
    tone: 'info',
    sections: [
      ...approvalLines(record),
      // The title says how many are done; this line says how they went.
      { kind: 'text', text: `${outcomesText(items)}.` },
      ...itemLists(record, items, context),
      { kind: 'facts', facts: shortFacts(record, context) },
    ],
  };
}

/** A batch that ran: the counts, each item's outcome, and the command that runs the rest again. */
export function batchOutcomeCard(
  record: RequestRecord,
  items: readonly BatchItem[],
  context: CardContext,
): Card {
  const c = itemCounts(items);
  const name = requestName(record, context);
  const tone: Tone =
    record.status === 'succeeded' ? 'success' : record.status === 'unknown' ? 'warning' : 'danger';
  const title =
    record.status === 'succeeded'
      ? `Done: ${name}`
      : record.status === 'unknown'
        ? `Outcome unknown for ${c.unknown} of ${c.total}: ${name}`
        : `Not all done: ${name}`;
  const sections: Section[] = [...approvalLines(record), { kind: 'text', text: `${countsText(items)}.` }];
  if (c.unknown > 0) {
    sections.push({
      kind: 'text',
      text: [
        { text: 'The vendor may have acted.', style: 'bold' },
        {
          text: ` Check the ${c.unknown === 1 ? itemsNoun(record, context).replace(/s$/, '') : `${c.unknown} ${itemsNoun(record, context)}`} whose outcome is unknown in the vendor's console before running them again; domainops will not retry them.`,
        },
      ],
    });
  }
  if (record.error?.code === 'interrupted') sections.push({ kind: 'text', text: record.error.message });
  sections.push(...itemLists(record, items, context));
  const rest = rerunCommand(record);
  if (rest !== undefined) {
    sections.push({
      kind: 'code',
      label: `Run the rest again (${c.total - c.succeeded} of ${c.total})`,
      value: rest,
    });
  }
  sections.push({ kind: 'facts', facts: shortFacts(record, context) });
  return {
    kind: record.status === 'unknown' ? 'unknown' : record.status === 'succeeded' ? 'result' : 'error',
    title,
    tone,
    sections,
  };
}
