import type { Platform, PlatformDeps } from '../../core/platform.ts';
import { decisionOf, recordOf } from '../../core/reply.ts';
import { apiRoutes } from './api.ts';
import { assetRoutes } from './assets.ts';
import { createConversation, isLocalConversation } from './conversation.ts';
import { pickingRefusal } from './identities.ts';

/**
 * The local playground: a web chat on the shared HTTP server (`GET /` and a small JSON API).
 * You choose who you are, type commands and see each reply as Webex renders its Adaptive Card,
 * with a Slack preview of the same card. Choosing an identity works only with the built-in
 * sandbox on a loopback address; otherwise the API refuses and the page says why.
 */
export async function createPlaygroundPlatform(deps: PlatformDeps): Promise<Platform> {
  let running = false;
  const conversation = createConversation();
  const routes = [...assetRoutes(), ...apiRoutes(deps, () => running, conversation)];
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
    async notify({ result, by }) {
      const { reply } = result;
      if (!isLocalConversation(recordOf(reply)?.conversation)) return;
      // Shown like a message of its own: who did what where, or that the request expired.
      const text =
        by === undefined
          ? `${reply.requestId}: ${reply.status}`
          : `${decisionOf(reply)} ${reply.requestId} in ${by.platform}`;
      conversation.add({ as: by?.email ?? by?.id ?? 'domainops', kind: 'update', text }, result);
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
