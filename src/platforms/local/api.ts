import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatReply } from '../../core/chat.ts';
import type { PlatformDeps, Route } from '../../core/platform.ts';
import type { Actor } from '../../core/policy/actor.ts';
import { recordOf } from '../../core/reply.ts';
import { type Conversation, createConversation, type Entry, type LocalConversation } from './conversation.ts';
import { ApiError, checkSameOrigin, readJson, sendError, sendJson } from './http.ts';
import { type Identity, identitiesOf, isLoopbackSocket, pickingRefusal } from './identities.ts';

/** Commands the page offers as one-click examples (all work against the sandbox seed). */
export const EXAMPLES = [
  'help',
  'whoami',
  'targets',
  'unclaim abc.com',
  'unverify example.org',
  'unassign-owner hello@example.com',
  'domain corp.ru',
  'validate sso.corp.ru',
  'pending',
  'audit 5',
] as const;

const MAX_TEXT = 1000;
const KEY = /^[A-Za-z0-9-]{8,64}$/;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The JSON API of the playground: `/api/session`, `/api/history`, `/api/command`, `/api/decide`.
 * Replies go into `conversation`, the one the page shows.
 */
export function apiRoutes(
  deps: PlatformDeps,
  isRunning: () => boolean,
  conversation: Conversation = createConversation(),
): Route[] {
  const { config, chat, sandbox } = deps;
  const identities: Identity[] = identitiesOf(config);

  /** Why this request may not act as a browser-chosen identity; undefined when it may. */
  const refusal = (req: IncomingMessage): string | undefined =>
    pickingRefusal(config, sandbox) ??
    (isLoopbackSocket(req) ? undefined : 'this connection did not arrive on a loopback address');

  /** Runs a handler: the security checks first, then `work`; errors become JSON answers. */
  const guarded =
    (work: (req: IncomingMessage) => Promise<unknown>, method: 'GET' | 'POST') =>
    async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      try {
        const why = refusal(req);
        if (why !== undefined) throw new ApiError(403, 'identity_picking_refused', why);
        checkSameOrigin(req);
        if (method === 'POST' && !isRunning()) {
          throw new ApiError(503, 'stopping', 'domainops is shutting down');
        }
        sendJson(res, 200, await work(req));
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        sendError(res, error);
      }
    };

  const actorFrom = (body: Record<string, unknown>): Actor => {
    const as = body.as;
    const known = typeof as === 'string' ? identities.find((i) => i.email === as.toLowerCase()) : undefined;
    if (!known) {
      throw new ApiError(
        400,
        'unknown_identity',
        `"as" must be one of: ${identities.map((i) => i.email).join(', ')}`,
      );
    }
    return { platform: 'local', id: known.email, email: known.email };
  };

  const keyFrom = (body: Record<string, unknown>): { deliveryKey?: string } => {
    if (body.key === undefined) return {};
    if (typeof body.key !== 'string' || !KEY.test(body.key)) {
      throw new ApiError(400, 'bad_key', '"key" must be 8 to 64 letters, digits or dashes');
    }
    return { deliveryKey: `local:${body.key}` };
  };

  const answer = (entry: Omit<Entry, 'id' | 'at' | 'reply' | 'cards'>, reply: ChatReply | undefined) =>
    reply === undefined ? { duplicate: true } : { entry: conversation.add(entry, reply) };

  return [
    {
      method: 'GET',
      path: '/api/session',
      handler: async (req, res) => {
        const why = refusal(req);
        if (why !== undefined) {
          sendJson(res, 200, { sandbox, picking: false, refusal: why, identities: [], examples: [] });
          return;
        }
        await guarded(async () => ({ sandbox, picking: true, identities, examples: EXAMPLES }), 'GET')(
          req,
          res,
        );
      },
    },
    {
      method: 'GET',
      path: '/api/history',
      handler: guarded(async () => ({ entries: conversation.entries() }), 'GET'),
    },
    {
      method: 'POST',
      path: '/api/command',
      handler: guarded(async (req) => {
        const body = await readJson(req);
        const actor = actorFrom(body);
        const text = typeof body.text === 'string' ? body.text.trim() : '';
        if (text === '' || text.length > MAX_TEXT) {
          throw new ApiError(400, 'bad_text', `"text" must be a command of 1 to ${MAX_TEXT} characters`);
        }
        const reply = await chat.message({ text, actor, origin: { platform: 'local' }, ...keyFrom(body) });
        const record = reply === undefined ? undefined : recordOf(reply.reply);
        if (record?.status === 'pending' && record.conversation === undefined) {
          // Its card is shown here: a change made elsewhere (or its expiry) is then shown here too.
          const here: LocalConversation = { platform: 'local' };
          await chat.app.workflow().setConversation(record.id, here);
        }
        return answer({ as: actor.id, kind: 'command', text }, reply);
      }, 'POST'),
    },
    {
      method: 'POST',
      path: '/api/decide',
      handler: guarded(async (req) => {
        const body = await readJson(req);
        const actor = actorFrom(body);
        const { decision, requestId, reason } = body;
        if (decision !== 'approve' && decision !== 'deny') {
          throw new ApiError(400, 'bad_decision', '"decision" must be "approve" or "deny"');
        }
        if (typeof requestId !== 'string' || !REQUEST_ID.test(requestId)) {
          throw new ApiError(400, 'bad_request_id', '"requestId" must be a request id such as r-2mh4jgtx');
        }
        if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500)) {
          throw new ApiError(400, 'bad_reason', '"reason" must be text of at most 500 characters');
        }
        const why = typeof reason === 'string' && reason.trim() !== '' ? { reason: reason.trim() } : {};
        const reply = await chat.decide({ decision, requestId, actor, ...why, ...keyFrom(body) });
        return answer({ as: actor.id, kind: 'decision', text: `${decision} ${requestId}` }, reply);
      }, 'POST'),
    },
  ];
}
