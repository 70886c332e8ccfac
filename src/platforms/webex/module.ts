import type { PlatformModule } from '../../core/ports.ts';
import { type WebexChatConfig, webexChatConfig } from './config.ts';
import { webexDestination } from './destinations.ts';
import { renderAdaptiveCard } from './render.ts';

/** Webex: the bot framework over a websocket or signed webhooks; cards as Adaptive Cards 1.3. */
export const webexModule: PlatformModule = {
  name: 'webex',
  platformIds: true,
  config: webexChatConfig,
  // The Webex framework (about a second and 300 MB) is loaded only when `chat.webex` is configured.
  create: async (deps) => (await import('./index.ts')).createWebexPlatform(deps),
  renderCard: (card) => renderAdaptiveCard(card),
  urls: (config) => {
    const c = config as WebexChatConfig;
    return [
      ['chat.webex.apiUrl', c.apiUrl],
      ...(c.webhookUrl ? [['chat.webex.webhookUrl', c.webhookUrl] as [string, string]] : []),
    ];
  },
  summary: (config) => {
    const c = config as WebexChatConfig;
    return c.webhookUrl ? `webhook ${c.webhookUrl}` : 'websocket mode';
  },
  // Notify destinations: `webex:<roomId>` (a space), `webex:<personId>` (a direct message).
  routing: {
    destination: webexDestination,
    check: async (config, ids) =>
      (await import('./check.ts')).checkWebexDestinations(config as WebexChatConfig, ids),
  },
};
