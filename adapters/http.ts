import { Agent, type Dispatcher } from 'undici';
import type { HttpSettings } from '../src/config/types.ts';
import { systemClock } from '../src/core/clock.ts';
import { DEFAULT_HTTP_CONNECTIONS } from '../src/core/config/types.ts';
import { scrub } from '../src/core/scrub.ts';
import { redactRequest } from './redact.ts';
import {
  classifyFailure,
  errorCodes,
  parseRetryAfter,
  RETRYABLE_STATUSES,
  type RetryPolicy,
  retryDelay,
} from './retry.ts';
import type { PreparedRequest, RedactedRequest, Vendor } from './types.ts';
import { VendorError } from './vendor-error.ts';

/**
 * A vendor's answer, body read in full; any status, including errors after retries ran out.
 * Header values and the body are scrubbed of every secret value the process knows and of
 * credential shapes (src/core/scrub.ts), so nothing a vendor echoes back reaches a message,
 * a result or a log; only a token exchange sent with `rawBody` gets its body as received.
 */
export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. Scrubbed. */
  headers: Record<string, string>;
  /** Scrubbed, unless the request was sent with `rawBody`. */
  body: string;
  /** The request that produced it, secrets redacted: what errors carry. */
  request: RedactedRequest;
  /** How many attempts were made (1 when the first one answered). */
  attempts: number;
}

export interface SendOptions {
  vendor: Vendor;
  signal?: AbortSignal;
  /** Token requests: the whole body is a credential and is never shown. */
  sensitiveBody?: boolean;
  /**
   * Token exchanges: the response body is handed over as received, since it carries the new
   * credential. The caller registers that credential with the scrubber before anything else
   * sees it, and scrubs whatever of the body it puts into an error.
   */
  rawBody?: boolean;
}

/** The one HTTP layer every adapter sends through. */
export interface HttpClient {
  readonly settings: HttpSettings;
  /**
   * Sends with the retry policy of adapters/retry.ts. Resolves with the final response whatever
   * its status; throws VendorError only when no usable response arrived.
   */
  send(request: PreparedRequest, options: SendOptions): Promise<HttpResponse>;
  /** A client with the same settings whose TLS connections present this certificate (F5 XC P12). */
  withClientCertificate(cert: { pfx: Uint8Array; passphrase: string }): HttpClient;
  /** Closes the connection pools this client created (an injected dispatcher is left open). */
  close(): Promise<void>;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface HttpClientOptions {
  /** A dispatcher to send through instead of a new undici Agent (tests: MockAgent or a spy). */
  dispatcher?: Dispatcher;
  /**
   * The waits between attempts (the process clock's `sleep`; real time by default), so retry
   * tests do not wait real seconds.
   */
  sleep?: Sleep;
  /** The process clock's `now` (real time by default): `Retry-After` dates are read against it. */
  now?: () => number;
  random?: () => number;
  /** First backoff step in ms (default 500). */
  baseDelay?: number;
  /** Responses larger than this are refused as a bad response (default 1 MiB). */
  maxBodyBytes?: number;
  /** Called after every attempt (metrics, logs); `status` is `error` when no response arrived. */
  observe?: (attempt: AttemptRecord) => void;
}

/** One attempt of a vendor request, as metrics and logs see it (no secrets: no headers, no body). */
export interface AttemptRecord {
  vendor: Vendor;
  method: string;
  host: string;
  path: string;
  status: number | 'error';
  seconds: number;
  attempt: number;
  /** Set when another attempt follows: the wait before it, in ms (Retry-After or backoff). */
  retryIn?: number;
  error?: string;
}

/**
 * One keep-alive pool per origin, with the configured connect, header and body timeouts, and at
 * most `connections` connections to each origin: requests beyond them wait in the pool for one
 * (undici's `connections`), so a burst of commands opens no more sockets to a vendor than that.
 */
function createAgent(
  settings: HttpSettings,
  tls: { pfx: Uint8Array; passphrase: string } | undefined,
): Agent {
  return new Agent({
    connections: settings.connections ?? DEFAULT_HTTP_CONNECTIONS,
    connect: {
      timeout: settings.connectTimeout,
      ...(tls ? { pfx: Buffer.from(tls.pfx), passphrase: tls.passphrase } : {}),
    },
    headersTimeout: settings.timeout,
    bodyTimeout: settings.timeout,
    keepAliveTimeout: 4_000,
  });
}

/** Lower-case names, repeated values joined, every value scrubbed (a vendor may echo a token in a header). */
function normaliseHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name.toLowerCase()] = scrub(Array.isArray(value) ? value.join(', ') : value);
  }
  return out;
}

