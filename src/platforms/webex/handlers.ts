import {
  type ChatReply,
  type ChatService,
  isRequestChange,
  type RequestUpdate,
  routingNote,
} from '../../core/chat.ts';
import type { Delivered, Delivery } from '../../core/platform.ts';
import { recordOf } from '../../core/reply.ts';
import type { RequestRecord } from '../../core/requests/model.ts';
import { progressThrottle } from '../../core/requests/progress.ts';
import type { Logger } from '../../server/logger.ts';
import { webexFailure, webexIdKind } from './destinations.ts';
import { webexMarkdown } from './escape.ts';
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
  /** `GET /v1/people?email=…`: the person id of the address, undefined when Webex knows nobody by it. */
  findPerson(email: string): Promise<string | undefined>;
  /** The bot's own person (for the mention in group spaces). */
  bot(): WebexPerson;
  /** Epoch ms for the progress throttle (default: the process clock, `chat.app.clock`). */
  now?: () => number;
}

/**
 * At most one progress reply per request in each card's thread in this many ms: Webex cannot edit
 * a card, so every progress update would be a new message in the thread.
 */
export const PROGRESS_REPLY_INTERVAL = 60_000;

/** How many requests' progress threads are remembered at most (the oldest is forgotten first). */
const PROGRESS_REMEMBERED = 1000;

export interface Handlers {
  /** A message in a 1:1 space, or one that mentions the bot in a group space. */
  onMessage(trigger: Trigger): Promise<void>;
  /** A press of an Approve / Deny button on one of our cards. */
  onAttachmentAction(trigger: Trigger): Promise<void>;
  /**
   * A request changed elsewhere: if its card is in Webex, the new state goes into the card's
   * thread. A running request's progress (`update.progress`) goes into each thread at most once
   * per PROGRESS_REPLY_INTERVAL; any other update of the request (its final state) is always
   * posted, and ends that.
   */
  onUpdate(update: RequestUpdate): Promise<void>;
  /**
   * A request typed in Webex with no card anywhere changed (recovery at start settled it): its
   * card goes where the command was typed (`origin`, as `onMessage` stored it). False when the
   * stored origin is not a Webex space.
   */
  onOrigin(origin: unknown, update: RequestUpdate): Promise<boolean>;
  /** Posts the card to notify destinations in Webex: spaces (`roomId`) and direct messages. */
  onDeliver(delivery: Delivery): Promise<Delivered[]>;
}

/**
 * Every Webex card of a request: the one where it was typed (`typed`) and the copies posted for
 * its notify destinations.
 */
function webexCards(record: RequestRecord | undefined): { card: WebexConversation; typed: boolean }[] {
  const out: { card: WebexConversation; typed: boolean }[] = [];
  if (isWebexConversation(record?.conversation)) out.push({ card: record.conversation, typed: true });
  for (const copy of record?.copies ?? []) {
    if (isWebexConversation(copy) && !out.some((o) => o.card.messageId === copy.messageId)) {
      out.push({ card: copy, typed: false });
    }
  }
  return out;
}

/** The thread of a card (Webex threads are one level deep: a card posted as a reply is in its parent's). */
function threadOfCard(card: WebexConversation): string {
  return card.parentId ?? card.messageId;
}

