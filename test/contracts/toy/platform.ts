/**
 * A toy fourth chat platform, defined in test code only: "Toy Chat", one room with a tiny JSON
 * protocol on the shared HTTP server. It is built like the real platform modules (a `chat.toy`
 * config part, a card renderer, a lazy `create`, a platform that only translates transport) and
 * plugs into a composition with no change under src/core/.
 *
 * The protocol (every request carries `Authorization: Bearer <chat.toy.token>`):
 * - `POST /toy/events` takes one event and answers once it is handled:
 *   `{ "id": "e-1", "from": "alice@corp.com", "text": "unclaim abc.com" }` (a message), or
 *   `{ "id": "e-2", "from": "bob@corp.com", "click": { "requestId": "r-…", "decision": "approve" } }`.
 *   The `id` is the delivery key: the same event again is answered `{ "duplicate": true }`.
 * - `GET /toy/feed` is what clients of the room show: every post and every edit, in order. A
 *   card with buttons is edited in place when its request changes; an answer only for one
 *   person (a refusal, a usage error) is a post `to` them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Card } from '../../../src/core/cards/model.ts';
import { spanText } from '../../../src/core/cards/model.ts';
import type { ChatReply } from '../../../src/core/chat.ts';
import { secretRef } from '../../../src/core/config/fields.ts';
import type { Secret } from '../../../src/core/config/secret.ts';
import type { Platform, PlatformDeps, Route } from '../../../src/core/platform.ts';
import type { PlatformModule } from '../../../src/core/ports.ts';
import { recordOf } from '../../../src/core/reply.ts';

/** `chat.toy` in domainops.yaml. */
export interface ToyConfig {
  token: Secret;
}

/** A card in Toy Chat's wire format: a title, lines of plain text, buttons. */
export interface ToyCard {
  title: string;
  lines: string[];
  buttons: { label: string; decision: 'approve' | 'deny'; requestId: string }[];
}

/** One item of the feed: a new message (to everyone, or `to` one person) or an edit of one. */
export interface ToyFeedItem {
  seq: number;
  kind: 'post' | 'edit';
  message: number;
  to?: string;
  card: ToyCard;
}

/** Where a request's card is: the message it was posted as. */
interface ToyConversation {
  platform: 'toy';
  message: number;
}

const isToyConversation = (value: unknown): value is ToyConversation =>
  (value as Partial<ToyConversation> | undefined)?.platform === 'toy' &&
  typeof (value as Partial<ToyConversation>).message === 'number';

/** The Toy Chat renderer: every section as plain lines. */
export function renderToyCard(card: Card): ToyCard {
  const lines: string[] = [];
  if (card.sandbox) lines.push('SANDBOX');
  for (const section of card.sections) {
    switch (section.kind) {
      case 'text':
        lines.push(spanText(section.text));
        break;
      case 'facts':
        for (const f of section.facts) lines.push(`${f.label}: ${f.value}`);
        break;
      case 'list':
        lines.push(`${section.title}:`, ...section.items.map((i) => `- ${i}`));
        break;
      case 'code':
        lines.push(section.value);
        break;
      case 'context':
        lines.push(section.text);
        break;
    }
  }
  const buttons = (card.actions ?? []).map((b) => ({
    label: b.label,
    decision: b.action,
    requestId: b.requestId,
  }));
  return { title: card.title, lines, buttons };
}

const schema = z.strictObject({ token: secretRef });

/** The toy's platform module: what a composition takes. */
export const toyModule: PlatformModule = {
  name: 'toy',
  // People are known by email in Toy Chat.
  platformIds: false,
  config: {
    schema,
    build: (parsed, secret): ToyConfig => ({
      token: secret((parsed as z.output<typeof schema>).token, 'chat.toy.token'),
    }),
  },
  // A real module would `await import('./index.ts')` here; the toy is small enough to be inline.
  create: async (deps) => createToyPlatform(deps),
  renderCard: (card) => renderToyCard(card),
  summary: () => 'one room at /toy/events',
};

