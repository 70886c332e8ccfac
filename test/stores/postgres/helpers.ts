/**
 * PostgreSQL for the tests: the server named by DOMAINOPS_TEST_PG_URL (`.ci/run` starts one and
 * sets it), each store in a schema of its own so that test files running in parallel never meet.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildStoreSetting } from '../../../src/config/store.ts';
import type { Secret } from '../../../src/core/config/secret.ts';
import type { StoreSetting } from '../../../src/core/config/types.ts';

/** The URL of the test database (with its password), or undefined: the PostgreSQL half is skipped. */
export const PG_URL = process.env.DOMAINOPS_TEST_PG_URL || undefined;

/** The one line a run without a database prints. */
export const SKIPPED =
  'PostgreSQL half skipped: set DOMAINOPS_TEST_PG_URL (e.g. postgres://domainops_test:…@127.0.0.1:5432/domainops_test; .ci/run starts a server and sets it) to run the store contract and the PostgreSQL tests';

/** `url` with `?name=value` set. */
export function withParam(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.href;
}

/** A schema name no other test uses. */
export function schemaName(): string {
  return `t_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** The setting for `url` as the config loader builds it (a password in the URL moved out). */
export function settingFor(url: string, over: Partial<StoreSetting> = {}): StoreSetting {
  const setting = buildStoreSetting(url, {
    baseDir: '/',
    env: process.env,
    secret: () => {
      throw new Error('no secret references here');
    },
    issue: (issue) => {
      throw new Error(`${issue.path}: ${issue.message}`);
    },
  });
  return { ...setting, ...over };
}

/** A password setting that reads `value` (as `password: env:…` would). */
export function passwordOf(value: string): Pick<Secret, 'reveal' | 'source'> {
  return { reveal: () => value, source: 'env TEST_PASSWORD' };
}

/** A fresh schema's setting, and how to drop the schema when the test is done. */
export function freshSchema(): { name: string; url: string; setting: StoreSetting; drop(): Promise<void> } {
  const name = schemaName();
  const url = withParam(PG_URL!, 'schema', name);
  return {
    name,
    url,
    setting: settingFor(url),
    drop: async () => {
      await admin(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    },
  };
}

/** Runs SQL as the test role, on its own connection. */
export async function admin<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  values: unknown[] = [],
  url = PG_URL!,
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}
