import { type Clock, systemClock } from '../../src/core/clock.ts';
import { registerSecret } from '../../src/core/scrub.ts';

/** A bearer token and when to stop using it (ms since the epoch). */
export interface CachedToken {
  value: string;
  renewAt: number;
}

/**
 * Holds one renewable token. Concurrent callers that find it missing or due share one
 * in-flight fetch; a failed fetch is not cached, so the next caller tries again. Every token
 * handed out is (re)registered with the secret scrubber (src/core/scrub.ts), so the one in use
 * is never among the old tokens the scrubber forgets. The fetch registers it first, before
 * anything else sees it.
 */
export class TokenCache {
  readonly #fetch: () => Promise<CachedToken>;
  readonly #now: () => number;
  #token: CachedToken | undefined;
  #inflight: Promise<CachedToken> | undefined;

  /** `now` is the process clock's (real time by default): `renewAt` is compared with it. */
  constructor(fetch: () => Promise<CachedToken>, now: Clock['now'] = systemClock.now) {
    this.#fetch = fetch;
    this.#now = now;
  }

  /** A valid token, fetching one when there is none or the current one is due. */
  async get(): Promise<string> {
    const token = this.#token;
    if (token && this.#now() < token.renewAt) {
      registerSecret(token.value, { transient: true });
      return token.value;
    }
    this.#inflight ??= this.#fetch().then(
      (fresh) => {
        registerSecret(fresh.value, { transient: true });
        this.#token = fresh;
        this.#inflight = undefined;
        return fresh;
      },
      (error: unknown) => {
        this.#inflight = undefined;
        throw error;
      },
    );
    return (await this.#inflight).value;
  }

  /** Forgets `value` if it is still the current token (a 401 said it is no good). */
  drop(value: string): void {
    if (this.#token?.value === value) this.#token = undefined;
  }
}
