/**
 * The slice of webex-node-bot-framework (CommonJS, 2.3.x) that domainops uses, typed by hand,
 * and its lazy loader. Nothing else in src/ may import the framework: loading it (and the Webex
 * SDK inside it) costs about a second and 300 MB, so only a process with `chat.webex` pays.
 */
import { createRequire } from 'node:module';
import { ConfigError } from '../../core/errors.ts';
import type { WebexChatConfig } from './config.ts';
import type { WebhooksApi } from './webhooks.ts';

/** A Webex person as `GET /v1/people/{id}` returns it. */
export interface WebexPerson {
  id: string;
  emails?: string[];
  displayName?: string;
  /** `person` or `bot`. */
  type?: string;
}

/** A message as `GET /v1/messages/{id}` returns it. */
export interface WebexMessage {
  id: string;
  roomId: string;
  roomType?: string;
  personId: string;
  text?: string;
  /** Carries `<spark-mention data-object-id="…">name</spark-mention>` for mentions. */
  html?: string;
  /** Set when the message is a reply in a thread: the thread's top-level message. */
  parentId?: string;
  mentionedPeople?: string[];
}

/** A card submit as `GET /v1/attachment/actions/{id}` returns it. */
export interface WebexAttachmentAction {
  id: string;
  /** The card message whose button was pressed. */
  messageId: string;
  roomId: string;
  personId: string;
  inputs?: unknown;
}

/** The framework's trigger; `person` is fetched by the framework from the API (`GET /v1/people`). */
export interface Trigger {
  type: 'message' | 'attachmentAction';
  id: string;
  message?: WebexMessage;
  attachmentAction?: WebexAttachmentAction;
  person: WebexPerson;
}

/** `POST /v1/messages`: into a space (`roomId`), or a direct message to a person (`toPersonId`). */
export interface OutgoingMessage {
  roomId?: string;
  toPersonId?: string;
  parentId?: string;
  markdown: string;
  attachments?: {
    contentType: 'application/vnd.microsoft.card.adaptive';
    content: Record<string, unknown>;
  }[];
}

/** The Webex SDK calls we make (or guard) ourselves. */
export interface WebexSdk {
  messages: {
    create(message: OutgoingMessage): Promise<WebexMessage>;
    get(id: string): Promise<WebexMessage>;
  };
  /** `GET /v1/people?email=…`: the people with an email address (a page of `items`). */
  people: {
    list(options: { email: string }): Promise<{ items?: WebexPerson[] }>;
  };
  /** Taken over in webhook mode while the framework starts and stops (./webhooks.ts). */
  webhooks: WebhooksApi;
}

export interface FrameworkOptions {
  token: string;
  webhookUrl?: string;
  webhookSecret?: string;
  /** false: on start and stop remove only the webhooks this bot registered under its own name. */
  removeWebhooksOnStart: false;
  /** 0: no discovery of every space at start; a space is picked up when its first event arrives. */
  maxStartupSpaces: 0;
  messageFormat: 'markdown';
}

export interface Framework {
  /** The bot's own person (after start). */
  person: WebexPerson;
  email?: string;
  active: boolean;
  /** The SDK instance: set synchronously by `start()`, replaced with `{}` by `stop()`. */
  webex: WebexSdk;
  /** Webhook mode: the `resource: all` webhook once registered, `false` when registering failed. */
  webhook: { name?: string } | false;
  /** Webhook mode: the `resource: attachmentActions` webhook once registered. */
  cardsWebhook: { name?: string } | undefined;
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  on(event: 'message' | 'attachmentAction', listener: (bot: unknown, trigger: Trigger) => void): unknown;
}

export interface LoadedFramework {
  Framework: new (options: FrameworkOptions) => Framework;
  /** The framework's own event processing, shared by its webhook and websocket paths. */
  processEvent: (framework: Framework, body: unknown) => PromiseLike<unknown> | undefined;
}

/**
 * The framework's options for our config: websocket mode without `webhookUrl`, webhook mode
 * with it (and then a webhook secret is required, since every delivery is verified with it).
 */
export function frameworkOptions(config: WebexChatConfig): FrameworkOptions {
  const base = {
    token: config.botToken.reveal(),
    removeWebhooksOnStart: false,
    maxStartupSpaces: 0,
    messageFormat: 'markdown',
  } as const;
  if (config.webhookUrl === undefined) return base;
  if (config.webhookSecret === undefined) {
    throw new ConfigError(
      [
        {
          path: 'chat.webex.webhookSecret',
          message: 'webhook mode (chat.webex.webhookUrl) needs a webhook secret',
        },
      ],
      'set webhookSecret: env:WEBEX_WEBHOOK_SECRET (any long random string), or remove webhookUrl for websocket mode',
    );
  }
  return { ...base, webhookUrl: config.webhookUrl, webhookSecret: config.webhookSecret.reveal() };
}

/**
 * Loads the framework now. The SDK reads `HYDRA_SERVICE_URL` when it is loaded, so `apiUrl` is
 * put there first unless the environment already sets it (that is how tests aim it at a fake).
 */
export function loadFramework(apiUrl: string): LoadedFramework {
  process.env.HYDRA_SERVICE_URL ??= apiUrl;
  const require = createRequire(import.meta.url);
  return {
    Framework: require('webex-node-bot-framework') as LoadedFramework['Framework'],
    processEvent: require('webex-node-bot-framework/lib/process-event') as LoadedFramework['processEvent'],
  };
}
