import { ConfigError, DomainopsError } from '../../core/errors.ts';
import type { Platform, PlatformDeps } from '../../core/platform.ts';
import { type Framework, frameworkOptions, loadFramework, type WebexSdk } from './framework.ts';
import { createHandlers } from './handlers.ts';
import { webhookRoute } from './webhook-route.ts';
import { type SharedWebhooks, shareWebhooks } from './webhooks.ts';

export interface WebexPlatform extends Platform {
  /** `webhook` when `chat.webex.webhookUrl` is set, else `websocket`. */
  readonly mode: 'webhook' | 'websocket';
  /** Resolves when every event taken so far has been handled and answered (tests, shutdown). */
  settled(): Promise<void>;
}

/** How long start waits for the framework to register its webhooks (it does not wait itself). */
const REGISTER_TIMEOUT = 15_000;
/** How long stop waits for replies still being posted. */
const STOP_TIMEOUT = 25_000;

/**
 * One line about an error from the SDK, with secrets blanked. SDK errors carry the request,
 * headers included, so they are never logged whole.
 */
function safeError(error: unknown, secrets: string[]): { status?: number; message: string } {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  let message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  for (const secret of secrets) if (secret) message = message.replaceAll(secret, '[REDACTED]');
  return typeof status === 'number' ? { status, message } : { message };
}

/**
 * The Webex platform on webex-node-bot-framework: websocket mode by default, webhook mode (our
 * own signed `POST /webex/events` route) when `chat.webex.webhookUrl` is set. The framework is
 * loaded here, on call, and nowhere else.
 */
