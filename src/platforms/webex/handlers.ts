import { type ChatReply, type ChatService, isRequestChange, type RequestUpdate } from '../../core/chat.ts';
import { recordOf } from '../../core/reply.ts';
import type { Logger } from '../../server/logger.ts';
import type { OutgoingMessage, Trigger, WebexMessage, WebexPerson } from './framework.ts';
import { webexCardContent } from './render.ts';
import {
  actorFromPerson,
  commandText,
  isSubmitInputs,
  isWebexConversation,
  isWebexOrigin,
  type WebexConversation,
  type WebexOrigin,
} from './translate.ts';

export const NO_EMAIL_TEXT =
  "I can't tell who you are: Webex did not give me an email address for your account, and " +
  'domainops decides who may do what by email. Ask your Webex administrator to check your account.';

export interface HandlerDeps {
  chat: ChatService;
  logger: Logger;
  /** `POST /v1/messages`; resolves with the created message. */
  post(message: OutgoingMessage): Promise<WebexMessage>;
  /** `GET /v1/messages/{id}`. */
  getMessage(id: string): Promise<WebexMessage>;
  /** The bot's own person (for the mention in group spaces). */
  bot(): WebexPerson;
}

export interface Handlers {
  /** A message in a 1:1 space, or one that mentions the bot in a group space. */
  onMessage(trigger: Trigger): Promise<void>;
  /** A press of an Approve / Deny button on one of our cards. */
  onAttachmentAction(trigger: Trigger): Promise<void>;
  /** A request changed elsewhere: if its card is in Webex, the new state goes into the card's thread. */
  onUpdate(update: RequestUpdate): Promise<void>;
  /**
   * A request typed in Webex with no card anywhere changed (recovery at start settled it): its
   * card goes where the command was typed (`origin`, as `onMessage` stored it). False when the
   * stored origin is not a Webex space.
   */
  onOrigin(origin: unknown, update: RequestUpdate): Promise<boolean>;
}

function cardMessage(roomId: string, parentId: string | undefined, reply: ChatReply): OutgoingMessage {
  return {
    roomId,
    ...(parentId === undefined ? {} : { parentId }),
    ...reply.render(webexCardContent),
  };
}

/**
 * Translates framework triggers into ChatService calls and replies into card messages. Who acts
 * is the person the framework fetched from the API, never anything in the message. The event's
 * id (message id, attachment action id) is the delivery key, so a redelivery is answered once.
 */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { chat } = deps;

  /** The thread a decision belongs in: the card's own thread (Webex threads are one level deep). */
  const threadOf = async (cardId: string, conversation: unknown): Promise<string> => {
    if (isWebexConversation(conversation) && conversation.messageId === cardId) {
      return conversation.parentId ?? cardId;
    }
    try {
      return (await deps.getMessage(cardId)).parentId ?? cardId;
    } catch {
      return cardId;
    }
  };

  return {
    async onMessage(trigger) {
      const message = trigger.message;
      // Other bots are not people: answering them could start a loop.
      if (!message || trigger.person.type === 'bot') return;
      // A command written in a thread is answered in that thread; otherwise at the top level,
      // so the card starts its own thread for the decisions.
      const thread = message.parentId;
      const actor = actorFromPerson(trigger.person);
      if (!actor) {
        await deps.post({
          roomId: message.roomId,
          ...(thread ? { parentId: thread } : {}),
          markdown: NO_EMAIL_TEXT,
        });
        return;
      }
      const text = commandText(message, deps.bot()) || 'help';
      // Stored with the request: where to say what became of it if no card of it is posted.
      const origin: WebexOrigin = {
        platform: 'webex',
        roomId: message.roomId,
        ...(thread ? { parentId: thread } : {}),
      };
      const result = await chat.message({ text, actor, origin, deliveryKey: message.id });
      if (!result) return;
      const record = recordOf(result.reply);
      const posted = record?.conversation;
      if (isRequestChange(result.reply) && isWebexConversation(posted)) {
        // A typed approve/deny/cancel of a request whose card is in Webex: the card's thread shows
        // it, and, when the command was typed in another space, so does that space.
        await deps.post(cardMessage(posted.roomId, posted.parentId ?? posted.messageId, result));
        if (posted.roomId === message.roomId) return;
      }
      const card = await deps.post(cardMessage(message.roomId, thread, result));
      if (record?.status === 'pending' && record.conversation === undefined) {
        const conversation: WebexConversation = {
          platform: 'webex',
          roomId: message.roomId,
          messageId: card.id,
          ...(thread ? { parentId: thread } : {}),
        };
        await chat.app.workflow().setConversation(record.id, conversation);
      }
    },

    async onAttachmentAction(trigger) {
      const action = trigger.attachmentAction;
      if (!action) return;
      if (!isSubmitInputs(action.inputs)) {
        deps.logger.debug(
          { messageId: action.messageId },
          'Webex card submit that is not a domainops button ignored',
        );
        return;
      }
      const { domainops: decision, requestId } = action.inputs;
      const actor = actorFromPerson(trigger.person);
      if (!actor) {
        const thread = await threadOf(action.messageId, undefined);
        await deps.post({ roomId: action.roomId, parentId: thread, markdown: NO_EMAIL_TEXT });
        return;
      }
      const result = await chat.decide({ decision, requestId, actor, deliveryKey: action.id });
      if (!result) return;
      // Webex cannot edit a card: the decision, or why it was refused, goes into the card's thread.
      const thread = await threadOf(action.messageId, recordOf(result.reply)?.conversation);
      await deps.post(cardMessage(action.roomId, thread, result));
    },

    async onUpdate({ result }) {
      const posted = recordOf(result.reply)?.conversation;
      if (!isWebexConversation(posted)) return;
      await deps.post(cardMessage(posted.roomId, posted.parentId ?? posted.messageId, result));
    },

    async onOrigin(origin, { result }) {
      if (!isWebexOrigin(origin)) return false;
      // Where the answer would have gone: the thread it was written in, else the space's top level.
      await deps.post(cardMessage(origin.roomId, origin.parentId, result));
      return true;
    },
  };
}
