import {
  type Button,
  type ButtonAction,
  type Card,
  delimit,
  type Section,
  type Span,
  type Tone,
} from '../../core/cards/model.ts';
import { clip, clipBytes } from '../shared/escape.ts';
import { adaptiveText, webexMarkdown, webexMarkdownCode } from './escape.ts';

/** The Adaptive `Action.Submit` data of a button (what a Webex attachment action's `inputs` carries). */
export function submitData(button: Button): { domainops: ButtonAction; requestId: string } {
  return { domainops: button.action, requestId: button.requestId };
}

/** Webex: at most 7439 bytes of `text`/`markdown` in a message. */
export const WEBEX_TEXT_MAX_BYTES = 7439;
/** Our budget for one card's JSON, well inside Webex's message size limit. */
export const ADAPTIVE_MAX_BYTES = 28_000;
/** Webex's documented guidance: at most 5 buttons on a card. */
export const ADAPTIVE_MAX_ACTIONS = 5;

/** Items shown per list, tried in order until the card fits ADAPTIVE_MAX_BYTES. */
const LIST_CAPS = [40, 20, 10, 5, 0];
/** Characters of one copyable value before it is cut (the request body of a dry run, at most). */
const CODE_MAX = 4000;
/** Characters of one text line or fact, and lines of one section, before they are cut. */
const TEXT_MAX = 1500;
const LINES_MAX = 40;

/** Untrusted text, cut, then escaped for a TextBlock or FactSet (both read markdown). */
function safe(text: string, max = TEXT_MAX): string {
  return adaptiveText(clip(text, max));
}

const COLOR: Record<Tone, string> = {
  info: 'Accent',
  success: 'Good',
  warning: 'Warning',
  danger: 'Attention',
};

type Element = Record<string, unknown>;

/** The Adaptive Card 1.3 content for a Webex message attachment (`application/vnd.microsoft.card.adaptive`). */
export function renderAdaptiveCard(card: Card): Element {
  let content: Element = {};
  for (const cap of LIST_CAPS) {
    content = render(card, cap);
    if (byteLength(JSON.stringify(content)) <= ADAPTIVE_MAX_BYTES) break;
  }
  return content;
}

function render(card: Card, listCap: number): Element {
  const body: Element[] = [];
  if (card.sandbox) {
    body.push({
      type: 'TextBlock',
      text: 'SANDBOX: vendor calls go to the built-in sandbox, nothing real changes',
      weight: 'Bolder',
      color: 'Warning',
      wrap: true,
    });
  }
  body.push(titleElement(clip(card.title, 300), COLOR[card.tone]));
  for (const section of card.sections) body.push(...sectionElements(section, listCap));
  const content: Element = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.3',
    body,
  };
  const actions = (card.actions ?? []).slice(0, ADAPTIVE_MAX_ACTIONS).map((b) => ({
    type: 'Action.Submit',
    title: b.label,
    style: b.action === 'approve' ? 'positive' : 'destructive',
    data: submitData(b),
  }));
  if (actions.length > 0) content.actions = actions;
  return content;
}

/**
 * The card's title: a TextBlock, or, when its text has characters a TextBlock would read as
 * markdown (`_yc-domain-validation.corp.ru is served…`), one TextRun, which shows them as they
 * are: a record name or domain in a title reads and copies exactly, with no look-alike.
 */
function titleElement(title: string, color: string): Element {
  const style = { size: 'Medium', weight: 'Bolder', color };
  if (adaptiveText(title) === title) return { type: 'TextBlock', text: title, ...style, wrap: true };
  return richText([run(title, style)]);
}