class Refused extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Refused(400, 'the body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Toy Chat: one room; it translates its events for the chat service and its cards into posts and edits. */
export async function createToyPlatform(deps: PlatformDeps): Promise<Platform> {
  const config = (deps.config.chat as Record<string, unknown>).toy as ToyConfig | undefined;
  if (config === undefined) throw new Error('chat.toy is not configured');
  const { chat } = deps;
  const feed: ToyFeedItem[] = [];
  let messages = 0;
  let running = false;

  const post = (result: ChatReply, to?: string): number => {
    const message = ++messages;
    feed.push({
      seq: feed.length + 1,
      kind: 'post',
      message,
      ...(to === undefined ? {} : { to }),
      card: result.render(renderToyCard),
    });
    return message;
  };
  const edit = (message: number, result: ChatReply): void => {
    feed.push({ seq: feed.length + 1, kind: 'edit', message, card: result.render(renderToyCard) });
  };
  /** Only for the person who acted: a refusal, a usage error. */
  const personal = (result: ChatReply): boolean =>
    result.reply.kind === 'refusal' || result.reply.exitCode === 2;

  /** Shows a reply in the room: the request's card edited where it is, or a new post. */
  const show = async (result: ChatReply, from: string): Promise<void> => {
    if (personal(result)) {
      post(result, from);
      return;
    }
    const record = recordOf(result.reply);
    if (isToyConversation(record?.conversation)) {
      edit(record.conversation.message, result);
      return;
    }
    const message = post(result);
    if (record?.status === 'pending' && record.conversation === undefined) {
      const here: ToyConversation = { platform: 'toy', message };
      await chat.app.workflow().setConversation(record.id, here);
    }
  };

  const authorized = (req: IncomingMessage): boolean =>
    req.headers.authorization === `Bearer ${config.token.reveal()}`;

  const handle = async (body: Record<string, unknown>): Promise<unknown> => {
    const { id, from, text, click } = body;
    if (typeof id !== 'string' || id === '') throw new Refused(400, '"id" must be the event id');
    if (typeof from !== 'string' || !from.includes('@')) throw new Refused(400, '"from" must be an email');
    const actor = { platform: 'toy', id: from, email: from };
    const deliveryKey = `toy:${id}`;
    if (typeof text === 'string') {
      const result = await chat.message({ text, actor, deliveryKey, origin: { platform: 'toy', from } });
      if (result === undefined) return { duplicate: true };
      await show(result, from);
      return { ok: true };
    }
    const c = click as { requestId?: unknown; decision?: unknown } | undefined;
    if (typeof c?.requestId !== 'string' || (c.decision !== 'approve' && c.decision !== 'deny')) {
      throw new Refused(400, 'send "text", or "click": { "requestId", "decision": "approve" | "deny" }');
    }
    const result = await chat.decide({ decision: c.decision, requestId: c.requestId, actor, deliveryKey });
    if (result === undefined) return { duplicate: true };
    await show(result, from);
    return { ok: true };
  };

  const guarded =
    (work: (req: IncomingMessage) => Promise<unknown>) =>
    async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      try {
        if (!authorized(req)) throw new Refused(401, 'send Authorization: Bearer <chat.toy.token>');
        if (!running) throw new Refused(503, 'Toy Chat is not taking events');
        send(res, 200, await work(req));
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        req.resume();
        send(res, error.status, { error: error.message });
      }
    };

  const routes: Route[] = [
    {
      method: 'POST',
      path: '/toy/events',
      handler: guarded(async (req) => chat.track(async () => handle(await readJson(req)))),
    },
    { method: 'GET', path: '/toy/feed', handler: guarded(async () => ({ feed })) },
  ];

  return {
    name: 'toy',
    routes,
    async start() {
      running = true;
    },
    async stop() {
      running = false;
    },
    ready: () => running,
    async notify({ result }) {
      const posted = recordOf(result.reply)?.conversation;
      if (isToyConversation(posted)) edit(posted.message, result);
    },
    async postToOrigin(_origin, { result }) {
      post(result);
    },
  };
}