class TooLarge extends Error {}

async function readBody(
  body: AsyncIterable<Uint8Array> & { destroy?: () => void },
  max: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > max) {
      body.destroy?.();
      throw new TooLarge(`response larger than ${max} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The VendorError for a request that got no usable response. */
function transportError(
  error: unknown,
  phase: 'not-sent' | 'maybe-sent' | 'aborted',
  request: PreparedRequest,
  redacted: RedactedRequest,
  options: SendOptions,
  settings: HttpSettings,
): VendorError {
  const host = new URL(request.url).host;
  const codes = errorCodes(error);
  const base = { vendor: options.vendor, request: redacted, cause: error };
  const what = `${request.method} ${host}`;
  if (phase === 'aborted') {
    return new VendorError({
      ...base,
      code: request.idempotent ? 'vendor_error' : 'vendor_outcome_unknown',
      message: `${what} was cancelled`,
      outcome: request.idempotent ? 'failed' : 'unknown',
    });
  }
  if (phase === 'not-sent') {
    const timedOut = codes.includes('UND_ERR_CONNECT_TIMEOUT');
    return new VendorError({
      ...base,
      code: 'vendor_unreachable',
      message: timedOut
        ? `could not connect to ${host} within ${settings.connectTimeout} ms`
        : `could not connect to ${host} (${codes[0] ?? 'connection failed'})`,
      hint: 'check the target URL and this host’s network and DNS; nothing was sent to the vendor',
      outcome: 'failed',
    });
  }
  const timedOut = codes.includes('UND_ERR_HEADERS_TIMEOUT') || codes.includes('UND_ERR_BODY_TIMEOUT');
  const reason = timedOut
    ? `no complete response within ${settings.timeout} ms`
    : `connection lost (${codes[0] ?? 'reset'})`;
  if (!request.idempotent) {
    return new VendorError({
      ...base,
      code: 'vendor_outcome_unknown',
      message: `${what}: ${reason}; the vendor may have carried out the request`,
      hint: 'check the current state in the vendor console before trying again',
      outcome: 'unknown',
    });
  }
  return new VendorError({
    ...base,
    code: timedOut ? 'vendor_timeout' : 'vendor_unreachable',
    message: `${what}: ${reason}`,
    hint: 'the vendor did not answer properly: try again later',
    outcome: 'failed',
  });
}

class UndiciHttpClient implements HttpClient {
  readonly settings: HttpSettings;
  readonly #options: HttpClientOptions;
  readonly #dispatcher: Dispatcher;
  readonly #owned: Agent[] = [];
  /**
   * Per origin, until when (the clock's ms) the vendor asked us to wait: while a request waits
   * for the `Retry-After` of a 429, 423 or 503, every other request to that origin waits too
   * before it is sent, so that a batch's concurrent calls slow down together instead of each
   * spending the rate limit.
   */
  readonly #paced: Map<string, number>;

  constructor(settings: HttpSettings, options: HttpClientOptions, paced: Map<string, number> = new Map()) {
    this.settings = settings;
    this.#options = options;
    this.#paced = paced;
    if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
    } else {
      const agent = createAgent(settings, undefined);
      this.#dispatcher = agent;
      this.#owned.push(agent);
    }
  }

  /** The certificate's pool belongs to this (the shared) client, so closing it closes that pool too. */
  withClientCertificate(cert: { pfx: Uint8Array; passphrase: string }): HttpClient {
    const agent = createAgent(this.settings, cert);
    this.#owned.push(agent);
    return new UndiciHttpClient(this.settings, { ...this.#options, dispatcher: agent }, this.#paced);
  }

  async close(): Promise<void> {
    await Promise.all(this.#owned.splice(0).map((agent) => agent.close()));
  }

  async send(request: PreparedRequest, options: SendOptions): Promise<HttpResponse> {
    const redacted = redactRequest(request, options.sensitiveBody ? { sensitiveBody: true } : {});
    const sleep = this.#options.sleep ?? systemClock.sleep;
    const now = this.#options.now ?? systemClock.now;
    const policy: RetryPolicy = {
      retries: this.settings.retries,
      maxRetryAfter: this.settings.maxRetryAfter,
      baseDelay: this.#options.baseDelay ?? 500,
      random: this.#options.random ?? Math.random,
    };
    const url = new URL(request.url);
    const observe = (
      status: number | 'error',
      started: number,
      attempt: number,
      retryIn: number | undefined,
      error?: unknown,
    ): void => {
      this.#options.observe?.({
        vendor: options.vendor,
        method: request.method,
        host: url.host,
        path: url.pathname,
        status,
        seconds: (performance.now() - started) / 1000,
        attempt: attempt + 1,
        ...(retryIn === undefined ? {} : { retryIn }),
        ...(error === undefined ? {} : { error: (error as { code?: string }).code ?? (error as Error).name }),
      });
    };
    for (let attempt = 0; ; attempt++) {
      // The vendor asked (Retry-After) not to be called before then: this request waits too.
      await this.#waitForOrigin(url.origin, sleep, now, options);
      let response: HttpResponse;
      const started = performance.now();
      try {
        const res = await this.#dispatcher.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers: request.headers,
          body: request.body ?? null,
          signal: options.signal ?? null,
        });
        const received = await readBody(res.body, this.#options.maxBodyBytes ?? 1024 * 1024);
        const body = options.rawBody ? received : scrub(received);
        response = {
          status: res.statusCode,
          headers: normaliseHeaders(res.headers),
          body,
          request: redacted,
          attempts: attempt + 1,
        };
      } catch (error) {
        if (error instanceof TooLarge) {
          observe('error', started, attempt, undefined, error);
          throw new VendorError({
            vendor: options.vendor,
            code: 'vendor_bad_response',
            message: `${request.method} ${url.host}: ${error.message}`,
            request: redacted,
            outcome: request.idempotent ? 'failed' : 'unknown',
          });
        }
        const phase = classifyFailure(error, options.signal);
        const wait = retryDelay({ phase }, attempt, request.idempotent, policy, now());
        observe('error', started, attempt, wait, error);
        if (wait === undefined) throw transportError(error, phase, request, redacted, options, this.settings);
        await this.#pause(sleep, wait, options);
        continue;
      }
      const wait = retryDelay(
        { status: response.status, retryAfter: response.headers['retry-after'] },
        attempt,
        request.idempotent,
        policy,
        now(),
      );
      observe(response.status, started, attempt, wait);
      if (wait === undefined) return response;
      // While this request waits for the vendor's Retry-After, every request to the vendor does.
      const until = this.#pace(url.origin, response, wait, now());
      try {
        await this.#pause(sleep, wait, options);
      } finally {
        if (until !== undefined && this.#paced.get(url.origin) === until) this.#paced.delete(url.origin);
      }
    }
  }

  /**
   * Records the wait a 429, 423 or 503 with `Retry-After` asked for, for every request to its
   * origin; returns until when (undefined when the wait is a backoff of our own).
   */
  #pace(origin: string, response: HttpResponse, wait: number, now: number): number | undefined {
    if (!RETRYABLE_STATUSES.has(response.status)) return undefined;
    if (parseRetryAfter(response.headers['retry-after'], now) === undefined || wait <= 0) return undefined;
    const until = now + wait;
    if (until > (this.#paced.get(origin) ?? 0)) this.#paced.set(origin, until);
    return until;
  }

  /**
   * Waits until the origin's `Retry-After` has passed (no wait when it has none). Once per
   * attempt: a later `Retry-After` that arrives meanwhile is the next attempt's to wait for.
   */
  async #waitForOrigin(origin: string, sleep: Sleep, now: () => number, options: SendOptions): Promise<void> {
    const until = this.#paced.get(origin);
    if (until === undefined) return;
    const left = until - now();
    if (left <= 0) {
      if (this.#paced.get(origin) === until) this.#paced.delete(origin);
      return;
    }
    await this.#pause(sleep, left, options);
  }

  async #pause(sleep: Sleep, ms: number, options: SendOptions): Promise<void> {
    try {
      await sleep(ms, options.signal);
    } catch (error) {
      // Cancelled while waiting between attempts: the last attempt certainly did not execute.
      throw new VendorError({
        vendor: options.vendor,
        code: 'vendor_error',
        message: 'request cancelled',
        cause: error,
      });
    }
  }
}

/** The shared HTTP layer, from the `http` settings of the config (all durations in ms). */
export function createHttpClient(settings: HttpSettings, options: HttpClientOptions = {}): HttpClient {
  return new UndiciHttpClient(settings, options);
}
