import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
// Types only: the receiver loads nothing of Bolt (its index pulls in express, Socket Mode and OAuth).
import type { App, Receiver } from '@slack/bolt';
import type { RouteHandler } from '../../core/platform.ts';
import { closeIfUnread, readBody } from '../../server/body.ts';
import type { Logger } from '../../server/logger.ts';
import { deliveryKey, type RecentDeliveries } from './delivery.ts';

/** Slack rejects nothing older, and neither do we: a captured request cannot be replayed later. */
const MAX_SKEW_SECONDS = 5 * 60;
/** A body over 1 MB is answered 413 and not read further. */
export const SLACK_MAX_BODY = 1024 * 1024;

/**
 * The whole answer to a delivery, given in its ack's body (a JSON message), or undefined when the
 * delivery goes the usual way through Bolt. Slack shows a slash command's ack body to the person
 * who typed it ("Enabling interactivity with Slash commands", api.slack.com/interactivity/slash-commands:
 * an immediate response carries a message payload; `response_type: ephemeral` is the default).
 */
export type AckAnswer = (
  body: Record<string, unknown>,
  deliveryKey: string | undefined,
) => Promise<string | undefined> | AckNow | undefined;

/**
 * A delivery acked by the receiver itself, at once, whose processing (Bolt's middleware and
 * listeners) waits for its turn among the commands in flight: `queue` takes the processing and
 * returns the ack to write now (a JSON message, or '' for an empty 200). The queued delivery holds
 * only its parsed body: Bolt builds its listener's arguments when its turn comes. `queue` may also
 * answer that the delivery was turned away (domainops is overloaded): then it never processes it.
 */
export interface AckNow {
  queue(process: () => Promise<void>): string;
}

export interface SharedServerReceiverOptions {
  signingSecret: string;
  logger: Logger;
  deliveries: RecentDeliveries;
  now?: () => number;
  /** Answers some deliveries (commands that need no store and no vendor) in the ack's body. */
  answerInAck?: AckAnswer;
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

function noBody(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

/** An ack: empty, a string as it is, or an object as JSON (what Bolt's listeners pass to `ack`). */
function content(res: ServerResponse, body: unknown): void {
  if (!body) {
    noBody(res, 200);
  } else if (typeof body === 'string') {
    res.writeHead(200);
    res.end(body);
  } else {
    json(res, JSON.stringify(body));
  }
}

function json(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
}

/** `X-Slack-Retry-Num: 1..3` in HTTP mode (a retried delivery); undefined on a first delivery. */
function retryNumOf(req: IncomingMessage): number | undefined {
  const value = header(req, 'x-slack-retry-num');
  return value === undefined ? undefined : Number.parseInt(value, 10);
}

/** `v0=` and 64 lowercase hex digits: the only signature form Slack sends. */
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

/** The `ack` of a delivery the receiver acked itself: nothing left to do. */
const acknowledged = async (): Promise<void> => {};

/** Resolves on the event loop's next check phase: after the I/O callbacks already due have run. */
const afterPendingIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Bolt's HTTP mode as a route of our one shared server (`POST /slack/events`) instead of a server
 * of its own. A body over 1 MB is answered 413 and not read further. Before anything is parsed,
 * the signature (`v0=` HMAC-SHA256 of `v0:{timestamp}:{raw body}`, one HMAC compared in constant
 * time) and the 5-minute window are checked; a delivery already seen (a Slack retry,
 * `X-Slack-Retry-Num`, or a duplicate) is answered 200 without processing. A slash command that
 * `answerInAck` answers gets its answer in the ack's body, and Bolt never sees it. A delivery it
 * acks itself (AckNow: typed commands and events) is acked at once and handed to Bolt in its turn
 * among the commands in flight. Everything else is Bolt middleware and listeners; their ack is
 * written at once, and the listener goes on only after the acks of the other deliveries already
 * read have been written too, so that an ack never waits behind another command's work.
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
    const problem = this.#verify(req, bytes);
    if (problem !== undefined) {
      logger.warn({ platform: 'slack', problem }, 'rejected a Slack request that failed verification');
      return reply(res, 401, 'invalid request signature');
    }
    const body = parseBody(bytes.toString('utf8'), header(req, 'content-type') ?? '');
    if (body === undefined) {
      return reply(res, 400, 'malformed body: expected a JSON object, or a form (its payload a JSON object)');
    }
    if (body.ssl_check) return noBody(res, 200);
    if (body.type === 'url_verification') return json(res, JSON.stringify({ challenge: body.challenge }));

    // X-Slack-Retry-Num: 1..3 in HTTP mode; the retry carries the original's event_id.
    const retryNum = retryNumOf(req);
    const retryReason = header(req, 'x-slack-retry-reason');
    const key = deliveryKey(body);
    if (key !== undefined && !deliveries.first(key)) {
      logger.info({ platform: 'slack', deliveryKey: key, retryNum, retryReason }, 'Slack redelivery ignored');
      return noBody(res, 200);
    }

    let acked = false;
    try {
      const answered = this.#options.answerInAck?.(body, key);
      if (answered !== undefined && 'queue' in answered) {
        acked = true;
        const ack = answered.queue(this.#later(app, body, retryNum, retryReason));
        return ack === '' ? noBody(res, 200) : json(res, ack);
      }
      const answer = answered === undefined ? undefined : await answered;
      if (answer !== undefined) {
        acked = true;
        return answer === '' ? noBody(res, 200) : json(res, answer);
      }
      const ack = async (response?: unknown): Promise<void> => {
        if (acked) return;
        acked = true;
        content(res, response);
        // The listener's work (after its `await ack(…)`) waits for the acks already due.
        await afterPendingIo();
      };
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
        noBody(res, 500);
      }
    }
    // Nothing listened (an event or action domainops does not handle): Slack only needs the 200.
    if (!acked) noBody(res, 200);
  };

