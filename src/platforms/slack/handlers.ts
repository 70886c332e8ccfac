import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ChatService } from '../../core/chat.ts';
import type { Logger } from '../../server/logger.ts';
import { deliveryKey } from './delivery.ts';
import { type Identities, NO_EMAIL_TEXT } from './identity.ts';
import { originOf, type Place, type Poster, type SlackConversation } from './post.ts';
import { commandText, escapeMrkdwn, stripBotMention } from './text.ts';

export interface HandlerDeps {
  chat: ChatService;
  identities: Identities;
  poster: Poster;
  logger: Logger;
  /** The slash command, e.g. `/domainops`. */
  command: string;
}

/** What a person is told when their command failed unexpectedly (the log has the details). */
export const FAILED_TEXT =
  'domainops could not finish this command because of an internal error. The operators have the details in the log.';

/**
 * The Slack listeners. Every one acks first (Slack wants an answer within 3 s) and does the
 * work afterwards: who the person is (`users.info`), then the ChatService, then the answer.
 */
export function registerHandlers(app: App, deps: HandlerDeps): void {
  const { chat, identities, poster } = deps;
  const log = deps.logger.child({ platform: 'slack' });

  /** Runs one typed command for the Slack user in `place`; duplicates come back undefined and are dropped. */
  const run = (text: string, place: Place, key: string | undefined): Promise<void> =>
    chat.track(async () => {
      try {
        const actor = await identities.actor(place.user);
        if (actor === undefined) return await poster.ephemeral(place, NO_EMAIL_TEXT);
        const result = await chat.message({
          text,
          actor,
          // Stored with the request: where to say what became of it if no card of it is posted.
          origin: originOf(place),
          ...(key === undefined ? {} : { deliveryKey: key }),
        });
        if (result !== undefined) await poster.answer(place, result, key);
      } catch (error) {
        log.error({ err: error, channel: place.channel }, 'Slack command failed');
        await poster.ephemeral(place, FAILED_TEXT).catch(() => {});
      }
    });

  app.command(deps.command, async ({ command, ack, respond, body }) => {
    const text = commandText(command.text) || 'help';
    await ack({ response_type: 'ephemeral', text: `Working on \`${escapeMrkdwn(text)}\`…` });
    await run(text, { channel: command.channel_id, user: command.user_id, respond }, deliveryKey(body));
  });

  app.event('app_mention', async ({ event, context, body }) => {
    if (event.user === undefined || event.bot_id !== undefined) return;
    const text = commandText(stripBotMention(event.text, context.botUserId)) || 'help';
    const place: Place = { channel: event.channel, user: event.user };
    // Answer in the thread the mention was in; a top-level mention gets a top-level answer.
    if (event.thread_ts !== undefined) place.threadTs = event.thread_ts;
    await run(text, place, deliveryKey(body));
  });

  app.event('message', async ({ event, context, body }) => {
    // Direct messages only; edits, deletions, joins and bot posts all carry a subtype or a bot id.
    if (event.channel_type !== 'im' || event.subtype !== undefined || event.bot_id !== undefined) return;
    if (event.user === undefined || event.text === undefined) return;
    const text = commandText(stripBotMention(event.text, context.botUserId)) || 'help';
    const place: Place = { channel: event.channel, user: event.user };
    if (event.thread_ts !== undefined) place.threadTs = event.thread_ts;
    await run(text, place, deliveryKey(body));
  });

  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: /^domainops_(approve|deny)$/ },
    async ({ ack, body, action, respond }) => {
      await ack();
      const channel = body.channel?.id ?? (body.container.channel_id as string | undefined);
      const requestId = action.value;
      if (channel === undefined || requestId === undefined) return;
      const place: Place = { channel, user: body.user.id, respond };
      const clicked: SlackConversation | undefined =
        body.message?.ts === undefined ? undefined : { platform: 'slack', channel, ts: body.message.ts };
      await chat.track(async () => {
        try {
          const actor = await identities.actor(body.user.id);
          if (actor === undefined) return await poster.ephemeral(place, NO_EMAIL_TEXT);
          const key = deliveryKey(body);
          const decision = action.action_id === 'domainops_approve' ? 'approve' : 'deny';
          const result = await chat.decide({
            decision,
            requestId,
            actor,
            ...(key === undefined ? {} : { deliveryKey: key }),
          });
          if (result !== undefined) await poster.decided(place, result, clicked, decision);
        } catch (error) {
          log.error({ err: error, channel, requestId }, 'Slack approval click failed');
          await poster.ephemeral(place, FAILED_TEXT).catch(() => {});
        }
      });
    },
  );
}
