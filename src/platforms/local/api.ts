import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ChatReply, routingNote } from '../../core/chat.ts';
import { MAX_INPUT_BYTES } from '../../core/grammar/parse.ts';
import type { PlatformDeps, Route } from '../../core/platform.ts';
import type { Actor } from '../../core/policy/actor.ts';
import { recordOf } from '../../core/reply.ts';
import { type Conversation, createConversation, type Entry, type LocalConversation } from './conversation.ts';
import { ApiError, checkFetchSite, readJson, sendError, sendJson } from './http.ts';
import {
  type Identity,
  identitiesOf,
  isLoopbackHost,
  isLoopbackSocket,
  pickingRefusal,
} from './identities.ts';

/** Commands the page offers as one-click examples (all work against the sandbox seed). */
export const EXAMPLES = [
  'help',
  'whoami',
  'targets',
  'unclaim abc.com',
  'unverify example.org',
  'unverify example.org labs.corp.com',
  'unassign-owner hello@example.com',
  'domain corp.ru',
  'validate sso.corp.ru',
  'dns-check sso.corp.ru in yc-sso',
  'verify-token shop.corp.com',
  'add-domain shop.corp.com',
  'list-domains',
  'assign-owner carol@corp.com',
  'pending',
  'audit 5',
] as const;

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
  /** The copies of a request typed here, added to the conversation after its own entry. */
  release: (requestId: string) => Entry[] = () => [],
): Route[] {
  const { config, chat, sandbox } = deps;
  const identities: Identity[] = identitiesOf(config);

  /** Why this request may not act as a browser-chosen identity; undefined when it may. */
  const refusal = (req: IncomingMessage): string | undefined =>
    pickingRefusal(config, sandbox) ??
    (isLoopbackSocket(req) ? undefined : 'this connection did not arrive on a loopback address');

  /** Which refusal it is, for the page: it explains connecting a chat platform for real targets. */
  const refusalKind = (): 'real-targets' | 'listen-address' | 'connection' =>
    !sandbox ? 'real-targets' : isLoopbackHost(config.server.host) ? 'connection' : 'listen-address';

  /**
   * Runs a handler: the security checks first (Host and Origin are checked before every
   * playground route: see ownOriginOnly), then `work`; errors become JSON answers.
   */
  const guarded =
    (work: (req: IncomingMessage) => Promise<unknown>, method: 'GET' | 'POST') =>
    async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      try {
        const why = refusal(req);
        if (why !== undefined) throw new ApiError(403, 'identity_picking_refused', why);
        checkFetchSite(req);
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

  /** The new entry, and the earlier entries whose card now shows the request's new state. */
  const answer = (input: Pick<Entry, 'as' | 'kind' | 'text'>, reply: ChatReply | undefined) =>
    reply === undefined ? { duplicate: true } : conversation.add(input, reply);

  return [
    {
      method: 'GET',
      path: '/api/session',
      handler: async (req, res) => {
        const why = refusal(req);
        const common = { sandbox, epoch: conversation.epoch, maxInputBytes: MAX_INPUT_BYTES };
        if (why !== undefined) {
          sendJson(res, 200, {
            ...common,
            picking: false,
            refusal: why,
            refusalKind: refusalKind(),
            identities: [],
            examples: [],
          });
          return;
        }
        await guarded(async () => ({ ...common, picking: true, identities, examples: EXAMPLES }), 'GET')(
          req,
          res,
        );
      },
    },
    {
      method: 'GET',
      path: '/api/history',
      handler: guarded(async () => ({ epoch: conversation.epoch, entries: conversation.entries() }), 'GET'),
    },
    {
      method: 'POST',
      path: '/api/command',
      handler: guarded(async (req) => {
        const body = await readJson(req);
        const actor = actorFrom(body);
        const text = typeof body.text === 'string' ? body.text.trim() : '';
        if (text === '') {
          throw new ApiError(400, 'bad_text', '"text" must be a command, such as help');
        }
        // A command over MAX_INPUT_BYTES gets the command parser's answer ("the command is N bytes
        // long; at most 4096"), like in chat; the request body limit bounds what arrives.
        const reply = await chat.message({ text, actor, origin: { platform: 'local' }, ...keyFrom(body) });
        const record = reply === undefined ? undefined : recordOf(reply.reply);
        if (record?.status === 'pending' && record.conversation === undefined) {
          // Its card is shown here: a change made elsewhere (or its expiry) is then shown here too.
          const here: LocalConversation = { platform: 'local' };
          await chat.app.workflow().setConversation(record.id, here);
        }
        const answered = answer({ as: actor.id, kind: 'command', text }, reply);
        if (reply?.routing === undefined || !('entry' in answered)) return answered;
        // Its card went to the rule's notify destinations too: those copies follow the entry, and
        // destinations that could not be reached are noted on it.
        const note = routingNote(await reply.routing, reply.reply);
        if (note !== undefined) answered.entry.notes = note.split('\n');
        return { ...answered, added: record === undefined ? [] : release(record.id) };
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
