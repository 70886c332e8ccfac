import type { ServerResponse } from 'node:http';
import type { Logger } from '../../server/logger.ts';
import type { Route } from '../types.ts';
import { readRawBody, validSparkSignature } from './signature.ts';

/** Webex webhook bodies are a few hundred bytes (only ids in `data`). */
const MAX_BODY = 256 * 1024;

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
 * `POST /webex/events`: the signature is checked over the raw body before anything else; a
 * missing or wrong one gets 401 and nothing else happens. A verified delivery is answered 200 at
 * once (Webex does not wait for the work) and then processed.
 */
export function webhookRoute(options: WebhookRouteOptions): Route {
  return {
    method: 'POST',
    path: '/webex/events',
    handler: async (req, res) => {
      const raw = await readRawBody(req, MAX_BODY);
      if (raw === undefined) return send(res, 413, 'payload too large\n');
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
      send(res, 200, 'OK\n');
      options.deliver(body);
    },
  };
}
