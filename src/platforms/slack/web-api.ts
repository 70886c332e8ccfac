/**
 * The Slack Web API client domainops answers with: Bolt's WebClient (the same methods, results,
 * errors and retry policy), with its HTTP on undici instead of the global `fetch`, and the calls
 * that carry answers (`chat.postMessage`, `chat.update`, `chat.postEphemeral`) and the identity
 * lookup (`users.info`) sent in one step each: the WebClient's own path builds its debug log
 * lines (the whole body, redacted and serialised, twice per call) whether debug logging is on or
 * not, and queues every call through p-queue and p-retry. That cost more CPU per answer than the
 * rest of a `help` command together.
 */

import { STATUS_CODES } from 'node:http';
import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import type { webApi } from '@slack/bolt';
import { Agent, type Dispatcher, request } from 'undici';

type WebApi = typeof webApi;

/**
 * `@slack/web-api` as Bolt itself resolves it (a dependency of Bolt's, not ours): the same module,
 * so its classes are the ones Bolt's own client uses, without loading Bolt's whole index.
 */
const fromHere = createRequire(import.meta.url);
const web = createRequire(fromHere.resolve('@slack/bolt'))('@slack/web-api') as WebApi;

/** Methods sent in one step. Slack takes JSON bodies for the chat methods; `users.info` only a form. */
const DIRECT = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'users.info']);
const FORM_ONLY = new Set(['users.info']);

export interface SlackWebClientOptions extends webApi.WebClientOptions {
  /** Where requests go (default: a keep-alive pool per origin, at most `connections` each). */
  dispatcher?: Dispatcher;
  /** Connections per origin of the default dispatcher (default 32; more calls wait for one). */
  connections?: number;
}

/** A WHATWG-style `fetch` for the WebClient and Bolt's `respond`, on undici's `request`. */
export function undiciFetch(dispatcher: Dispatcher): webApi.FetchFunction {
  return async (url, init = {}) => {
    if (typeof init.body === 'object') return globalThis.fetch(url, init);
    const res = await request(url, {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      ...(init.headers === undefined ? {} : { headers: init.headers }),
      ...(init.body === undefined ? {} : { body: init.body }),
      ...(init.signal === undefined ? {} : { signal: init.signal }),
      dispatcher,
    });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    if (init.redirect === 'error' && res.statusCode >= 300 && res.statusCode < 400) {
      throw new TypeError(`redirect refused: ${res.statusCode} from ${String(url)}`);
    }
    const headers = res.headers;
    const one = (value: string | string[] | undefined): string | null =>
      value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    return {
      ok: res.statusCode >= 200 && res.statusCode < 300,
      status: res.statusCode,
      statusText: STATUS_CODES[res.statusCode] ?? '',
      url: String(url),
      headers: {
        get: (name: string) => one(headers[name.toLowerCase()]),
        *entries(): Iterable<[string, string]> {
          for (const [name, value] of Object.entries(headers)) {
            if (value !== undefined) yield [name, one(value)!];
          }
        },
      },
      arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      text: async () => bytes.toString('utf8'),
      json: async () => JSON.parse(bytes.toString('utf8')) as unknown,
    };
  };
}

/** Top-level arguments without `undefined` or `null` (the WebClient leaves those out too). */
function defined(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in args) {
    const value = args[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out;
}

/** The WebClient's form encoding: strings, numbers and booleans as they are, anything else as JSON. */
function form(args: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(args)) {
    const type = typeof value;
    params.append(
      key,
      type === 'string' || type === 'number' || type === 'boolean' ? String(value) : JSON.stringify(value),
    );
  }
  return params.toString();
}

/** Errors not to retry. */
const FINAL = new WeakSet<object>();

/** A Slack `429` answer: retry after this many seconds. */
class RateLimited extends Error {
  readonly seconds: number;
  constructor(seconds: number) {
    super(`rate limited: retry in ${seconds} s`);
    this.seconds = seconds;
  }
}

/**
 * Bolt's WebClient, its answers sent straight through undici. The direct calls keep its policy:
 * the token in `Authorization`, a non-200 answer or a failed request retried with the same
 * backoff (`retryConfig`), a 429 waited out for its `Retry-After` (all direct calls wait) and
 * then retried, the same error classes (`data.error` on a platform error).
 */
