/**
 * Escaping for Webex (see ../shared/escape.ts for the goals): Adaptive Card TextBlocks and
 * FactSets, which read markdown and decode no entities, and the message `markdown` (the card's
 * fallback), where `<@all>` and `<@personId:…>` are mentions. Text in a TextRun needs none: a
 * run shows its text as given (render.ts puts text and values to copy there).
 */
import {
  entities,
  neutraliseBroadcasts,
  neutraliseEmphasis,
  neutraliseLineStarts,
  neutraliseLinks,
  ZWSP,
} from '../shared/escape.ts';

/** What any step of `adaptiveText` changes: delimiters, `](`, `<`, `@`, or a line start markdown reads. */
const ADAPTIVE_SPECIAL = /[*~`_<@]|\]\(|^[ \t]*(?:[-+*#>=|]|\d+[.)])|^[ \t]{4}/mu;
/** What any step of `webexMarkdown` changes: the same, and `&` and `>`. */
const MARKDOWN_SPECIAL = /[&<>*~`_@]|\]\(|^[ \t]*(?:[-+*#>=|]|\d+[.)])|^[ \t]{4}/mu;
const CODE_SPECIAL = /[<>`]/;

/**
 * Untrusted text for an Adaptive Card TextBlock or FactSet (Webex renders a markdown subset):
 * delimiters as look-alikes, links and line-start markers broken, `<` followed by a zero-width
 * space so no renderer sees a tag or an autolink.
 */
export function adaptiveText(text: string): string {
  // Nothing to escape: one test, the text as it is.
  if (!ADAPTIVE_SPECIAL.test(text)) return text;
  const safe = neutraliseLinks(neutraliseEmphasis(text)).replace(/</g, `<${ZWSP}`);
  return neutraliseLineStarts(neutraliseBroadcasts(safe));
}

/**
 * Untrusted text for a Webex message's `markdown` (the card's fallback): like `adaptiveText`,
 * but `&<>` become entities, since Webex reads `<@all>` and `<@personId:…>` there as mentions.
 */
export function webexMarkdown(text: string): string {
  if (!MARKDOWN_SPECIAL.test(text)) return text;
  const safe = neutraliseLinks(neutraliseEmphasis(entities(text)));
  return neutraliseLineStarts(neutraliseBroadcasts(safe));
}

/** A value for a fenced code block in Webex message markdown; `<>` as entities (no mention can form). */
export function webexMarkdownCode(value: string): string {
  if (!CODE_SPECIAL.test(value)) return value;
  return value
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`(?=``)/g, `\`${ZWSP}`);
}
