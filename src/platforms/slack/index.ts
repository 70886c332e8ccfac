import { createRequire } from 'node:module';
import type { SocketModeReceiver as BoltSocketModeReceiver, webApi } from '@slack/bolt';
import { ConfigError, DomainopsError } from '../../core/errors.ts';
import type { Platform, PlatformDeps, Route } from '../../core/platform.ts';
import { ackAnswers } from './ack-answer.ts';
import { boltLogger } from './bolt-logger.ts';
import { RecentDeliveries } from './delivery.ts';
import { registerHandlers } from './handlers.ts';
import { SharedServerReceiver } from './http-receiver.ts';
import { createIdentities } from './identity.ts';
import { createPoster } from './post.ts';
import { SlackWebClient, undiciFetch } from './web-api.ts';

// Bolt's App and Socket Mode receiver alone: Bolt's index also loads express and its HTTP
// receiver's dependencies, which domainops never uses (about 50 ms and 120 modules at start).
const require = createRequire(import.meta.url);
const { default: App } = require('@slack/bolt/dist/App.js') as typeof import('@slack/bolt/dist/App.js');
const { default: SocketModeReceiver } =
  require('@slack/bolt/dist/receivers/SocketModeReceiver.js') as typeof import('@slack/bolt/dist/receivers/SocketModeReceiver.js');

/** Where Slack sends events, commands and clicks in HTTP mode (the manifest's request URLs). */
export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * The Slack platform on Bolt. With `chat.slack.appToken` it connects in Socket Mode (no public
 * URL); otherwise Slack posts to `POST /slack/events` on the shared HTTP server, verified with
 * `chat.slack.signingSecret`. The Web API client goes to `chat.slack.apiUrl` (tests: a local fake).
 */
export async function createSlackPlatform(deps: PlatformDeps): Promise<Platform> {
  const slack = deps.config.chat.slack;
  if (slack === undefined) throw new ConfigError([{ path: 'chat.slack', message: 'is not configured' }]);
  const log = deps.logger.child({ platform: 'slack' });
  const logger = boltLogger(deps.logger);

  // Fail in seconds, not in Bolt's default 30 minutes of retries: a person is waiting in chat.
  const clientOptions: webApi.WebClientOptions = {
    slackApiUrl: slack.apiUrl,
    timeout: 10_000,
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2_000 },
  };

  // Answers, card updates and identity lookups: straight through undici (./web-api.ts). Bolt's
  // own client (auth.test) and its `respond` (response_url posts) use the same pool, as `fetch`.
  const client = new SlackWebClient(slack.botToken.reveal(), { ...clientOptions, logger });
  // The identity cache's TTL runs on the process clock (the app's).
  const identities = createIdentities(client, { now: deps.chat.app.clock.now });

  let receiver: SharedServerReceiver | BoltSocketModeReceiver;
  if (slack.appToken !== undefined) {
    receiver = new SocketModeReceiver({
      appToken: slack.appToken.reveal(),
      logger,
      // Socket Mode asks `apps.connections.open` for its websocket URL through this client.
      installerOptions: { clientOptions: { slackApiUrl: slack.apiUrl } },
    });
  } else {
    if (slack.signingSecret === undefined) {
      throw new ConfigError(
        [{ path: 'chat.slack.signingSecret', message: 'is required in HTTP mode (no chat.slack.appToken)' }],
        'set signingSecret to the app\'s "Signing Secret", or appToken (xapp-…) for Socket Mode',
      );
    }
    receiver = new SharedServerReceiver({
      signingSecret: slack.signingSecret.reveal(),
      logger: deps.logger,
      deliveries: new RecentDeliveries(),
      // help, whoami and targets: answered in the ack's body.
      answerInAck: ackAnswers({
        chat: deps.chat,
        identities,
        logger: deps.logger,
        command: slack.command,
        clock: deps.chat.app.clock,
      }),
    });
  }

  const app = new App({
    token: slack.botToken.reveal(),
    receiver,
    logger,
    clientOptions: { ...clientOptions, fetch: undiciFetch(client.dispatcher) },
  });
  app.error(async (error) => {
    log.error({ err: error }, 'Slack listener failed');
  });
  const poster = createPoster(client, deps.chat, deps.logger);
  registerHandlers(app, { chat: deps.chat, identities, poster, logger: deps.logger, command: slack.command });

  let connected = false;
  let stopped = false;
  if (receiver instanceof SocketModeReceiver) {
    receiver.client.on('connected', () => {
      connected = true;
    });
    for (const state of ['disconnected', 'reconnecting'] as const) {
      receiver.client.on(state, () => {
        connected = false;
      });
    }
  }

  const routes: Route[] =
    receiver instanceof SharedServerReceiver
      ? [{ method: 'POST', path: SLACK_EVENTS_PATH, handler: receiver.handler }]
      : [];

  return {
    name: 'slack',
    routes,
    async start() {
      try {
        const auth = await app.client.auth.test();
        log.info({ team: auth.team, botUserId: auth.user_id }, 'Slack bot token accepted');
      } catch (error) {
        const code = (error as { data?: { error?: string } }).data?.error ?? 'no answer';
        throw new DomainopsError('slack_auth_failed', `Slack did not accept the bot token (${code})`, {
          hint: 'check chat.slack.botToken: the "Bot User OAuth Token" (xoxb-…) of the installed app',
          cause: error,
        });
      }
      await app.start();
      if (receiver instanceof SharedServerReceiver) connected = true;
      log.info(
        { mode: receiver instanceof SocketModeReceiver ? 'socket' : 'http' },
        'Slack platform started',
      );
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      connected = false;
      await app.stop();
    },
    ready() {
      return connected && !stopped;
    },
    notify: (update) => poster.notify(update),
    postToOrigin: (origin, update) => poster.toOrigin(origin, update),
    deliver: (delivery) => poster.deliver(delivery),
  };
}
