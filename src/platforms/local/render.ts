import type { Card } from '../../core/cards/model.ts';
import { renderBlockKit } from '../slack/render.ts';
import { fallbackText, renderAdaptiveCard } from '../webex/render.ts';

/**
 * What the playground page shows of a card: the Adaptive Card as Webex renders it (with its
 * fallback text), and a preview of the Block Kit blocks Slack would show.
 */
export interface PlaygroundCards {
  /** Adaptive Card 1.3 content. */
  webex: Record<string, unknown>;
  /** Block Kit blocks and Slack's notification text. */
  slack: { blocks: Record<string, unknown>[]; text: string };
  /** The fallback text of the Webex message (`markdown`). */
  text: string;
}

/** The playground's renderer (see `ChatReply.render`). */
export function playgroundCards(card: Card): PlaygroundCards {
  const slack = renderBlockKit(card);
  return {
    webex: renderAdaptiveCard(card),
    slack: { blocks: slack.blocks, text: slack.text },
    text: fallbackText(card),
  };
}
