/**
 * From the `store:` setting to what `pg` connects with: the URL (never with its password), the
 * password, the schema, the timeouts and the pool size, and the names messages use.
 */
import { userInfo } from 'node:os';
import type { PoolConfig } from 'pg';
import type { StoreSetting } from '../../core/config/types.ts';
import { ConfigError } from '../../core/errors.ts';

/** The URL schemes this module takes. */
export const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

/** A schema name domainops accepts: lower case, so that it needs no quoting anywhere. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresTuning {
  /**
   * Connections per replica (default 5). A bot's work is a few short statements per chat
   * command and no transaction spans a vendor call, so a handful serves many commands at once;
   * two or three replicas then stay far below PostgreSQL's default of 100 connections.
   */
  poolSize?: number;
  /** The longest a statement may run before the server cancels it (default 5 s). */
  statementTimeout?: number;
  /** The longest a connection attempt may take (default 5 s). */
  connectTimeout?: number;
}

export const TUNING: Required<PostgresTuning> = { poolSize: 5, statementTimeout: 5000, connectTimeout: 5000 };

/** Where the store is, for messages (no password, ever). */
export interface PostgresPlace {
  /** `db.corp:5432`, or the socket folder. */
  server: string;
  database: string;
  user: string;
  /** The schema the tables live in (`?schema=`); undefined: the role's default (usually public). */
  schema?: string;
}

export interface PostgresConnection {
  place: PostgresPlace;
  pool: PoolConfig;
  /** Where the password comes from, for check-config: `env PGPASS`, `PGPASSWORD`, … */
  passwordSource: string;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The connection for a setting. `?schema=NAME` in the URL puts the tables in that schema
 * (created if missing): several installations, or tests, can share one database.
 */
export function postgresConnection(
  setting: StoreSetting,
  tuning: PostgresTuning = {},
  env: NodeJS.ProcessEnv = process.env,
): PostgresConnection {
  const { poolSize, statementTimeout, connectTimeout } = { ...TUNING, ...tuning };
  const url = new URL(setting.location);
  const schema = url.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new ConfigError([
      {
        path: 'store',
        message: `?schema=${schema} is not a schema name domainops uses: lower-case letters, digits and _ (at most 63)`,
      },
    ]);
  }
  url.searchParams.delete('schema');
  // The role's own `options` (if any) and the schema's search path, sent when connecting.
  const options = [url.searchParams.get('options'), schema ? `-c search_path=${schema}` : undefined]
    .filter(Boolean)
    .join(' ');
  url.searchParams.delete('options');

  const socket = url.searchParams.get('host');
  const host = decoded(url.hostname) || socket || env.PGHOST || 'localhost';
  const user = decoded(url.username) || env.PGUSER || userInfo().username;
  const place: PostgresPlace = {
    server: host.startsWith('/')
      ? host
      : `${host.includes(':') ? `[${host}]` : host}:${url.port || env.PGPORT || 5432}`,
    database: decoded(url.pathname.replace(/^\//, '')) || env.PGDATABASE || user,
    user,
  };
  if (schema !== undefined) place.schema = schema;

  // `pg` takes the password from the connection string when it has one (an explicit `password`
  // beside a connection string is overridden), so it goes back in here, for `pg` alone: this
  // config is never printed or logged.
  const password = setting.password?.reveal();
  if (password !== undefined) url.password = encodeURIComponent(password);
  const pool: PoolConfig = {
    connectionString: url.href,
    max: poolSize,
    connectionTimeoutMillis: connectTimeout,
    idleTimeoutMillis: 30_000,
    // The server cancels a statement that runs too long (a lock held by a stuck session); the
    // client gives up a little later if the server does not answer at all (a lost network).
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + 5000,
    // A session that opened a transaction and went silent must not hold row locks for long.
    idle_in_transaction_session_timeout: 60_000,
    application_name: 'domainops',
    keepAlive: true,
  };
  if (options !== '') pool.options = options;
  const passwordSource =
    setting.password?.source ??
    (env.PGPASSWORD ? 'env PGPASSWORD' : 'none given (the server may not ask, or ~/.pgpass has it)');
  return { place, pool, passwordSource };
}
