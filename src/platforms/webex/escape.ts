/**
 * Escaping for Webex (see ../shared/escape.ts for the goals): Adaptive Card TextBlocks, which
 * decode no entities, and the message `markdown` (the card's fallback), where `<@all>` and
 * `<@personId:…>` are mentions.
 */
import {
  ALNUM,
  entities,
  neutraliseBroadcasts,
  neutraliseEmphasis,
  neutraliseLineStarts,
  neutraliseLinks,
  ZWSP,
} from '../shared/escape.ts';

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
