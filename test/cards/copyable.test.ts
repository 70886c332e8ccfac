import { describe, expect, it } from 'vitest';
import { cardForReply } from '../../src/core/cards/build.ts';
import type { Card } from '../../src/core/cards/model.ts';
import { renderBlockKit } from '../../src/platforms/slack/render.ts';
import { renderAdaptiveCard } from '../../src/platforms/webex/render.ts';
import { CONTEXT, SAMPLES } from './samples.ts';

/**
 * Whatever a person copies from a card (DNS record names and values, commands to type, request
 * lines) must be the characters to use: every `code` section and code span of the card model
 * appears byte for byte in what each platform shows.
 */

/** Look-alikes and invisible characters the escaping of plain text uses: never in a value to copy. */
const SUBSTITUTES = /[\u200b\u2217\u223c\u02cb\u02cd]/u;

interface Copyable {
  /** A `code` section (shown as a block) or a code span (inline). */
  kind: 'block' | 'span';
  value: string;
}

function copyables(card: Card): Copyable[] {
  const out: Copyable[] = [];
  for (const section of card.sections) {
    if (section.kind === 'code') out.push({ kind: 'block', value: section.value });
    if (section.kind === 'text' && typeof section.text !== 'string') {
      for (const span of section.text)
        if (span.style === 'code') out.push({ kind: 'span', value: span.text });
    }
  }
  return out;
}

/** The text of every monospace TextRun, in order (what Webex shows in monospace, as given). */
function monospaceRuns(content: unknown): string[] {
  const runs: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const el = node as Record<string, unknown>;
    if (el.type === 'TextRun' && el.fontType === 'Monospace') runs.push(String(el.text));
    for (const value of Object.values(el)) walk(value);
  };
  walk(content);
  return runs;
}

/** Slack mrkdwn of a message as Slack reads it: code blocks and code spans, entities decoded. */
function slackCode(blocks: Record<string, unknown>[]): { blocks: string[]; spans: string[] } {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const el = node as Record<string, unknown>;
    if (el.type === 'mrkdwn' && typeof el.text === 'string') texts.push(el.text);
    for (const value of Object.values(el)) walk(value);
  };
  walk(blocks);
  // Slack decodes exactly these three entities ("Escaping text", Slack formatting reference).
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const found = { blocks: [] as string[], spans: [] as string[] };
  for (const text of texts) {
    text.split('```').forEach((part, i) => {
      if (i % 2 === 1) found.blocks.push(decode(part));
      else for (const m of part.matchAll(/`([^`\n]+)`/g)) found.spans.push(decode(m[1]!));
    });
  }
  return found;
}

const cards = Object.entries(SAMPLES).flatMap(([name, reply]) => [
  [name, cardForReply(reply, CONTEXT)] as const,
  [`${name} (sandbox)`, cardForReply(reply, { ...CONTEXT, sandbox: true })] as const,
]);

describe('values to copy are exact on every card', () => {
  it('the samples have values to copy (blocks and spans) to check', () => {
    const all = cards.flatMap(([, card]) => copyables(card));
    expect(all.filter((c) => c.kind === 'block').length).toBeGreaterThan(10);
    expect(all.filter((c) => c.kind === 'span').length).toBeGreaterThan(10);
  });

  it.each(cards)('%s: Adaptive Card shows each value in monospace runs, byte for byte', (_name, card) => {
    const runs = monospaceRuns(renderAdaptiveCard(card));
    for (const { kind, value } of copyables(card)) {
      if (kind === 'span') {
        expect(runs).toContain(value);
        continue;
      }
      // A block is one run per line (an empty line is shown as one space).
      for (const line of value.split('\n')) expect(runs).toContain(line === '' ? ' ' : line);
    }
    for (const run of runs) expect(run).not.toMatch(SUBSTITUTES);
  });

  it.each(cards)('%s: Block Kit shows each value in a code block or span, byte for byte', (_name, card) => {
    const shown = slackCode(renderBlockKit(card).blocks);
    for (const { kind, value } of copyables(card)) {
      expect(kind === 'block' ? shown.blocks : shown.spans).toContain(value);
    }
    for (const code of [...shown.blocks, ...shown.spans]) expect(code).not.toMatch(SUBSTITUTES);
  });

  it('a failed validate names the record to publish exactly, as code, on both platforms', () => {
    const card = cardForReply(SAMPLES['error-validate-unpublished']!, CONTEXT);
    const name = '_yc-domain-validation.corp.ru';
    const value = 'yc-domain-validation=9f2c4e1a7b3d5f608e1c2a4b6d8f0e13';
    expect(copyables(card).map((c) => c.value)).toEqual(expect.arrayContaining([name, value]));
    expect(monospaceRuns(renderAdaptiveCard(card))).toEqual(expect.arrayContaining([name, value]));
    expect(slackCode(renderBlockKit(card).blocks).spans).toEqual(expect.arrayContaining([name, value]));
    // Not a look-alike anywhere on either card.
    expect(JSON.stringify(renderAdaptiveCard(card))).not.toContain('\u02cdyc-domain');
    expect(JSON.stringify(renderBlockKit(card))).not.toContain('\u02cdyc-domain');
  });

  it('help and pending, whose lines are typed back, carry no invisible characters', () => {
    for (const name of ['help', 'help-topic', 'pending', 'approval-request']) {
      const card = cardForReply(SAMPLES[name]!, CONTEXT);
      const webex = JSON.stringify(renderAdaptiveCard(card));
      expect(webex, name).not.toContain('\u200b');
      expect(JSON.stringify(renderBlockKit(card)), name).not.toContain('\u200b');
    }
    const help = JSON.stringify(renderAdaptiveCard(cardForReply(SAMPLES.help!, CONTEXT)));
    expect(help).toContain('unclaim <domain> [in <target>]');
  });
});
