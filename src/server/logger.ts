import { type DestinationStream, type Logger, pino } from 'pino';
import { scrub } from '../../adapters/scrub.ts';

/**
 * Paths pino replaces with `[REDACTED]` wherever they appear in a log object. Vendor requests
 * are logged only in their redacted form (adapters/redact.ts); these paths are a second guard.
 */
export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'clientSecret',
  '*.clientSecret',
  'iamToken',
  '*.iamToken',
  'apiToken',
  '*.apiToken',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'webhookSecret',
  '*.webhookSecret',
  'private_key',
  '*.private_key',
  'jwt',
  '*.jwt',
  'passphrase',
  '*.passphrase',
  'password',
  '*.password',
  'serviceAccountKey',
  '*.serviceAccountKey',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'client_secret',
  '*.client_secret',
];

/**
 * The last line of defence: every JSON line is scrubbed (adapters/scrub.ts) of every secret
 * value the process knows and of credential shapes before it is written, whatever field, message,
 * error, cause or stack carries it. Registered values include their JSON-escaped form, and the
 * replacement keeps the line valid JSON.
 */
function scrubbing(stream: NodeJS.WritableStream): DestinationStream {
  return { write: (line: string) => stream.write(scrub(line)) };
}

/** Structured JSON logs on stdout (or the given stream), with secrets redacted and scrubbed. */
export function createLogger(options: { level?: string; stream?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'domainops' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    scrubbing(options.stream ?? process.stdout),
  );
}

export type { Logger };
