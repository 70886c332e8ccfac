/**
 * The `store:` setting: a string (a path, `:memory:`, a database URL, or `env:NAME` whose value
 * is one of those) or `{ url, password, lease }`. A password never stays in the location: one
 * written in the URL is moved out (and check-config warns about it), so the location can be
 * printed and logged.
 */
import { resolve } from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import { duration, secretRef } from '../core/config/fields.ts';
import type { Secret } from '../core/config/secret.ts';
import type { StoreSetting } from '../core/config/types.ts';
import { registerSecret } from '../core/scrub.ts';

/** How long a silent replica's executing request waits before it is reported unknown, by default. */
export const DEFAULT_LEASE = 60_000;

/** The store when `store:` is left out. */
export const DEFAULT_STORE = './data/domainops.db';

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;

const storeObject = z.strictObject({
  url: z.string({ error: 'expected the store URL (or env:NAME)' }).min(1),
  password: secretRef.optional(),
  lease: duration.default(DEFAULT_LEASE),
});

export type RawStore = string | z.output<typeof storeObject>;

/** The schema of `store:` (not a z.union, whose error would hide which form was meant). */
export const storeSchema = z
  .unknown()
  .transform((value, ctx): RawStore => {
    if (value === undefined) return DEFAULT_STORE;
    if (typeof value === 'string') {
      if (value.trim() === '') {
        ctx.addIssue({ code: 'custom', message: 'store is empty: write a path, a URL or env:NAME' });
        return z.NEVER;
      }
      return value;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'store is a path, a URL (postgres://…), env:NAME, or { url, password, lease }',
      });
      return z.NEVER;
    }
    const parsed = storeObject.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      return z.NEVER;
    }
    return parsed.data;
  })
  .default(DEFAULT_STORE);

/** A password that came inside a URL: revealed to the store, never shown. */
class UrlPassword {
  readonly source: string;
  readonly #value: string;
  constructor(value: string, source: string) {
    this.#value = value;
    this.source = source;
    registerSecret(value);
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[REDACTED]';
  }
  toJSON(): string {
    return '[REDACTED]';
  }
  [inspect.custom](): string {
    return `Password(${this.source})`;
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A URL with its password (and a `password=` parameter) taken out; undefined when it is not a URL. */
export function splitPassword(text: string): { url: string; password?: string } | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  let password = url.password === '' ? undefined : decoded(url.password);
  url.password = '';
  const param = url.searchParams.get('password');
  if (param !== null) {
    password ??= param;
    url.searchParams.delete('password');
  }
  return password === undefined ? { url: url.href } : { url: url.href, password };
}

export interface StoreContext {
  baseDir: string;
  env: NodeJS.ProcessEnv;
  /** Makes (and lists) a secret reference. */
  secret: (ref: string, path: string) => Secret;
  issue: (issue: { path: string; message: string }) => void;
}

/** The setting from the parsed `store:`; problems go to `issue`. */
export function buildStoreSetting(raw: RawStore, context: StoreContext): StoreSetting {
  const {
    url: written,
    password: ref,
    lease,
  } = typeof raw === 'string' ? { url: raw, password: undefined, lease: DEFAULT_LEASE } : raw;
  const at = typeof raw === 'string' ? 'store' : 'store.url';
  let text = written.trim();
  let from: string | undefined;
  const envRef = ENV_REF.exec(text);
  if (envRef) {
    const name = envRef[1]!;
    const value = context.env[name];
    if (value === undefined || value.trim() === '') {
      context.issue({
        path: at,
        message: `environment variable ${name} is not set: export it with the store's URL (or path) before starting domainops`,
      });
      return { location: DEFAULT_STORE, lease };
    }
    text = value.trim();
    from = `env ${name}`;
  }
  const setting: StoreSetting = { location: text, lease };
  if (from !== undefined) setting.from = from;

  if (URL_SCHEME.test(text)) {
    const split = splitPassword(text);
    if (split === undefined) {
      context.issue({
        path: at,
        message: 'is not a valid URL (e.g. postgres://domainops@db.corp:5432/domainops)',
      });
      return setting;
    }
    setting.location = split.url;
    if (split.password !== undefined && ref !== undefined) {
      context.issue({
        path: 'store.password',
        message: 'the URL carries a password too: keep one (store.password, and the URL without it)',
      });
    }
    if (ref !== undefined) setting.password = context.secret(ref, 'store.password');
    else if (split.password !== undefined) {
      setting.password = new UrlPassword(split.password, from ?? 'the URL in the config file');
      if (from === undefined) setting.inlinePassword = true;
    }
    return setting;
  }

  if (ref !== undefined) {
    context.issue({
      path: 'store.password',
      message: 'a password is for a database server URL (postgres://…); a store file has none',
    });
  }
  // ':memory:' keeps the store in memory (tests, throwaway runs).
  if (text !== ':memory:') setting.location = resolve(context.baseDir, text);
  return setting;
}

/** A setting for a location alone, with the default lease (tests, the playground). */
export function storeSetting(location: string, over: Partial<StoreSetting> = {}): StoreSetting {
  return { location, lease: DEFAULT_LEASE, ...over };
}
