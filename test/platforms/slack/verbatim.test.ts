/**
 * Slack's Block Kit reference (Text object, `verbatim`): with `verbatim: false`, the default,
 * "URLs will be auto-converted into links, conversation names will be link-ified, and certain
 * mentions will be automatically parsed". Every mrkdwn text object domainops sends says
 * `verbatim: true`, so a reason such as `see https://evil.example/x and #general` stays text.
 */
import { describe, expect, it } from 'vitest';
import { cardForReply } from '../../../src/core/cards/build.ts';
import type { Card } from '../../../src/core/cards/model.ts';
import { renderBlockKit } from '../../../src/platforms/slack/render.ts';
import { bob, CONTEXT, NOW, record, replyFor } from '../../cards/samples.ts';

const HOSTILE = 'because see https://evil.example/x and #general, @here <!channel> <https://evil.example|ok>';

/** Every text object (`{ type: 'mrkdwn' | 'plain_text', text }`) anywhere in the blocks. */
function textObjects(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(textObjects);
  if (typeof value !== 'object' || value === null) return [];
  const object = value as Record<string, unknown>;
  const own = object.type === 'mrkdwn' || object.type === 'plain_text' ? [object] : [];
  return [...own, ...Object.values(object).flatMap(textObjects)];
}

function expectVerbatimAndEscaped(blocks: readonly unknown[]): string[] {
  const mrkdwn = textObjects(blocks).filter((t) => t.type === 'mrkdwn');
  expect(mrkdwn.length).toBeGreaterThan(0);
  for (const t of mrkdwn) expect(t, JSON.stringify(t)).toMatchObject({ verbatim: true });
  // `verbatim` is only usable with mrkdwn: plain_text never carries it.
  for (const t of textObjects(blocks).filter((o) => o.type === 'plain_text')) {
    expect(t).not.toHaveProperty('verbatim');
  }
  const texts = mrkdwn.map((t) => String(t.text));
  const hostile = texts.filter((t) => t.includes('evil.example/x'));
  expect(hostile.length).toBeGreaterThan(0);
  for (const text of hostile) {
    // Escaped: no Slack link, mention or broadcast markup survives from the text.
    expect(text).not.toMatch(/<https?:|<!|<#|<@/);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&lt;https://evil.example|ok&gt;');
    expect(text).toContain('@\u200bhere');
    expect(text).not.toMatch(/@here/);
  }
  return hostile;
}

describe('Slack mrkdwn text objects', () => {
  it('are verbatim in a request card whose reason has a URL, #general and @here', () => {
    const r = record({ reason: HOSTILE });
    const { blocks } = renderBlockKit(cardForReply(replyFor(r), CONTEXT));
    expectVerbatimAndEscaped(blocks);
  });

  it('are verbatim in a denial whose reason has them', () => {
    const r = record({
      status: 'denied',
      denial: { actor: bob, at: NOW, reason: HOSTILE },
    });
    const { blocks } = renderBlockKit(cardForReply(replyFor(r), { ...CONTEXT, sandbox: true }));
    expectVerbatimAndEscaped(blocks);
  });

  it('are verbatim in every kind of block: sections, fields, lists, code, context', () => {
    const card: Card = {
      kind: 'result',
      tone: 'warning',
      title: 'Title',
      sandbox: true,
      sections: [
        { kind: 'text', text: HOSTILE },
        { kind: 'text', text: [{ text: 'see ' }, { text: HOSTILE, style: 'bold' }] },
        { kind: 'facts', facts: [{ label: 'Reason', value: HOSTILE }] },
        { kind: 'list', title: 'Items', items: [HOSTILE] },
        { kind: 'code', label: 'Record', value: 'x' },
        { kind: 'context', text: HOSTILE },
      ],
    };
    const { blocks } = renderBlockKit(card);
    expect(expectVerbatimAndEscaped(blocks)).toHaveLength(5);
    const kinds = blocks.map((b) => b.type);
    expect(kinds).toEqual([
      'header',
      'context',
      'section',
      'section',
      'section',
      'section',
      'section',
      'context',
    ]);
  });
});