  /**
   * The processing of a delivery acked already (AckNow), to run in its turn, after the acks of the
   * deliveries already read; its listener's `ack` does nothing. Made here, not in the handler, so
   * that the waiting closure holds the body and not the handler's request and response.
   */
  #later(
    app: App,
    body: Record<string, unknown>,
    retryNum: number | undefined,
    retryReason: string | undefined,
  ): () => Promise<void> {
    const { logger } = this.#options;
    return async () => {
      await afterPendingIo();
      try {
        await app.processEvent({
          body,
          ack: acknowledged,
          ...(retryNum === undefined ? {} : { retryNum }),
          ...(retryReason === undefined ? {} : { retryReason }),
        });
      } catch (error) {
        logger.error({ err: error, platform: 'slack' }, 'Slack event processing failed');
      }
    };
  }

  /** Why the request is not from Slack, or undefined when it is. */
  #verify(req: IncomingMessage, body: Buffer): string | undefined {
    return signatureProblem(
      this.#options.signingSecret,
      header(req, 'x-slack-signature'),
      header(req, 'x-slack-request-timestamp'),
      body,
      (this.#options.now ?? Date.now)(),
    );
  }
}

/**
 * Why a request is not from Slack, or undefined when it is: the `X-Slack-Signature` (`v0=` and
 * the hex HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}` with the signing secret) and
 * a timestamp within 5 minutes of `nowMs`. One HMAC, compared in constant time.
 */
export function signatureProblem(
  secret: string,
  signature: string | undefined,
  timestampHeader: string | undefined,
  body: Buffer,
  nowMs: number,
): string | undefined {
  const timestamp = Number(timestampHeader);
  if (signature === undefined || !Number.isInteger(timestamp)) return 'missing signature headers';
  // Slack's own check is only for old timestamps; a far-future one is as suspicious.
  if (Math.abs(nowMs / 1000 - timestamp) > MAX_SKEW_SECONDS) return 'timestamp outside the 5-minute window';
  if (!SIGNATURE.test(signature)) return 'signature mismatch';
  const expected = createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature.slice(3), 'hex'))) return 'signature mismatch';
  return undefined;
}