export async function createWebexPlatform(deps: PlatformDeps): Promise<WebexPlatform> {
  const config = deps.config.chat.webex;
  if (!config) throw new ConfigError([{ path: 'chat.webex', message: 'Webex is not configured' }]);
  const { logger, chat } = deps;
  const options = frameworkOptions(config);
  const secrets = [options.token, options.webhookSecret ?? ''];
  const mode = options.webhookUrl === undefined ? 'websocket' : 'webhook';
  if (options.webhookUrl !== undefined && !new URL(options.webhookUrl).pathname.endsWith('/webex/events')) {
    logger.warn(
      'chat.webex.webhookUrl does not end with /webex/events: make sure your proxy forwards it there',
    );
  }

  const { Framework, processEvent } = loadFramework(config.apiUrl);
  const framework: Framework = new Framework(options);
  let sdk: WebexSdk | undefined;
  let state: 'new' | 'started' | 'stopped' = 'new';
  const inFlight = new Set<Promise<void>>();

  const track = (what: string, work: () => PromiseLike<unknown> | undefined): void => {
    const job: Promise<void> = Promise.resolve()
      .then(work)
      .then(
        () => undefined,
        (error: unknown) => logger.error({ webex: safeError(error, secrets) }, `Webex ${what} failed`),
      )
      .finally(() => inFlight.delete(job));
    inFlight.add(job);
  };

  const connected = (): WebexSdk => {
    if (!sdk) throw new DomainopsError('webex_not_started', 'the Webex bot is not connected');
    return sdk;
  };
  const handlers = createHandlers({
    chat,
    logger,
    post: (message) => connected().messages.create(message),
    getMessage: (id) => connected().messages.get(id),
    findPerson: async (email) => {
      const page = await connected().people.list({ email });
      return page.items?.find((p) => p.emails?.some((e) => e.toLowerCase() === email))?.id;
    },
    bot: () => framework.person,
  });
  framework.on('message', (_bot, trigger) => track('message', () => handlers.onMessage(trigger)));
  framework.on('attachmentAction', (_bot, trigger) =>
    track('card submit', () => handlers.onAttachmentAction(trigger)),
  );

  const ready = (): boolean => state === 'started';
  const routes =
    options.webhookSecret === undefined
      ? []
      : [
          webhookRoute({
            secret: options.webhookSecret,
            accepting: ready,
            // The framework's own webhook handler re-checks the signature over re-serialised JSON
            // and answers first; its event processing (also used by the websocket) is what we need.
            deliver: (body) => track('webhook delivery', () => processEvent(framework, body)),
            logger,
          }),
        ];

  let webhooks: SharedWebhooks | undefined;
  /**
   * Webhook mode: the bot's webhooks are shared by every replica. The framework's own handling
   * (remove them all at start and stop, create anew) is taken over: found by name and target URL,
   * updated or created, and left in place at stop unless `deleteWebhooksOnStop` (./webhooks.ts).
   */
  const share = (webex: WebexSdk): SharedWebhooks =>
    shareWebhooks(webex.webhooks, {
      deleteOnStop: config.deleteWebhooksOnStop,
      report: (what) => {
        if (what.kind === 'other-targets') {
          logger.warn(
            { count: what.count },
            'Webex has webhooks of this bot for this host with another target URL: left as they are (remove them in the Webex developer portal if they are stale)',
          );
        } else if (what.kind === 'duplicates-removed') {
          logger.info({ resource: what.resource, count: what.count }, 'removed duplicate Webex webhooks');
        } else {
          logger.info({ resource: what.resource }, `Webex webhook ${what.kind}`);
        }
      },
    });

  /** Webhook mode: `framework.start()` resolves before its webhooks exist; wait for them. */
  const registered = async (): Promise<void> => {
    const deadline = Date.now() + REGISTER_TIMEOUT;
    const failure = () => webhooks?.failure();
    const done = () =>
      framework.webhook === false || Boolean(framework.cardsWebhook?.name) || failure() !== undefined;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (framework.webhook !== false && framework.cardsWebhook?.name) return;
    const why = failure() === undefined ? '' : `: ${safeError(failure(), secrets).message}`;
    throw new DomainopsError('webex_start_failed', `Webex did not register the bot webhooks${why}`, {
      hint: 'check that the bot token may create webhooks and that chat.webex.webhookUrl is an https URL Webex can reach',
    });
  };

  const settled = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };

  return {
    name: 'webex',
    mode,
    routes,
    ready,
    settled,
    async notify(update) {
      try {
        await handlers.onUpdate(update);
      } catch (error) {
        // SDK errors carry the request, headers included: one safe line only.
        logger.warn({ webex: safeError(error, secrets) }, 'could not post the update in the card thread');
      }
    },
    async deliver(delivery) {
      try {
        return await handlers.onDeliver(delivery);
      } catch (error) {
        // A person lookup failed before anything was posted: every destination failed with it.
        logger.warn({ webex: safeError(error, secrets) }, 'could not post to notify destinations');
        const status = (error as { statusCode?: unknown }).statusCode;
        const code = typeof status === 'number' ? `http_${status}` : 'no_answer';
        return delivery.destinations.map((destination) => ({ destination, failed: { code } }));
      }
    },
    async postToOrigin(origin, update) {
      const requestId = update.result.reply.requestId;
      try {
        if (!(await handlers.onOrigin(origin, update))) {
          logger.warn({ requestId }, 'stored Webex origin is not a space: not posted');
        }
      } catch (error) {
        logger.warn(
          { webex: safeError(error, secrets), requestId },
          'could not post the request where it was typed',
        );
      }
    },
    async start() {
      try {
        const starting = framework.start();
        // start() has created the SDK synchronously; its webhook calls come later.
        if (mode === 'webhook') webhooks = share(framework.webex);
        await starting;
      } catch (error) {
        const { status, message } = safeError(error, secrets);
        throw new DomainopsError(
          'webex_start_failed',
          `could not connect the Webex bot${status ? ` (HTTP ${status})` : ''}: ${message}`,
          {
            hint:
              status === 401
                ? 'Webex rejected chat.webex.botToken: use the bot access token from developer.webex.com'
                : 'check chat.webex.apiUrl and that this host can reach Webex',
          },
        );
      }
      // Kept: the framework drops its SDK on stop, while replies may still be on their way.
      sdk = framework.webex;
      if (mode === 'webhook') {
        try {
          await registered();
        } catch (error) {
          webhooks?.stopping();
          await Promise.resolve(framework.stop()).catch(() => undefined);
          throw error;
        }
      }
      state = 'started';
      logger.info({ mode, bot: framework.email }, 'Webex bot connected');
    },
    async stop() {
      if (state === 'stopped') return;
      const wasStarted = state === 'started';
      state = 'stopped';
      if (!wasStarted) return;
      try {
        // Webhook mode: removes the webhooks only with deleteWebhooksOnStop (the other replicas
        // use them); websocket mode: unregisters the device.
        webhooks?.stopping();
        await framework.stop();
      } catch (error) {
        logger.warn({ webex: safeError(error, secrets) }, 'Webex bot did not stop cleanly');
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled(), new Promise((r) => (timer = setTimeout(r, STOP_TIMEOUT)))]);
      clearTimeout(timer);
    },
  };
}
