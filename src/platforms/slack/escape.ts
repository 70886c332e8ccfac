/**
 * Escaping for Slack mrkdwn (see ../shared/escape.ts for the goals): `&<>` as entities, which
 * Slack decodes on display and which disarm `<!channel>`, `<@U…>` and `<http://x|y>`.
 */
import {
  entities,
  neutraliseBroadcasts,
  neutraliseEmphasis,
  neutraliseLineStarts,
  ZWSP,
} from '../shared/escape.ts';

/** What any step of `slackText` changes: `&<>`, delimiters, `@`, or a line start markdown reads. */
const SLACK_SPECIAL = /[&<>*~`_@]|^[ \t]*(?:[-+*#>=|]|\d+[.)])|^[ \t]{4}/mu;

/**
 * Untrusted text for Slack mrkdwn: `&<>` as entities (which also disarms `<!channel>`,
 * `<@U…>`, `<http://x|y>`), formatting delimiters as look-alikes, written-out broadcasts broken.
 */
export function slackText(text: string): string {
  // Nothing to escape (most names, domains, messages): one test, the text as it is.
  if (!SLACK_SPECIAL.test(text)) return text;
  // Line starts first: Slack renders a leading `&gt;` as a quote.
  return neutraliseBroadcasts(neutraliseEmphasis(entities(neutraliseLineStarts(text))));
}

const CODE_SPECIAL = /[&<>`]/;

/**
 * A value for a Slack code span or block, exact on display: Slack decodes `&amp;` `&lt;`
 * `&gt;` back. A run of three backticks would end the block, so it alone is broken up.
 */
export function slackCode(value: string): string {
  if (!CODE_SPECIAL.test(value)) return value;
  return entities(value).replace(/`(?=``)/g, `\`${ZWSP}`);
}
