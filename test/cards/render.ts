import { type CardContext, cardForReply } from '../../src/core/cards/build.ts';
import type { Reply } from '../../src/core/reply.ts';
import { renderBlockKit } from '../../src/platforms/slack/render.ts';
import { fallbackText, renderAdaptiveCard } from '../../src/platforms/webex/render.ts';

/**
 * A reply's card in every wire format the platforms send, in the shape of the fixtures: the
 * Webex Adaptive Card, Slack's blocks and notification text, and the Webex fallback text.
 */
export function renderAll(reply: Reply, context: CardContext) {
  const card = cardForReply(reply, context);
  const slack = renderBlockKit(card);
  return {
    webex: renderAdaptiveCard(card),
    slack: { blocks: slack.blocks, text: slack.text },
    text: fallbackText(card),
  };
}
