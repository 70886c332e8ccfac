import { createHash } from 'node:crypto';
import {
  type ButtonAction,
  type Card,
  delimit,
  type Section,
  type Span,
  type Tone,
} from '../../core/cards/model.ts';
import { clip } from '../shared/escape.ts';
import { slackCode, slackText } from './escape.ts';

/** The Slack `action_id` of a button: `domainops_<action>`, its `value` the request id. */
export function slackActionId(action: ButtonAction): `domainops_${ButtonAction}` {
  return `domainops_${action}`;
}

/** Block Kit limits (api.slack.com/reference/block-kit). */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  id: 255,
} as const;

/** Items shown per list at most; fewer when the section text would pass 3000 characters. */
const LIST_CAP = 40;

const EMOJI: Record<Tone, string> = { info: '', success: '✅ ', warning: '⚠️ ', danger: '⛔ ' };

type Block = Record<string, unknown>;

/**
 * Block Kit for `chat.postMessage`/`chat.update`. `text` is the notification text Slack shows
 * where blocks cannot be (mrkdwn, escaped like the blocks).
 */
export function renderBlockKit(card: Card): { text: string; blocks: Block[] } {
  const blocks: Block[] = [
    { type: 'header', text: plain(clip(`${EMOJI[card.tone]}${card.title}`, SLACK_LIMITS.headerText)) },
  ];
  if (card.sandbox) {
    blocks.push(context('*SANDBOX*: vendor calls go to the built-in sandbox, nothing real changes'));
  }
  const actions = card.actions ?? [];
  // Keep room for the actions block and a closing "cut" note.
  const budget = SLACK_LIMITS.blocks - (actions.length > 0 ? 1 : 0) - 1;
  let omitted = 0;
  for (const section of card.sections) {
    const next = sectionBlocks(section);
    if (blocks.length + next.length > budget) {
      omitted++;
      continue;
    }
    blocks.push(...next);
  }
  if (omitted > 0) blocks.push(context(`${omitted} more ${omitted === 1 ? 'part' : 'parts'} left out`));
  if (actions.length > 0) {
    const elements = actions.slice(0, SLACK_LIMITS.actionsElements).map((b) => ({
      type: 'button',
      action_id: slackActionId(b.action),
      text: plain(clip(b.label, SLACK_LIMITS.buttonText)),
      value: b.requestId,
      style: b.action === 'approve' ? 'primary' : 'danger',
    }));
    blocks.push({ type: 'actions', block_id: decisionBlockId(blocks, elements), elements });
  }
  const sandbox = card.sandbox ? '[SANDBOX] ' : '';
  return { text: `${sandbox}${slackText(card.title)}`, blocks };
}

/**
 * Slack's Block Kit reference (Blocks, `block_id`): "block_id should be unique for each message
 * and each iteration of a message. If a message is updated, use a new block_id." A card is updated
 * in place as its request changes (another approval counted), so the id is a digest of everything
 * the card shows, the request id on its buttons included: a version that shows anything new gets
 * a new id. Nothing matches on it: the Slack action handlers match `action_id`.
 */
function decisionBlockId(blocks: readonly Block[], elements: readonly Block[]): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([blocks, elements]))
    .digest('hex');
  return `domainops_decision_${digest.slice(0, 16)}`;
}

function plain(text: string): Block {
  return { type: 'plain_text', text, emoji: true };
}

/**
 * Every mrkdwn text object domainops sends. Slack's Block Kit reference (Text object, `verbatim`):
 * "When set to `false` (as is default) URLs will be auto-converted into links, conversation names
 * will be link-ified, and certain mentions will be automatically parsed. When set to `true`, Slack
 * will continue to process all markdown formatting and manual parsing strings, but it won't modify
 * any plain-text content." People's text (reasons, names, vendor messages) is escaped by
 * `slackText`; `verbatim` keeps Slack from making links of a URL or a `#channel` written in it.
 */
function mrkdwn(text: string): Block {
  return { type: 'mrkdwn', text, verbatim: true };
}

function context(text: string): Block {
  return { type: 'context', elements: [mrkdwn(clip(text, SLACK_LIMITS.sectionText))] };
}

function section(text: string): Block {
  return { type: 'section', text: mrkdwn(text) };
}

/**
 * Escapes `raw` and cuts it so the escaped text fits `max` (entities never split). Text that fits
 * (nearly all) is escaped once; only longer text is cut, by a binary search over its length.
 */
export function escapeWithin(raw: string, max: number, encode: (s: string) => string = slackText): string {
  const whole = encode(raw);
  if (whole.length <= max) return whole;
  let low = 0;
  let high = raw.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (encode(clip(raw, mid)).length <= max) low = mid;
    else high = mid - 1;
  }
  return encode(clip(raw, low));
}

function spans(text: string | Span[]): string {
  if (typeof text === 'string') return escapeWithin(text, SLACK_LIMITS.sectionText);
  const out = text
    .map((s) => {
      if (s.style === 'bold') return delimit(s.text, '*', slackText);
      if (s.style === 'code') return delimit(s.text, '`', slackCode);
      return slackText(s.text);
    })
    .join('');
  return clip(out, SLACK_LIMITS.sectionText);
}

function sectionBlocks(s: Section): Block[] {
  switch (s.kind) {
    case 'text':
      return [section(spans(s.text))];
    case 'facts': {
      const blocks: Block[] = [];
      for (let i = 0; i < s.facts.length; i += SLACK_LIMITS.fields) {
        const fields = s.facts.slice(i, i + SLACK_LIMITS.fields).map((f) => {
          const label = `*${slackText(clip(f.label, 200))}*\n`;
          return mrkdwn(label + escapeWithin(f.value, SLACK_LIMITS.fieldText - label.length));
        });
        blocks.push({ type: 'section', fields });
      }
      return blocks;
    }
    case 'list':
      return [section(listText(s.title, s.items, s.empty, s.more ?? 0))];
    case 'code': {
      const label = s.label === undefined ? '' : `*${slackText(s.label)}*\n`;
      const fence = '```';
      const value = escapeWithin(
        s.value,
        SLACK_LIMITS.sectionText - label.length - 2 * fence.length,
        slackCode,
      );
      return [section(`${label}${fence}${value}${fence}`)];
    }
    case 'context':
      return [context(escapeWithin(s.text, SLACK_LIMITS.sectionText))];
  }
}

/** `*Title*` and one bullet per item, as many as fit in a section, then "and N more". */
function listText(
  title: string,
  items: readonly string[],
  empty: string | undefined,
  beyond: number,
): string {
  let text = `*${slackText(title)}*`;
  if (items.length === 0) return empty === undefined ? text : `${text}\n${slackText(empty)}`;
  const reserve = 40; // room for "and N more"
  let shown = 0;
  for (const item of items.slice(0, LIST_CAP)) {
    // Escaped with its bullet: the item does not start a line, so `--flag` needs no breaking.
    const line = `\n${escapeWithin(`• ${item}`, 302)}`;
    if (text.length + line.length > SLACK_LIMITS.sectionText - reserve) break;
    text += line;
    shown++;
  }
  const more = items.length - shown + beyond;
  if (more > 0) text += `\nand ${more} more`;
  return text;
}
