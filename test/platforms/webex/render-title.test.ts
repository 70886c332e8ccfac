/**
 * A card title with characters a TextBlock reads as markdown (a DNS record name starts with `_`)
 * is shown as one TextRun, exact, with the title's size, weight and colour; a plain title stays a
 * TextBlock. Both are valid Adaptive Cards 1.3.
 */
import { describe, expect, it } from 'vitest';
import type { Card } from '../../../src/core/cards/model.ts';
import { renderAdaptiveCard } from '../../../src/platforms/webex/render.ts';
import { assertAdaptiveCard } from '../../cards/limits.ts';

const card = (title: string): Card => ({ kind: 'result', title, tone: 'success', sections: [] });
const titleOf = (content: Record<string, unknown>) => (content.body as Record<string, unknown>[])[0];

describe('Adaptive Card titles', () => {
  it('keeps a record name in the title exact: no look-alike for its underscore', () => {
    const title = '_yc-domain-validation.sso.corp.ru is served by every nameserver of corp.ru';
    const content = renderAdaptiveCard(card(title));
    assertAdaptiveCard(content);
    expect(titleOf(content)).toEqual({
      type: 'RichTextBlock',
      inlines: [{ type: 'TextRun', text: title, size: 'Medium', weight: 'Bolder', color: 'Good' }],
    });
    expect(JSON.stringify(content)).not.toMatch(/\u02cd/);
  });

  it('shows markup in a title as text (a run reads no markdown)', () => {
    const content = renderAdaptiveCard(card('*x* [a](http://evil) <@all>'));
    assertAdaptiveCard(content);
    expect(titleOf(content)).toMatchObject({ inlines: [{ text: '*x* [a](http://evil) <@all>' }] });
  });

  it('keeps a plain title a TextBlock', () => {
    const content = renderAdaptiveCard(card('Unverified abc.com'));
    assertAdaptiveCard(content);
    expect(titleOf(content)).toEqual({
      type: 'TextBlock',
      text: 'Unverified abc.com',
      size: 'Medium',
      weight: 'Bolder',
      color: 'Good',
      wrap: true,
    });
  });
});
