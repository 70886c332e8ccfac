import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import { scrub } from '../core/scrub.ts';

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
 * The last line of defence: every JSON line is scrubbed (src/core/scrub.ts) of every secret
 * value the process knows and of credential shapes before it is written, whatever field, message,
 * error, cause or stack carries it. Registered values include their JSON-escaped form, and the
 * replacement keeps the line valid JSON.
 */
function scrubbing(stream: NodeJS.WritableStream): DestinationStream {
  return { write: (line: string) => stream.write(scrub(line)) };
}

/**
 * Whether lines are written for people: `LOG_FORMAT=pretty`, or stdout is a terminal and
 * `LOG_FORMAT` is not `json`. JSON lines stay the default everywhere else (files, containers,
 * log shippers).
 */
export function prettyLogs(env: NodeJS.ProcessEnv, stream: NodeJS.WritableStream): boolean {
  if (env.LOG_FORMAT === 'pretty') return true;
  if (env.LOG_FORMAT === 'json') return false;
  return stream === process.stdout && process.stdout.isTTY === true;
}

/**
 * The readable form of the (already scrubbed) JSON lines: pino-pretty, loaded only when used.
 * `time level message key=value …`, without the fields every line repeats.
 */
function prettyStream(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as (
    options: Record<string, unknown>,
  ) => NodeJS.WritableStream;
  return pretty({
    destination: stream,
    colorize: stream === process.stdout && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service',
    singleLine: true,
    sync: true,
  });
}

/**
 * Logs on stdout (or the given stream), with secrets redacted and scrubbed: JSON lines, or
 * readable lines on a terminal (see prettyLogs).
 */
export function createLogger(
  options: { level?: string; stream?: NodeJS.WritableStream; env?: NodeJS.ProcessEnv } = {},
): Logger {
  const out = options.stream ?? process.stdout;
  const target = prettyLogs(options.env ?? process.env, out) ? prettyStream(out) : out;
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'domainops' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    scrubbing(target),
  );
}

export type { Logger };
