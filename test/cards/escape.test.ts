import { describe, expect, it } from 'vitest';
import { cardForReply } from '../../src/core/cards/build.ts';
import type { Card } from '../../src/core/cards/model.ts';
import { clipBytes } from '../../src/platforms/shared/escape.ts';
import { slackCode, slackText } from '../../src/platforms/slack/escape.ts';
import { renderBlockKit } from '../../src/platforms/slack/render.ts';
import { adaptiveText, webexMarkdown } from '../../src/platforms/webex/escape.ts';
import { fallbackText, renderAdaptiveCard } from '../../src/platforms/webex/render.ts';
import { assertAdaptiveCard, assertBlockKitLimits } from './limits.ts';
import { bob, CONTEXT, HOSTILE, record, replyFor } from './samples.ts';

/** Markup that would mention, link or format if it survived. */
const SLACK_ACTIVE = [
  /<[!@#]/,
  /<https?:/,
  /(^|\s)\*[^\s*][^*]*\*/,
  /(^|\s)_[^\s_][^_]*_/,
  /~[^\s~][^~]*~/,
  /`/,
];
const WEBEX_ACTIVE = [
  /<@/,
  /@(all|here|channel|everyone)\b/i,
  /\]\(/,
  /\*\*?[^\s*]/,
  /(^|\s)_[^\s_]/,
  /`/,
  /~~/,
];
const ADAPTIVE_ACTIVE = [/<[@!a-z]/i, /\]\(/, /\*/, /(^|\s)_[^\s_]/, /`/, /~/, /^[ \t]*([-+>#]|\d+\.)\s/m];

describe('escaping of text from people and vendors', () => {
  it.each(HOSTILE)('Slack mrkdwn neutralises %j', (input) => {
    const out = slackText(input);
    for (const pattern of SLACK_ACTIVE) expect(out).not.toMatch(pattern);
    expect(out).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });

  it.each(HOSTILE)('Webex message markdown neutralises %j', (input) => {
    const out = webexMarkdown(input);
    for (const pattern of WEBEX_ACTIVE) expect(out).not.toMatch(pattern);
    expect(out).not.toMatch(/[<>]/);
  });

  it.each(HOSTILE)('Adaptive TextBlock text neutralises %j', (input) => {
    const out = adaptiveText(input);
    for (const pattern of ADAPTIVE_ACTIVE) expect(out).not.toMatch(pattern);
  });

  it('reads the same to a person (only look-alikes and invisible characters change)', () => {
    expect(slackText('AT&T <b> & co')).toBe('AT&amp;T &lt;b&gt; &amp; co');
    expect(adaptiveText('*bold* john_doe@corp.com')).toBe('∗bold∗ john_doe@corp.com');
    expect(webexMarkdown('@all please')).toBe('@\u200ball please');
    expect(slackText('@here')).toBe('@\u200bhere');
    expect(adaptiveText('[link](http://evil)')).toBe('[link]\u200b(http://evil)');
  });

  it('keeps copyable values exact in Slack code', () => {
    for (const value of [
      '_yc-domain-validation.corp.ru',
      'yc-domain-validation=9f2c4e1a7b3d5f608e1c2a4b6d8f0e13',
      'cisco-ci-domain-verification=3f1c2a9e7b5d4c8f0a1e2d3c4b5a6978',
      'v=spf1 include:_spf.corp.com ~all',
      'unclaim <domain> [in <target>]',
    ]) {
      expect(slackCode(value).replace(/&lt;/g, '<').replace(/&gt;/g, '>')).toBe(value);
    }
    // Slack decodes these entities on display: the value reads exactly as given.
    expect(slackCode('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
    // Only a run of three backticks (which would close the block) is broken.
    expect(slackCode('a``b```c')).toBe('a``b`\u200b``c');
  });

  it('cuts on a character boundary within a byte budget', () => {
    const text = 'ж'.repeat(5000); // 2 bytes each
    const cut = clipBytes(text, 7439);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(7439);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut).not.toContain('\ufffd');
    const emoji = clipBytes('😀'.repeat(3000), 7439);
    expect(Buffer.byteLength(emoji)).toBeLessThanOrEqual(7439);
    expect([...emoji.slice(0, -1)].every((c) => c === '😀')).toBe(true);
  });
});

describe('hostile text on rendered cards', () => {
  const reason = HOSTILE.join(' ');
  const denied = replyFor(
    record({
      status: 'denied',
      denial: { actor: { ...bob, name: '<!here> *Bob*' }, at: 0, reason },
    }),
  );
  const vendorFailure = replyFor(record({ status: 'failed' }), {
    error: {
      code: 'vendor_bad_request',
      message: '<@all> [click](http://evil) <http://evil|click>',
      vendorMessage: '<!channel> *urgent*',
      vendor: 'webex',
    },
  });

  it.each([
    ['deny reason', denied],
    ['vendor message', vendorFailure],
  ])('%s cannot mention, link or format on either platform', (name, reply) => {
    const card = cardForReply(reply, CONTEXT);
    const webex = renderAdaptiveCard(card);
    assertAdaptiveCard(webex);
    // TextBlocks and facts read markdown: there it is neutralised. TextRuns read none (Adaptive
    // Cards schema, TextRun: "Markdown is not supported"), and Adaptive Cards have no mentions.
    const { markdown, runs } = adaptiveStrings(webex);
    expect(markdown.join('\n')).not.toMatch(/<@|<!|\]\(|<http|\*urgent\*/);
    if (name === 'vendor message') expect(runs.join('\n')).toContain('<@all> [click](http://evil)');
    const slack = renderBlockKit(card);
    assertBlockKitLimits(slack.blocks);
    const slackJson = JSON.stringify(slack);
    expect(slackJson).not.toMatch(/<[!@#h]/);
    expect(slackJson).not.toContain('*urgent*');
    const text = fallbackText(card);
    expect(text).not.toMatch(/<|@all\b/);
  });

  it('a domain from a vendor response is escaped in lists', () => {
    const card: Card = {
      kind: 'result',
      title: 'x',
      tone: 'info',
      sections: [{ kind: 'list', title: 'Verified domains', items: ['<!channel>.corp.com', '*x*.corp.com'] }],
    };
    expect(JSON.stringify(renderBlockKit(card).blocks)).toContain('&lt;!channel&gt;.corp.com');
    // An Adaptive list item is a TextRun: shown as given, never formatted.
    expect(adaptiveStrings(renderAdaptiveCard(card)).runs).toContain('• *x*.corp.com');
  });
});

/** The strings of an Adaptive Card that renderers read as markdown, and the TextRuns (read as is). */
function adaptiveStrings(content: unknown): { markdown: string[]; runs: string[] } {
  const markdown: string[] = [];
  const runs: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const el = node as Record<string, unknown>;
    if (el.type === 'TextBlock' && typeof el.text === 'string') markdown.push(el.text);
    if (el.type === 'TextRun' && typeof el.text === 'string') runs.push(el.text);
    if (el.type === 'FactSet') {
      for (const f of el.facts as { title: string; value: string }[]) markdown.push(f.title, f.value);
    }
    for (const value of Object.values(el)) walk(value);
  };
  walk(content);
  return { markdown, runs };
}
