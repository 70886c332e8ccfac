import type { IncomingMessage, ServerResponse } from 'node:http';
import { type App, HTTPModuleFunctions, type Receiver, verifySlackRequest } from '@slack/bolt';
import type { RouteHandler } from '../../core/platform.ts';
import { closeIfUnread, readBody } from '../../server/body.ts';
import type { Logger } from '../../server/logger.ts';
import { deliveryKey, type RecentDeliveries } from './delivery.ts';

/** Slack rejects nothing older, and neither do we: a captured request cannot be replayed later. */
const MAX_SKEW_SECONDS = 5 * 60;
/** A body over 1 MB is answered 413 and not read further. */
export const SLACK_MAX_BODY = 1024 * 1024;

export interface SharedServerReceiverOptions {
  signingSecret: string;
  logger: Logger;
  deliveries: RecentDeliveries;
  now?: () => number;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Form bodies (slash commands; `payload=` JSON for interactivity) or JSON (Events API). Every
 * Slack request body is an object; anything else (`null`, a number, a string, an array) is
 * malformed: undefined.
 */
function parseBody(raw: string, contentType: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    if (contentType.includes('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(raw);
      const payload = form.get('payload');
      value = payload === null ? Object.fromEntries(form) : JSON.parse(payload);
    } else {
      value = JSON.parse(raw);
    }
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

/**
 * Bolt's HTTP mode as a route of our one shared server (`POST /slack/events`) instead of a server
 * of its own. A body over 1 MB is answered 413 and not read further. Before anything is parsed, the signature (`v0=` HMAC-SHA256 of
 * `v0:{timestamp}:{raw body}`) and the 5-minute window are checked; a delivery already seen
 * (a Slack retry, `X-Slack-Retry-Num`, or a duplicate) is answered 200 without processing.
 * Transport only: everything else is Bolt middleware and listeners.
 */
export class SharedServerReceiver implements Receiver {
  readonly #options: SharedServerReceiverOptions;
  #app: App | undefined;
  #open = false;

  constructor(options: SharedServerReceiverOptions) {
    this.#options = options;
  }

  init(app: App): void {
    this.#app = app;
  }

  async start(): Promise<void> {
    this.#open = true;
  }

  async stop(): Promise<void> {
    this.#open = false;
  }

  /** The handler of `POST /slack/events`. */
  readonly handler: RouteHandler = async (req, res) => {
    const { logger, deliveries } = this.#options;
    const app = this.#app;
    if (!this.#open || app === undefined) {
      closeIfUnread(req, res);
      return reply(res, 503, 'not accepting Slack events');
    }
    const bytes = await readBody(req, res, SLACK_MAX_BODY);
    // Answered 413 already, or the client went away.
    if (bytes === undefined) return;
    const raw = bytes.toString('utf8');
    const problem = this.#verify(req, raw);
    if (problem !== undefined) {
      logger.warn({ platform: 'slack', problem }, 'rejected a Slack request that failed verification');
      return reply(res, 401, 'invalid request signature');
    }
    const body = parseBody(raw, header(req, 'content-type') ?? '');
    if (body === undefined) {
      return reply(res, 400, 'malformed body: expected a JSON object, or a form (its payload a JSON object)');
    }
    if (body.ssl_check) return HTTPModuleFunctions.buildSSLCheckResponse(res);
    if (body.type === 'url_verification') return HTTPModuleFunctions.buildUrlVerificationResponse(res, body);

    // X-Slack-Retry-Num: 1..3 in HTTP mode; the retry carries the original's event_id.
    const retryNum = HTTPModuleFunctions.extractRetryNumFromHTTPRequest(req);
    const retryReason = HTTPModuleFunctions.extractRetryReasonFromHTTPRequest(req);
    const key = deliveryKey(body);
    if (key !== undefined && !deliveries.first(key)) {
      logger.info({ platform: 'slack', deliveryKey: key, retryNum, retryReason }, 'Slack redelivery ignored');
      return HTTPModuleFunctions.buildNoBodyResponse(res, 200);
    }

    let acked = false;
    const ack = async (response?: unknown): Promise<void> => {
      if (acked) return;
      acked = true;
      HTTPModuleFunctions.buildContentResponse(res, response);
    };
    try {
      await app.processEvent({
        body,
        ack,
        ...(retryNum === undefined ? {} : { retryNum }),
        ...(retryReason === undefined ? {} : { retryReason }),
      });
    } catch (error) {
      logger.error({ err: error, platform: 'slack' }, 'Slack event processing failed');
      if (!acked) {
        acked = true;
        HTTPModuleFunctions.buildNoBodyResponse(res, 500);
      }
    }
    // Nothing listened (an event or action domainops does not handle): Slack only needs the 200.
    if (!acked) HTTPModuleFunctions.buildNoBodyResponse(res, 200);
  };

  /** Why the request is not from Slack, or undefined when it is. */
  #verify(req: IncomingMessage, raw: string): string | undefined {
    const signature = header(req, 'x-slack-signature');
    const timestamp = Number(header(req, 'x-slack-request-timestamp'));
    if (signature === undefined || !Number.isInteger(timestamp)) return 'missing signature headers';
    const nowMs = (this.#options.now ?? Date.now)();
    // Bolt checks only for old timestamps; a far-future one is as suspicious.
    if (Math.abs(nowMs / 1000 - timestamp) > MAX_SKEW_SECONDS) return 'timestamp outside the 5-minute window';
    try {
      verifySlackRequest({
        signingSecret: this.#options.signingSecret,
        body: raw,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
        nowMilliseconds: nowMs,
      });
    } catch {
      return 'signature mismatch';
    }
    return undefined;
  }
}
