import type { ServerResponse } from 'node:http';
import type { Route } from '../../core/platform.ts';
import { readBody } from '../../server/body.ts';
import type { Logger } from '../../server/logger.ts';
import { validSparkSignature } from './signature.ts';

/** Webex webhook bodies are a few hundred bytes (only ids in `data`). */
export const WEBEX_MAX_BODY = 256 * 1024;

export interface WebhookRouteOptions {
  /** The webhook secret (revealed). */
  secret: string;
  /** False before the bot is connected or after it stopped: deliveries get 503. */
  accepting: () => boolean;
  /** Hands a verified, parsed delivery to the framework; called after the 200 is sent. */
  deliver: (body: unknown) => void;
  logger: Logger;
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * `POST /webex/events`: a body over 256 KB is answered 413 and not read further (it is
 * unauthenticated until read). The signature is checked over the raw body before anything else;
 * a missing or wrong one gets 401 and nothing else happens. A verified body that is not a JSON
 * object gets 400. A verified delivery is answered 200 at once (Webex does not wait for the
 * work) and then processed.
 */
export function webhookRoute(options: WebhookRouteOptions): Route {
  return {
    method: 'POST',
    path: '/webex/events',
    handler: async (req, res) => {
      const raw = await readBody(req, res, WEBEX_MAX_BODY);
      // Answered 413 already, or the client went away.
      if (raw === undefined) return;
      if (!validSparkSignature(raw, req.headers['x-spark-signature'], options.secret)) {
        options.logger.warn(
          'Webex webhook delivery with a missing or wrong X-Spark-Signature rejected: if this is Webex, ' +
            'check that chat.webex.webhookSecret is the secret the webhook was registered with (restart re-registers it)',
        );
        return send(res, 401, 'invalid signature\n');
      }
      if (!options.accepting()) return send(res, 503, 'not ready\n');
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return send(res, 400, 'body is not JSON\n');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return send(res, 400, 'body is not a JSON object\n');
      }
      send(res, 200, 'OK\n');
      options.deliver(body);
    },
  };
}
