/**
 * Escaping for text from people and vendors (names, deny reasons, vendor messages, domains
 * from vendor responses, policy explanations): the parts every platform's escaping shares, and
 * cutting text to a platform's limits. Each platform's own rules are in its `escape.ts`. Goals:
 *
 * - It cannot mention anyone: mentions need `<`…`>` (entity-escaped, or broken with a
 *   zero-width space where entities are not decoded); `@all`/`@here`/`@channel`/`@everyone`
 *   written out get a zero-width space after the `@`.
 * - It cannot link or format: `](` is broken with a zero-width space; emphasis delimiters
 *   (`*`, `~`, backtick, and `_` at a word boundary) become look-alike characters. Backslash
 *   escapes are not used: card renderers disagree on them (some show the backslash), and some
 *   markdown dialects have none.
 * - Copyable values (DNS records, commands, request lines) stay exact, never a look-alike or an
 *   invisible character: Slack shows them in code spans and blocks, escaped only as Slack undoes
 *   (`slackCode`); Adaptive Cards show them in TextRuns, which read no markup at all.
 */

export const ZWSP = '\u200b';

/** Look-alikes for emphasis delimiters: they read the same and no markdown dialect parses them. */
const LOOKALIKE: Record<string, string> = {
  '*': '\u2217', // ∗ ASTERISK OPERATOR
  '~': '\u223c', // ∼ TILDE OPERATOR
  '`': '\u02cb', // ˋ MODIFIER LETTER GRAVE ACCENT
  _: '\u02cd', // ˍ MODIFIER LETTER LOW MACRON
};

export const ALNUM = /[\p{L}\p{N}]/u;

/*
 * Each function below tests its input once and returns it unchanged when nothing in it needs
 * escaping (most names, domains and vendor messages), so the common case allocates nothing.
 */

const EMPHASIS = /[*~`_]/;
const EMPHASIS_ALL = /[*~`_]/g;

/** Replaces emphasis delimiters; an underscore between two letters or digits (`john_doe`) is inert and kept. */
export function neutraliseEmphasis(text: string): string {
  if (!EMPHASIS.test(text)) return text;
  return text.replace(EMPHASIS_ALL, (c: string, i: number) => {
    if (c !== '_') return LOOKALIKE[c]!;
    const inWord = ALNUM.test(text[i - 1] ?? '') && ALNUM.test(text[i + 1] ?? '');
    return inWord ? c : LOOKALIKE[c]!;
  });
}

const BROADCAST = /@(?=(?:all|here|channel|everyone)\b)/giu;

/** `@all` and friends, written out, with a zero-width space after the `@`. */
export function neutraliseBroadcasts(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(BROADCAST, `@${ZWSP}`);
}

/** Breaks link syntax `[x](y)`. */
export function neutraliseLinks(text: string): string {
  if (!text.includes('](')) return text;
  return text.replaceAll('](', `]${ZWSP}(`);
}

const LINE_START = /^(?=[ \t]*(?:[-+*#>=|]|\d+[.)]))|^(?=[ \t]{4})/mu;
const LINE_STARTS = /^(?=[ \t]*(?:[-+*#>=|]|\d+[.)]))|^(?=[ \t]{4})/gmu;

/** A zero-width space before line starts that markdown reads as a list, heading, quote or code block. */
export function neutraliseLineStarts(text: string): string {
  if (!LINE_START.test(text)) return text;
  return text.replace(LINE_STARTS, ZWSP);
}

const ENTITY = /[&<>]/;
const ENTITIES = /[&<>]/g;
const ENTITY_OF: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** `&`, `<` and `>` as HTML entities. */
export function entities(text: string): string {
  if (!ENTITY.test(text)) return text;
  return text.replace(ENTITIES, (c: string) => ENTITY_OF[c]!);
}

/** Cuts `text` to at most `max` UTF-16 units without splitting a surrogate pair, ending with `…`. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

const encoder = new TextEncoder();

/** Cuts `text` to at most `max` bytes of UTF-8 on a character boundary, ending with `…` when cut. */
export function clipBytes(text: string, max: number): string {
  // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4): short text fits.
  if (text.length * 3 <= max) return text;
  if (encoder.encode(text).length <= max) return text;
  const budget = max - 3; // `…` is 3 bytes
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const size = encoder.encode(ch).length;
    if (bytes + size > budget) break;
    bytes += size;
    out += ch;
  }
  return `${out}…`;
}