/** A reply in each card's thread: Webex cannot edit a card, so the new state is posted under it. */
async function replyUnder(
  deps: HandlerDeps,
  cards: readonly { card: WebexConversation }[],
  result: ChatReply,
): Promise<void> {
  for (const { card } of cards) await deps.post(cardMessage(card.roomId, threadOfCard(card), result));
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
  const throttle = progressThrottle(PROGRESS_REPLY_INTERVAL, deps.now ?? (() => chat.app.clock.now()));
  /** The throttle keys (one per card thread) of each request with a progress reply posted. */
  const threads = new Map<string, Set<string>>();
  /** Whether this progress update of the request may be posted in the card's thread now. */
  const progressAllowed = (requestId: string, card: WebexConversation): boolean => {
    const key = JSON.stringify([requestId, card.roomId, threadOfCard(card)]);
    if (!throttle.allow(key)) return false;
    let keys = threads.get(requestId);
    if (keys === undefined) {
      keys = new Set();
      threads.set(requestId, keys);
      // A request that ended without a state change told here must not be kept forever.
      if (threads.size > PROGRESS_REMEMBERED) {
        const [oldest, gone] = threads.entries().next().value!;
        threads.delete(oldest);
        for (const k of gone) throttle.end(k);
      }
    }
    keys.add(key);
    return true;
  };
  /** The request left its running state (or changed otherwise): its next progress is shown at once. */
  const progressEnded = (requestId: string | undefined): void => {
    if (requestId === undefined) return;
    for (const key of threads.get(requestId) ?? []) throttle.end(key);
    threads.delete(requestId);
  };

  /** The posts of each request under way, one after another (the last one's promise). */
  const queues = new Map<string, Promise<void>>();
  /** The version of each request last shown by a state change posted here (not progress). */
  const shownStates = new Map<string, number>();
  /**
   * Posts about one request, one at a time in the order they were asked for: a progress reply
   * being posted when the request ends goes before its final state, never after it.
   */
  const inOrder = (requestId: string | undefined, work: () => Promise<void>): Promise<void> => {
    if (requestId === undefined) return work();
    const run = (queues.get(requestId) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    queues.set(requestId, tail);
    void tail.then(() => {
      if (queues.get(requestId) === tail) queues.delete(requestId);
    });
    return run;
  };
  /** A state change of the request is being shown: its progress from before it is not shown after it. */
  const stateShown = (record: RequestRecord | undefined): void => {
    if (record === undefined) return;
    progressEnded(record.id);
    if ((shownStates.get(record.id) ?? -1) >= record.version) return;
    shownStates.delete(record.id);
    shownStates.set(record.id, record.version);
    if (shownStates.size > PROGRESS_REMEMBERED) shownStates.delete(shownStates.keys().next().value!);
  };
  /** Whether a progress update shows a version older than a state change already shown. */
  const stale = (record: RequestRecord | undefined): boolean =>
    record !== undefined && (shownStates.get(record.id) ?? -1) >= record.version;

  /** The thread a decision belongs in: the card's own thread (Webex threads are one level deep). */
  const threadOf = async (cardId: string, record: RequestRecord | undefined): Promise<string> => {
    const known = webexCards(record).find((c) => c.card.messageId === cardId);
    if (known !== undefined) return threadOfCard(known.card);
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
      const cards = webexCards(record);
      if (isRequestChange(result.reply) && cards.length > 0) {
        // A typed approve/deny/cancel of a request whose cards are in Webex: each card's thread
        // shows it, and, when the command was typed in another space, so does that space.
        let elsewhere = true;
        await inOrder(record?.id, async () => {
          stateShown(record);
          await replyUnder(deps, cards, result);
          elsewhere = !cards.some((c) => c.card.roomId === message.roomId);
        });
        if (!elsewhere) return;
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
      // Notify destinations that could not be reached: the requester is told under the answer.
      const note = result.routing === undefined ? undefined : routingNote(await result.routing, result.reply);
      if (note !== undefined) {
        await deps.post({
          roomId: message.roomId,
          parentId: thread ?? card.id,
          markdown: webexMarkdown(note),
        });
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
      const record = recordOf(result.reply);
      const thread = await threadOf(action.messageId, record);
      if (!isRequestChange(result.reply)) {
        await deps.post(cardMessage(action.roomId, thread, result));
        return;
      }
      // A decision is shown under every other Webex card of the request too: the requester is
      // told where they asked, and the other copies follow. After the progress replies of its run.
      await inOrder(record?.id, async () => {
        stateShown(record);
        await deps.post(cardMessage(action.roomId, thread, result));
        await replyUnder(
          deps,
          webexCards(record).filter(
            (c) => c.card.roomId !== action.roomId || threadOfCard(c.card) !== thread,
          ),
          result,
        );
      });
    },

    async onUpdate({ result, only, progress }) {
      const record = recordOf(result.reply);
      const cards =
        only === undefined ? webexCards(record) : only.filter(isWebexConversation).map((card) => ({ card }));
      if (!progress || record === undefined) {
        await inOrder(record?.id, async () => {
          stateShown(record);
          await replyUnder(deps, cards, result);
        });
        return;
      }
      // Progress: at most one reply a PROGRESS_REPLY_INTERVAL in each card's thread.
      const due = cards.filter(({ card }) => progressAllowed(record.id, card));
      if (due.length === 0) return;
      await inOrder(record.id, async () => {
        if (!stale(record)) await replyUnder(deps, due, result);
      });
    },

    async onDeliver({ result, destinations, origin, conversation }) {
      const here = new Set<string>();
      if (isWebexOrigin(origin)) here.add(origin.roomId);
      if (isWebexConversation(conversation)) here.add(conversation.roomId);
      const rooms = new Set<string>();
      const people = new Set<string>();
      const out: Delivered[] = [];
      for (const destination of destinations) {
        try {
          let to: { roomId: string } | { toPersonId: string };
          if (destination.kind === 'email') {
            // Looked up first: a message to an address Webex does not know would invite it.
            const personId = await deps.findPerson(destination.email);
            if (personId === undefined) {
              out.push({ destination, missing: true });
              continue;
            }
            to = { toPersonId: personId };
          } else {
            to =
              webexIdKind(destination.id) === 'PEOPLE'
                ? { toPersonId: destination.id }
                : { roomId: destination.id };
          }
          if ('roomId' in to && here.has(to.roomId)) {
            out.push({ destination, skipped: 'here' });
            continue;
          }
          if ('roomId' in to ? rooms.has(to.roomId) : people.has(to.toPersonId)) {
            out.push({ destination, skipped: 'duplicate' });
            continue;
          }
          const posted = await deps.post({ ...to, ...result.render(webexCardContent) });
          if ('roomId' in to) rooms.add(to.roomId);
          else people.add(to.toPersonId);
          rooms.add(posted.roomId);
          const copy: WebexConversation = { platform: 'webex', roomId: posted.roomId, messageId: posted.id };
          out.push({ destination, posted: copy });
        } catch (error) {
          out.push({ destination, failed: webexFailure(error) });
        }
      }
      return out;
    },

    async onOrigin(origin, { result }) {
      if (!isWebexOrigin(origin)) return false;
      // Where the answer would have gone: the thread it was written in, else the space's top level.
      await deps.post(cardMessage(origin.roomId, origin.parentId, result));
      return true;
    },
  };
}