export class SlackWebClient extends web.WebClient {
  readonly #dispatcher: Dispatcher;
  readonly #options: SlackWebClientOptions;
  readonly #authorization: string | undefined;
  readonly #timeout: number;
  /** Until when a 429 holds the direct calls back (epoch ms). */
  #pausedUntil = 0;

  constructor(token: string, options: SlackWebClientOptions = {}) {
    const { dispatcher, connections, ...clientOptions } = options;
    const via = dispatcher ?? new Agent({ connections: connections ?? 32 });
    super(token, { ...clientOptions, fetch: undiciFetch(via) });
    this.#dispatcher = via;
    this.#options = options;
    this.#authorization = token ? `Bearer ${token}` : undefined;
    this.#timeout = options.timeout ?? 0;
  }

  /** The dispatcher its requests go through (Bolt's `respond` takes the same `fetch`). */
  get dispatcher(): Dispatcher {
    return this.#dispatcher;
  }

  override async apiCall(
    method: string,
    options: Record<string, unknown> = {},
  ): Promise<webApi.WebAPICallResult> {
    if (!DIRECT.has(method) || typeof options !== 'object' || options.token !== undefined) {
      return super.apiCall(method, options);
    }
    const retry = this.#options.retryConfig ?? {};
    const retries = retry.retries ?? 10;
    const factor = retry.factor ?? 2;
    const minTimeout = retry.minTimeout ?? 1000;
    const maxTimeout = retry.maxTimeout ?? Number.POSITIVE_INFINITY;
    const args = defined({ team_id: this.#options.teamId, ...options });
    const asForm = FORM_ONLY.has(method);
    const body = asForm ? form(args) : JSON.stringify(args);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': asForm ? 'application/x-www-form-urlencoded' : 'application/json; charset=utf-8',
      ...(this.#authorization === undefined ? {} : { authorization: this.#authorization }),
    };
    for (let attempt = 0; ; attempt++) {
      const paused = this.#pausedUntil - Date.now();
      if (paused > 0) await delay(paused);
      try {
        const result = await this.#send(method, body, headers);
        if (result.ok === false)
          throw new web.WebAPIPlatformError(result as webApi.WebAPICallResult & { error: string });
        for (const warning of result.response_metadata?.warnings ?? []) this.#options.logger?.warn(warning);
        return result;
      } catch (error) {
        if (error instanceof web.WebAPIPlatformError || FINAL.has(error as object)) throw error;
        if (error instanceof RateLimited) {
          if (this.#options.rejectRateLimitedCalls) throw new web.WebAPIRateLimitedError(error.seconds);
          this.#options.logger?.info(
            `API Call failed due to rate limiting. Will retry in ${error.seconds} seconds.`,
          );
          this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + error.seconds * 1000);
          if (attempt >= retries) throw new web.WebAPIRateLimitedError(error.seconds);
          continue;
        }
        if (attempt >= retries) throw error;
        await delay(Math.min(minTimeout * factor ** attempt, maxTimeout));
      }
    }
  }

  /** One attempt: the result, or a WebAPIHTTPError / WebAPIRequestError / RateLimited. */
  async #send(
    method: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<webApi.WebAPICallResult> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.slackApiUrl}${method}`, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.#dispatcher,
        ...(this.#timeout > 0 ? { headersTimeout: this.#timeout, bodyTimeout: this.#timeout } : {}),
      });
    } catch (error) {
      throw new web.WebAPIRequestError(error instanceof Error ? error : new Error(String(error)));
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (error) {
      throw new web.WebAPIRequestError(error instanceof Error ? error : new Error(String(error)));
    }
    const seconds = Number.parseInt(String(res.headers['retry-after'] ?? ''), 10);
    if (res.statusCode === 429 && !Number.isNaN(seconds)) throw new RateLimited(seconds);
    if (res.statusCode !== 200) {
      const flat = Object.fromEntries(
        Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
      );
      const error = new web.WebAPIHTTPError(res.statusCode, STATUS_CODES[res.statusCode] ?? '', flat, text);
      // A 429 that says not when to retry is not retried (the WebClient gives up on it too).
      if (res.statusCode === 429) FINAL.add(error);
      throw error;
    }
    let data: webApi.WebAPICallResult;
    try {
      data = JSON.parse(text) as webApi.WebAPICallResult;
    } catch {
      data = { ok: false, error: text } as webApi.WebAPICallResult;
    }
    data.response_metadata ??= {};
    return data;
  }
}
