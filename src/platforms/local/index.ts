import type { ChatReply } from '../../core/chat.ts';
import type { Delivered, Platform, PlatformDeps } from '../../core/platform.ts';
import { decisionOf, recordOf } from '../../core/reply.ts';
import { apiRoutes } from './api.ts';
import { assetRoutes } from './assets.ts';
import {
  createConversation,
  type Entry,
  isLocalConversation,
  type LocalConversation,
} from './conversation.ts';
import { ownOriginOnly } from './http.ts';
import { identitiesOf, pickingRefusal } from './identities.ts';

/**
 * The local playground: a web chat on the shared HTTP server (`GET /` and a small JSON API).
 * You choose who you are, type commands and see each reply as Webex renders its Adaptive Card,
 * with a Slack preview of the same card. Choosing an identity works only with the built-in
 * sandbox on a loopback address; otherwise the API refuses and the page says why.
 */
export async function createPlaygroundPlatform(deps: PlatformDeps): Promise<Platform> {
  let running = false;
  const conversation = createConversation();
  /**
   * Copies for a request typed here, held until its own entry is in the conversation (the copies
   * are sent while the answer is being written): the command's handler releases them after it.
   */
  const held = new Map<string, { text: string; result: ChatReply }>();
  const release = (requestId: string): Entry[] => {
    const copy = held.get(requestId);
    if (copy === undefined) return [];
    held.delete(requestId);
    return [conversation.add({ as: 'domainops', kind: 'update', text: copy.text }, copy.result).entry];
  };
  const people = new Set(identitiesOf(deps.config).map((i) => i.email));
  // Every route of the playground (page, assets, API) answers only under its own address.
  const routes = [...assetRoutes(), ...apiRoutes(deps, () => running, conversation, release)].map((route) =>
    ownOriginOnly(route, deps.config.server.host),
  );
  return {
    name: 'local',
    routes,
    async start() {
      running = true;
      const refusal = pickingRefusal(deps.config, deps.sandbox);
      if (refusal !== undefined)
        deps.logger.warn({ platform: 'local' }, `playground is read-only: ${refusal}`);
    },
    async stop() {
      running = false;
    },
    ready: () => running,
    async notify({ result, by, only, progress }) {
      const { reply } = result;
      const record = recordOf(reply);
      const shown =
        only !== undefined
          ? only.some(isLocalConversation)
          : isLocalConversation(record?.conversation) || (record?.copies ?? []).some(isLocalConversation);
      if (!shown) return;
      if (progress) {
        // A running request's progress: its cards here change in place (the page redraws them),
        // with no entry of its own; its final state is one, as any change.
        conversation.refresh(result);
        return;
      }
      // Shown like a message of its own: who did what where, or that the request expired.
      const text =
        by === undefined
          ? `${reply.requestId}: ${reply.status}`
          : `${decisionOf(reply)} ${reply.requestId} in ${by.platform}`;
      conversation.add({ as: by?.email ?? by?.id ?? 'domainops', kind: 'update', text }, result);
    },
    // Notify destinations: everyone in the playground reads the one conversation, so a direct
    // message to people the playground knows is one entry addressed to them.
    async deliver({ result, destinations, origin }) {
      const out: Delivered[] = [];
      const to: string[] = [];
      for (const destination of destinations) {
        if (destination.kind !== 'email' || !people.has(destination.email)) {
          out.push({ destination, missing: true });
        } else if (to.includes(destination.email)) {
          out.push({ destination, skipped: 'duplicate' });
        } else {
          to.push(destination.email);
          const copy: LocalConversation = { platform: 'local', to: destination.email };
          out.push({ destination, posted: copy });
        }
      }
      const requestId = result.reply.requestId;
      if (to.length > 0 && requestId !== undefined) {
        const text = `direct message to ${to.join(', ')}`;
        if (isLocalConversation(origin)) held.set(requestId, { text, result });
        else conversation.add({ as: 'domainops', kind: 'update', text }, result);
      }
      return out;
    },
    // A request typed here that has no card (it needed no approval), settled without anyone
    // seeing it (recovery at start): shown like an update.
    async postToOrigin(_origin, { result }) {
      const { reply } = result;
      conversation.add(
        { as: 'domainops', kind: 'update', text: `${reply.requestId}: ${reply.status}` },
        result,
      );
    },
  };
}
