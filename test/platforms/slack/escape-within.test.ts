/**
 * `escapeWithin` (the Slack renderer's escape-and-cut): text that fits is escaped once, not
 * twice; its output is exactly what it was before, for text that fits and text that is cut.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip } from '../../../src/platforms/shared/escape.ts';
import { slackCode, slackText } from '../../../src/platforms/slack/escape.ts';
import { escapeWithin } from '../../../src/platforms/slack/render.ts';

/** The implementation before the fix, as the reference of its output. */
function reference(raw: string, max: number, encode: (s: string) => string): string {
  if (encode(raw).length <= max) return encode(raw);
  let low = 0;
  let high = raw.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (encode(clip(raw, mid)).length <= max) low = mid;
    else high = mid - 1;
  }
  return encode(clip(raw, low));
}

/** An encoder that counts how often it ran. */
function counting(encode: (s: string) => string) {
  const calls: string[] = [];
  return {
    calls,
    encode: (s: string) => {
      calls.push(s);
      return encode(s);
    },
  };
}

/** Text with the characters Slack escaping touches, and some that take two UTF-16 units. */
const text = fc.string({
  unit: fc.constantFrom('a', 'b', ' ', '&', '<', '>', '*', '_', '`', '~', '@', '\n', '-', '#', 'é', '😀'),
  maxLength: 200,
});

describe('escapeWithin', () => {
  it('escapes text that fits once', () => {
    for (const raw of ['abc.com', 'a <b> & *c*', '@channel `x`']) {
      const c = counting(slackText);
      expect(escapeWithin(raw, 3000, c.encode)).toBe(slackText(raw));
      expect(c.calls).toEqual([raw]);
    }
  });

  it('cuts text that does not fit so the escaped text fits, entities whole', () => {
    const raw = `${'&'.repeat(50)}tail`;
    const out = escapeWithin(raw, 40);
    expect(out.length).toBeLessThanOrEqual(40);
    expect(out).toMatch(/^(?:&amp;)+…$/);
  });

  it('gives what it gave before, for any text and limit', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 250 }), fc.boolean(), (raw, max, code) => {
        const encode = code ? slackCode : slackText;
        expect(escapeWithin(raw, max, encode)).toBe(reference(raw, max, encode));
      }),
      { numRuns: 500 },
    );
  });
});