function textBlock(text: string, extra: Element = {}): Element {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

/**
 * A TextRun: its text is shown as given ("Markdown is not supported", Adaptive Cards schema,
 * TextRun), so it needs no escaping, and values to copy (DNS records, commands, request ids)
 * keep every character. Adaptive Cards in Webex have no mention syntax.
 */
function run(text: string, extra: Element = {}): Element {
  return { type: 'TextRun', text, ...extra };
}

/** A paragraph of TextRuns (Adaptive 1.2 RichTextBlock; it wraps). */
function richText(inlines: Element[], extra: Element = {}): Element {
  return { type: 'RichTextBlock', inlines, ...extra };
}

/** One paragraph per line: renderers disagree on whether a newline inside a run breaks the line. */
function lines(text: string, extra: Element = {}): Element[] {
  const all = text.split('\n').filter((line) => line.trim() !== '');
  const blocks = all
    .slice(0, LINES_MAX)
    .map((line, i) => richText([run(clip(line, TEXT_MAX), extra)], i === 0 ? {} : { spacing: 'None' }));
  const more = all.length - LINES_MAX;
  if (more > 0)
    blocks.push(textBlock(`and ${more} more lines`, { ...extra, spacing: 'None', isSubtle: true }));
  return blocks;
}

/** Plain, bold and code spans as runs: code in monospace, byte for byte. */
function spanRuns(text: Span[]): Element[] {
  let budget = TEXT_MAX;
  const runs: Element[] = [];
  for (const s of text) {
    if (budget <= 0 || s.text === '') continue;
    // A value to copy is cut only past CODE_MAX (then its `…` shows it is not whole).
    const value = clip(s.text, s.style === 'code' ? CODE_MAX : budget);
    budget -= value.length;
    if (s.style === 'bold') runs.push(run(value, { weight: 'Bolder' }));
    else if (s.style === 'code') runs.push(run(value, { fontType: 'Monospace' }));
    else runs.push(run(value));
  }
  return runs;
}

function sectionElements(section: Section, listCap: number): Element[] {
  switch (section.kind) {
    case 'text':
      return typeof section.text === 'string' ? lines(section.text) : [richText(spanRuns(section.text))];
    case 'facts':
      return [
        {
          type: 'FactSet',
          facts: section.facts.map((f) => ({ title: safe(f.label, 200), value: safe(f.value) })),
        },
      ];
    case 'list': {
      const items: Element[] = [textBlock(safe(section.title), { weight: 'Bolder' })];
      if (section.items.length === 0 && section.empty !== undefined) {
        items.push(richText([run(clip(section.empty, TEXT_MAX))], { spacing: 'None' }));
      }
      const shown = section.items.slice(0, listCap);
      for (const item of shown) items.push(richText([run(`• ${clip(item, 300)}`)], { spacing: 'None' }));
      const more = section.items.length - shown.length + (section.more ?? 0);
      if (more > 0) items.push(textBlock(`and ${more} more`, { spacing: 'None', isSubtle: true }));
      return items;
    }
    case 'code': {
      const items: Element[] = [];
      if (section.label !== undefined) items.push(textBlock(safe(section.label), { weight: 'Bolder' }));
      const codeLines = clip(section.value, CODE_MAX).split('\n');
      codeLines.slice(0, LINES_MAX).forEach((line, i) => {
        // A run cannot be empty (some renderers drop the block): an empty line is one space.
        const block = richText([run(line === '' ? ' ' : line, { fontType: 'Monospace' })]);
        items.push(i === 0 ? block : { ...block, spacing: 'None' });
      });
      if (codeLines.length > LINES_MAX) {
        items.push(
          textBlock(`and ${codeLines.length - LINES_MAX} more lines`, { spacing: 'None', isSubtle: true }),
        );
      }
      return [{ type: 'Container', style: 'emphasis', items }];
    }
    case 'context':
      return lines(section.text, { size: 'Small', isSubtle: true });
  }
}

/**
 * The message text that goes with a card (Webex `markdown`, shown by clients that cannot
 * render the card and in notifications): the card's content in markdown, escaped, cut to
 * 7439 bytes on a character boundary.
 */
export function fallbackText(card: Card): string {
  const out: string[] = [];
  if (card.sandbox) out.push('**SANDBOX**');
  out.push(`**${webexMarkdown(card.title)}**`);
  for (const section of card.sections) {
    switch (section.kind) {
      case 'text':
        out.push(
          typeof section.text === 'string'
            ? webexMarkdown(section.text)
            : section.text
                .map((s) => {
                  if (s.style === 'bold') return delimit(s.text, '**', webexMarkdown);
                  if (s.style === 'code') return delimit(s.text, '`', webexMarkdownCode);
                  return webexMarkdown(s.text);
                })
                .join(''),
        );
        break;
      case 'facts':
        for (const f of section.facts) out.push(`${webexMarkdown(f.label)}: ${webexMarkdown(f.value)}`);
        break;
      case 'list': {
        out.push(`${webexMarkdown(section.title)}:`);
        if (section.items.length === 0 && section.empty !== undefined) out.push(webexMarkdown(section.empty));
        const shown = section.items.slice(0, LIST_CAPS[0]);
        for (const item of shown) out.push(webexMarkdown(`• ${item}`));
        const more = section.items.length - shown.length + (section.more ?? 0);
        if (more > 0) out.push(`and ${more} more`);
        break;
      }
      case 'code':
        if (section.label !== undefined) out.push(`${webexMarkdown(section.label)}:`);
        out.push(`\`\`\`\n${webexMarkdownCode(clip(section.value, CODE_MAX))}\n\`\`\``);
        break;
      case 'context':
        out.push(webexMarkdown(section.text));
        break;
    }
  }
  return clipBytes(out.join('\n'), WEBEX_TEXT_MAX_BYTES);
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The media type of an Adaptive Card attachment on a Webex message. */
export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** What a card message carries: the fallback `markdown` and the Adaptive Card attachment. */
export interface WebexCardContent {
  markdown: string;
  attachments: [{ contentType: typeof ADAPTIVE_CARD; content: Record<string, unknown> }];
}

/**
 * A card as a Webex message's content: `{ markdown, attachments: [Adaptive Card] }`. The
 * renderer the Webex platform hands to `ChatReply.render`.
 */
export function webexCardContent(card: Card): WebexCardContent {
  return {
    markdown: fallbackText(card),
    attachments: [{ contentType: ADAPTIVE_CARD, content: renderAdaptiveCard(card) }],
  };
}
