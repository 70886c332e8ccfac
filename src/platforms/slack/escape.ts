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
