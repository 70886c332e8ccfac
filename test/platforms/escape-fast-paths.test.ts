/**
 * The escaping functions return text that needs no escaping as it is, after one test, and build
 * the rest with single regular-expression passes. They must escape exactly as the per-character
 * versions they replaced, kept here as the reference, on any string.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clipBytes,
  entities,
  neutraliseBroadcasts,
  neutraliseEmphasis,
  neutraliseLineStarts,
  neutraliseLinks,
} from '../../src/platforms/shared/escape.ts';
import { slackCode, slackText } from '../../src/platforms/slack/escape.ts';
import { adaptiveText, webexMarkdown, webexMarkdownCode } from '../../src/platforms/webex/escape.ts';

/** The reference: the implementations before the fast paths, unchanged. */
const reference = (() => {
  const ZWSP = '\u200b';
  const LOOKALIKE: Record<string, string> = { '*': '\u2217', '~': '\u223c', '`': '\u02cb', _: '\u02cd' };
  const ALNUM = /[\p{L}\p{N}]/u;
  const neutraliseEmphasis = (text: string): string => {
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '_') {
        const inWord = ALNUM.test(text[i - 1] ?? '') && ALNUM.test(text[i + 1] ?? '');
        out += inWord ? c : LOOKALIKE[c];
      } else {
        out += LOOKALIKE[c] ?? c;
      }
    }
    return out;
  };
  const neutraliseBroadcasts = (text: string): string =>
    text.replace(/@(?=(?:all|here|channel|everyone)\b)/giu, `@${ZWSP}`);
  const neutraliseLinks = (text: string): string => text.replace(/\]\(/g, `]${ZWSP}(`);
  const neutraliseLineStarts = (text: string): string =>
    text.replace(/^(?=[ \t]*(?:[-+*#>=|]|\d+[.)]))|^(?=[ \t]{4})/gmu, ZWSP);
  const entities = (text: string): string =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const clipBytes = (text: string, max: number): string => {
    const encoder = new TextEncoder();
    if (encoder.encode(text).length <= max) return text;
    const budget = max - 3;
    let bytes = 0;
    let out = '';
    for (const ch of text) {
      const size = encoder.encode(ch).length;
      if (bytes + size > budget) break;
      bytes += size;
      out += ch;
    }
    return `${out}…`;
  };
  return {
    neutraliseEmphasis,
    neutraliseBroadcasts,
    neutraliseLinks,
    neutraliseLineStarts,
    entities,
    clipBytes,
    slackText: (text: string) =>
      neutraliseBroadcasts(neutraliseEmphasis(entities(neutraliseLineStarts(text)))),
    slackCode: (value: string) => entities(value).replace(/`(?=``)/g, `\`${ZWSP}`),
    adaptiveText: (text: string) => {
      const safe = neutraliseLinks(neutraliseEmphasis(text)).replace(/</g, `<${ZWSP}`);
      return neutraliseLineStarts(neutraliseBroadcasts(safe));
    },
    webexMarkdown: (text: string) => {
      const safe = neutraliseLinks(neutraliseEmphasis(entities(text)));
      return neutraliseLineStarts(neutraliseBroadcasts(safe));
    },
    webexMarkdownCode: (value: string) =>
      value
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/`(?=``)/g, `\`${ZWSP}`),
  };
})();

/** Pieces that the escaping reacts to, mixed with plain letters, digits, spaces and non-BMP text. */
const PIECES = [
  '*',
  '~',
  '`',
  '```',
  '_',
  '@',
  '@all',
  '@HERE',
  '@channel',
  '@everyone',
  '@alligator',
  '&',
  '<',
  '>',
  '](',
  ']',
  '(',
  '-',
  '+',
  '#',
  '=',
  '|',
  '1.',
  '12)',
  '    ',
  '\t',
  ' ',
  '\n',
  '\r\n',
  'a',
  'Z',
  'é',
  'ж',
  '7',
  'john',
  'corp.com',
  '😀',
  '\ud83d',
  '\u200b',
  'x_y',
  '_x',
  'x_',
  '.',
  ')',
];
const hostile = fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 40 });
const anything = fc.oneof(
  hostile,
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

const PAIRS: [string, (s: string) => string, (s: string) => string][] = [
  ['neutraliseEmphasis', neutraliseEmphasis, reference.neutraliseEmphasis],
  ['neutraliseBroadcasts', neutraliseBroadcasts, reference.neutraliseBroadcasts],
  ['neutraliseLinks', neutraliseLinks, reference.neutraliseLinks],
  ['neutraliseLineStarts', neutraliseLineStarts, reference.neutraliseLineStarts],
  ['entities', entities, reference.entities],
  ['slackText', slackText, reference.slackText],
  ['slackCode', slackCode, reference.slackCode],
  ['adaptiveText', adaptiveText, reference.adaptiveText],
  ['webexMarkdown', webexMarkdown, reference.webexMarkdown],
  ['webexMarkdownCode', webexMarkdownCode, reference.webexMarkdownCode],
];

describe('escaping with fast paths', () => {
  it.each(PAIRS)('%s escapes exactly as before, on any string', (_name, fast, old) => {
    fc.assert(
      fc.property(anything, (text) => {
        expect(fast(text)).toBe(old(text));
      }),
      { numRuns: 2000 },
    );
  });

  it.each(PAIRS)('%s returns text with nothing to escape as it is', (_name, fast) => {
    for (const text of [
      '',
      'corp.com',
      'Webex Identity (webex-prod): 3 domains',
      'Unclaim eu.corp.com in Webex Identity: pending approval by identity admins',
    ]) {
      expect(fast(text)).toBe(text);
    }
  });

  it('clipBytes cuts exactly as before, on any string and budget', () => {
    fc.assert(
      fc.property(anything, fc.integer({ min: 3, max: 200 }), (text, max) => {
        expect(clipBytes(text, max)).toBe(reference.clipBytes(text, max));
      }),
      { numRuns: 2000 },
    );
    const long = `${'ж'.repeat(40)}😀${'a'.repeat(40)}`;
    for (let max = 3; max < 140; max++) expect(clipBytes(long, max)).toBe(reference.clipBytes(long, max));
  });
});
