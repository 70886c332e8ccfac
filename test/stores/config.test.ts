/** The `store:` setting: a path, `:memory:`, a URL, `env:NAME`, or `{ url, password, lease }`; never a password in the location. */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/core/errors.ts';

const FILE = '/etc/domainops/domainops.yaml';
const SECRET = 'S3cret-Pa55word';

function load(store: string, env: NodeJS.ProcessEnv = {}) {
  return parseConfig(`targets: {}\n${store}`, FILE, env);
}

function issues(store: string, env: NodeJS.ProcessEnv = {}) {
  try {
    load(store, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

describe('the store: setting', () => {
  it('defaults to ./data/domainops.db beside the config, with a 60 s lease', () => {
    expect(load('').store).toEqual({ location: '/etc/domainops/data/domainops.db', lease: 60_000 });
    expect(load('store: ":memory:"\n').store).toEqual({ location: ':memory:', lease: 60_000 });
    expect(load('store: /var/lib/domainops/x.db\n').store.location).toBe('/var/lib/domainops/x.db');
  });

  it('keeps a postgres URL as written (not a path), without a password', () => {
    expect(load('store: postgres://domainops@db.corp:5432/domainops\n').store).toEqual({
      location: 'postgres://domainops@db.corp:5432/domainops',
      lease: 60_000,
    });
  });

  it('moves a password written in the URL out of the location, and marks it inline', () => {
    const { store, secrets } = load(
      `store: postgres://domainops:${SECRET}@db.corp/domainops?sslmode=require\n`,
    );
    expect(store.location).toBe('postgres://domainops@db.corp/domainops?sslmode=require');
    expect(store.inlinePassword).toBe(true);
    expect(store.password?.reveal()).toBe(SECRET);
    expect(secrets).toEqual([]);
    for (const shown of [JSON.stringify(store), String(store.password), inspect(store)])
      expect(shown).not.toContain(SECRET);
    // A `password=` parameter is a password too; percent-encoding is undone.
    const param = load('store: postgresql://domainops@db/domainops?password=p%40ss&sslmode=require\n').store;
    expect(param.location).toBe('postgresql://domainops@db/domainops?sslmode=require');
    expect(param.password?.reveal()).toBe('p@ss');
  });

  it('takes the whole URL from the environment with env:NAME; its password is not inline', () => {
    const { store } = load('store: env:DATABASE_URL\n', {
      DATABASE_URL: `postgres://domainops:${SECRET}@db.corp/domainops`,
    });
    expect(store).toMatchObject({
      location: 'postgres://domainops@db.corp/domainops',
      from: 'env DATABASE_URL',
    });
    expect(store.inlinePassword).toBeUndefined();
    expect(store.password?.source).toBe('env DATABASE_URL');
    expect(store.password?.reveal()).toBe(SECRET);
    expect(issues('store: env:DATABASE_URL\n')).toEqual([
      {
        path: 'store',
        message:
          "environment variable DATABASE_URL is not set: export it with the store's URL (or path) before starting domainops",
      },
    ]);
  });

  it('takes { url, password, lease }: the password a secret reference, the lease a duration', () => {
    const config = load(
      'store: { url: "postgres://domainops@db.corp/domainops", password: env:PGPASS, lease: 2m }\n',
      {
        PGPASS: SECRET,
      },
    );
    expect(config.store).toMatchObject({
      location: 'postgres://domainops@db.corp/domainops',
      lease: 120_000,
    });
    expect(config.store.password?.source).toBe('env PGPASS');
    expect(config.secrets.map((s) => s.path)).toEqual(['store.password']);
    expect(config.store.password?.reveal()).toBe(SECRET);
    expect(load('store: { url: "env:DB" }\n', { DB: 'postgres://db/x' }).store).toEqual({
      location: 'postgres://db/x',
      from: 'env DB',
      lease: 60_000,
    });
  });

  it.each([
    ['store: ""\n', [{ path: 'store', message: 'store is empty: write a path, a URL or env:NAME' }]],
    [
      'store: [a]\n',
      [
        {
          path: 'store',
          message: 'store is a path, a URL (postgres://…), env:NAME, or { url, password, lease }',
        },
      ],
    ],
    [
      `store: { url: "postgres://db/x", password: "${SECRET}" }\n`,
      [
        {
          path: 'store.password',
          message: 'secrets are never written inline: use env:NAME (an environment variable) or file:PATH',
        },
      ],
    ],
    [
      'store: { url: "postgres://db/x", lease: soon }\n',
      [{ path: 'store.lease', message: '"soon" is not a duration: write e.g. 500ms, 30s, 30m, 1h' }],
    ],
    [
      'store: { url: "postgres://db/x", size: 3 }\n',
      [{ path: 'store', message: expect.stringContaining('size') }],
    ],
    [
      'store: { url: ./data/x.db, password: env:P }\n',
      [
        {
          path: 'store.password',
          message: 'a password is for a database server URL (postgres://…); a store file has none',
        },
      ],
    ],
    [
      'store: { url: "postgres://u:inline@db/x", password: env:P }\n',
      [
        {
          path: 'store.password',
          message: 'the URL carries a password too: keep one (store.password, and the URL without it)',
        },
      ],
    ],
    [
      'store: "postgres://db:99999/x"\n',
      [{ path: 'store', message: 'is not a valid URL (e.g. postgres://domainops@db.corp:5432/domainops)' }],
    ],
  ])('refuses %s with a clear error', (text, expected) => {
    expect(issues(text, { P: 'x' })).toEqual(expected);
  });

  it('never shows a password in a message', () => {
    for (const issue of issues(`store: { url: "postgres://u:${SECRET}@db/x", password: env:P }\n`, {
      P: 'x',
    }))
      expect(issue.message).not.toContain(SECRET);
  });
});
