import type { Reply } from '../app.ts';
import { type CardContext, cardForReply } from '../core/cards/build.ts';
import { fallbackText, renderAdaptiveCard } from './adaptive.ts';
import { renderBlockKit } from './block-kit.ts';

export type { CardContext } from '../core/cards/build.ts';
export { cardForReply } from '../core/cards/build.ts';
export {
  cardForAudit,
  cardForHelp,
  cardForPending,
  cardForTargets,
  cardForWhoami,
} from '../core/cards/lists.ts';
export {
  ADAPTIVE_MAX_ACTIONS,
  ADAPTIVE_MAX_BYTES,
  fallbackText,
  renderAdaptiveCard,
  submitData,
  WEBEX_TEXT_MAX_BYTES,
} from './adaptive.ts';
export { renderBlockKit, SLACK_LIMITS, slackActionId } from './block-kit.ts';
export type { Button, ButtonAction, Card, CardKind, Section, Span, Tone } from './model.ts';

/** A reply's card for every platform: what platforms send and `exec --json` prints as `cards`. */
export interface RenderedCards {
  /** Adaptive Card 1.3 content for a Webex attachment. */
  webex: Record<string, unknown>;
  /** Block Kit blocks, and the notification text Slack shows where blocks cannot be (escaped mrkdwn). */
  slack: { blocks: Record<string, unknown>[]; text: string };
  /** The fallback text of the Webex message (`markdown`), at most 7439 bytes. */
  text: string;
}

/**
 * Renders a reply for Webex and Slack. A Webex message is
 * `{ markdown: text, attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: webex }] }`;
 * a Slack message is `{ text: <renderBlockKit(card).text>, blocks: slack.blocks }`.
 */
export function renderCards(reply: Reply, context: CardContext): RenderedCards {
  const card = cardForReply(reply, context);
  const slack = renderBlockKit(card);
  return {
    webex: renderAdaptiveCard(card),
    slack: { blocks: slack.blocks, text: slack.text },
    text: fallbackText(card),
  };
}
