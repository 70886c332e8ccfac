import { type Logger, pino } from 'pino';

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
];

/** Structured JSON logs on stdout (or the given stream), with secrets redacted. */
export function createLogger(options: { level?: string; stream?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'domainops' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.stream ?? process.stdout,
  );
}

export type { Logger };
