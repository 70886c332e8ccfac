import type { PlatformModule } from '../../core/ports.ts';
import { type SlackConfig, slackConfig } from './config.ts';
import { slackDestination } from './destinations.ts';
import { renderBlockKit } from './render.ts';

/** Slack: Bolt in Socket Mode or HTTP mode; cards as Block Kit. */
export const slackModule: PlatformModule = {
  name: 'slack',
  platformIds: true,
  config: slackConfig,
  // Bolt is loaded with the platform, only when `chat.slack` is configured.
  create: async (deps) => (await import('./index.ts')).createSlackPlatform(deps),
  renderCard: (card) => ({ blocks: renderBlockKit(card).blocks }),
  urls: (config) => [['chat.slack.apiUrl', (config as SlackConfig).apiUrl]],
  summary: (config) => {
    const c = config as SlackConfig;
    return `${c.appToken ? 'Socket Mode' : 'HTTP mode at /slack/events'}, ${c.command}`;
  },
  // Notify destinations: `slack:C…` (a channel), `slack:#name`, `slack:U…` (a direct message).
  routing: {
    destination: slackDestination,
    check: async (config, ids) =>
      (await import('./check.ts')).checkSlackDestinations(config as SlackConfig, ids),
  },
};
