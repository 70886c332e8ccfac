/**
 * Escaping for text from people and vendors (names, deny reasons, vendor messages, domains
 * from vendor responses, policy explanations). Goals, per platform:
 *
 * - It cannot mention anyone: Slack `<!channel>`/`<@U…>` and Webex `<@all>`/`<@personId:…>`
 *   need `<`…`>`, which are entity-escaped (Slack mrkdwn, Webex message markdown) or broken
 *   with a zero-width space (Adaptive TextBlocks); `@all`/`@here`/`@channel`/`@everyone`
 *   written out get a zero-width space after the `@`.
 * - It cannot link or format: `](` is broken with a zero-width space; emphasis delimiters
 *   (`*`, `~`, backtick, and `_` at a word boundary) become look-alike characters. Backslash
 *   escapes are not used: Adaptive Card renderers disagree on them (Android and iOS show the
 *   backslash), and Slack mrkdwn has none.
 * - Copyable values (DNS records, request lines) stay exact: they go through the `*Code`
 *   functions, which only do what the platform itself undoes (Slack `&<>` entities).
 */

const ZWSP = '\u200b';

/** Look-alikes for emphasis delimiters: they read the same and no markdown dialect parses them. */
const LOOKALIKE: Record<string, string> = {
  '*': '\u2217', // ∗ ASTERISK OPERATOR
  '~': '\u223c', // ∼ TILDE OPERATOR
  '`': '\u02cb', // ˋ MODIFIER LETTER GRAVE ACCENT
  _: '\u02cd', // ˍ MODIFIER LETTER LOW MACRON
};

const ALNUM = /[\p{L}\p{N}]/u;

/** Replaces emphasis delimiters; an underscore between two letters or digits (`john_doe`) is inert and kept. */
function neutraliseEmphasis(text: string): string {
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
}

/** `@all` and friends, written out, with a zero-width space after the `@`. */
function neutraliseBroadcasts(text: string): string {
  return text.replace(/@(?=(?:all|here|channel|everyone)\b)/giu, `@${ZWSP}`);
}

/** Breaks link syntax `[x](y)`. */
function neutraliseLinks(text: string): string {
  return text.replace(/\]\(/g, `]${ZWSP}(`);
}

/** A zero-width space before line starts that markdown reads as a list, heading, quote or code block. */
function neutraliseLineStarts(text: string): string {
  return text.replace(/^(?=[ \t]*(?:[-+*#>=|]|\d+[.)]))|^(?=[ \t]{4})/gmu, ZWSP);
}

function entities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Untrusted text for Slack mrkdwn: `&<>` as entities (which also disarms `<!channel>`,
 * `<@U…>`, `<http://x|y>`), formatting delimiters as look-alikes, written-out broadcasts broken.
 */
export function slackText(text: string): string {
  // Line starts first: Slack renders a leading `&gt;` as a quote.
  return neutraliseBroadcasts(neutraliseEmphasis(entities(neutraliseLineStarts(text))));
}

/**
 * A value for a Slack code span or block, exact on display: Slack decodes `&amp;` `&lt;`
 * `&gt;` back. A run of three backticks would end the block, so it alone is broken up.
 */
export function slackCode(value: string): string {
  return entities(value).replace(/`(?=``)/g, `\`${ZWSP}`);
}

/**
 * Untrusted text for an Adaptive Card TextBlock or FactSet (Webex renders a markdown subset):
 * delimiters as look-alikes, links and line-start markers broken, `<` followed by a zero-width
 * space so no renderer sees a tag or an autolink.
 */
export function adaptiveText(text: string): string {
  const safe = neutraliseLinks(neutraliseEmphasis(text)).replace(/</g, `<${ZWSP}`);
  return neutraliseLineStarts(neutraliseBroadcasts(safe));
}

/** Whether markdown would render `value` as written: no delimiters, links, tags or line-start markers. */
export function isMarkdownInert(value: string): boolean {
  if (/[*`~<>[\]\\&]/.test(value)) return false;
  if (/^(?:[ \t]*(?:[-+#>=|]|\d+[.)])(?:\s|$)|[ \t]{4})/mu.test(value)) return false;
  let boundaryUnderscores = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '_') continue;
    if (!(ALNUM.test(value[i - 1] ?? '') && ALNUM.test(value[i + 1] ?? ''))) boundaryUnderscores++;
  }
  // One lone delimiter has nothing to pair with (`_yc-domain-validation.corp.ru`).
  return boundaryUnderscores <= 1;
}

/**
 * A copyable value for a monospace Adaptive TextBlock. TextBlocks parse markdown even in
 * monospace and have no escape every renderer honours, so a value is kept byte for byte when
 * markdown leaves it alone (DNS names and TXT values do), and neutralised like text otherwise.
 */
export function adaptiveCode(value: string): string {
  return isMarkdownInert(value) ? value : adaptiveText(value);
}

/**
 * Untrusted text for a Webex message's `markdown` (the card's fallback): like `adaptiveText`,
 * but `&<>` become entities, since Webex reads `<@all>` and `<@personId:…>` there as mentions.
 */
export function webexMarkdown(text: string): string {
  const safe = neutraliseLinks(neutraliseEmphasis(entities(text)));
  return neutraliseLineStarts(neutraliseBroadcasts(safe));
}

/** A value for a fenced code block in Webex message markdown; `<>` as entities (no mention can form). */
export function webexMarkdownCode(value: string): string {
  return value
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`(?=``)/g, `\`${ZWSP}`);
}

/** Cuts `text` to at most `max` UTF-16 units without splitting a surrogate pair, ending with `…`. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Cuts `text` to at most `max` bytes of UTF-8 on a character boundary, ending with `…` when cut. */
export function clipBytes(text: string, max: number): string {
  const encoder = new TextEncoder();
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
