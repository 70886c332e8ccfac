/**
 * PostgreSQL errors as the store errors every store module reports (`store_unavailable`,
 * `store_busy`, `store_full`, …), each with a message that says what is wrong and a hint that
 * says what to do. The messages reach chat, so they name no host, database or role and never a
 * password; `check-config` and the start-up log add where (see `describe`).
 *
 * SQLSTATE codes: https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
import { DomainopsError } from '../../core/errors.ts';

type Code =
  | 'store_unavailable'
  | 'store_busy'
  | 'store_full'
  | 'store_read_only'
  | 'store_corrupt'
  | 'store_io_error'
  | 'store_missing';

interface Known {
  code: Code;
  message: string;
  hint: string;
}

const PASSWORD_HINT =
  'give the role its password through store.password (env:NAME or file:PATH), PGPASSWORD, or the URL in the environment (store: env:DATABASE_URL); domainops never prints it';

/** What a store error of each kind says when nothing more specific is known. */
export const POSTGRES_ERRORS: Record<string, Known> = {
  refused: {
    code: 'store_unavailable',
    message: 'the database server refused the connection: nothing listens at the host and port of store:',
    hint: 'start PostgreSQL, or correct the host and port in store:',
  },
  unknown_host: {
    code: 'store_unavailable',
    message: 'the host name of the database server in store: is not known (DNS)',
    hint: 'correct the host in store:, or check DNS on this machine',
  },
  timeout: {
    code: 'store_unavailable',
    message: 'the database server did not answer in time',
    hint: 'check that PostgreSQL runs and that the network and firewalls let this host reach it',
  },
  lost: {
    code: 'store_unavailable',
    message: 'the connection to the database server was lost and could not be made again',
    hint: 'check that PostgreSQL runs and can be reached; domainops reconnects by itself',
  },
  password: {
    code: 'store_unavailable',
    message: 'the database server refused the password of the store’s role',
    hint: PASSWORD_HINT,
  },
  role: {
    code: 'store_unavailable',
    message: 'the database server refused the store’s role',
    hint: 'create the role (CREATE ROLE … LOGIN), or let it connect from this host in pg_hba.conf',
  },
  database: {
    code: 'store_unavailable',
    message: 'the database named in store: does not exist',
    hint: 'create it (createdb -O <role> <database>), or correct the database name in store:',
  },
  privilege: {
    code: 'store_unavailable',
    message: 'the store’s role lacks a privilege domainops needs',
    hint: 'let the role connect and use the schema: GRANT CONNECT ON DATABASE, GRANT USAGE, CREATE ON SCHEMA (or make it the schema’s owner); see README, "Several replicas (PostgreSQL)"',
  },
  tls: {
    code: 'store_unavailable',
    message: 'the TLS settings of store: and the database server do not match',
    hint: 'set ?sslmode= in the URL to what the server offers (require, or disable on a trusted network)',
  },
  no_schema: {
    code: 'store_unavailable',
    message: 'there is no schema to keep the tables in: none of the role’s search_path exists',
    hint: 'name one with ?schema=NAME in the URL (domainops creates it), or create the schema',
  },
  gone: {
    code: 'store_missing',
    message: 'the domainops tables are gone from the database (dropped while domainops was running)',
    hint: 'restore the database from a backup, or restart domainops so that it creates the tables again',
  },
  read_only: {
    code: 'store_read_only',
    message: 'the database server takes no writes (a standby, or default_transaction_read_only)',
    hint: 'point store: at the primary server',
  },
  full: {
    code: 'store_full',
    message: 'the database server’s disk is full',
    hint: 'free space on the database server; domainops writes again as soon as there is room',
  },
  busy: {
    code: 'store_busy',
    message:
      'the database server is busy (too many connections, a lock held too long, or a statement over the statement timeout); try again',
    hint: 'if it stays busy, look for sessions that hold locks (pg_stat_activity) or raise max_connections',
  },
  starting: {
    code: 'store_busy',
    message: 'the database server is starting up or shutting down; try again',
    hint: 'wait for PostgreSQL to accept connections',
  },
  corrupt: {
    code: 'store_corrupt',
    message: 'the database server reports damaged data',
    hint: 'restore the database from a backup',
  },
  io: {
    code: 'store_io_error',
    message: 'the database server reported an I/O error',
    hint: 'check the database server’s disk and log',
  },
  server: {
    code: 'store_unavailable',
    message: 'the database server refused an operation',
    hint: 'see the PostgreSQL log of the database server',
  },
};

/** Node's and `pg`'s own words for a connection that was lost or never made. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout expired',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

/** The network error code of an error (an AggregateError of several addresses carries it on each). */
function netCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; errors?: unknown[] } | null | undefined;
  if (typeof e?.code === 'string' && /^E[A-Z_]+$/.test(e.code)) return e.code;
  if (Array.isArray(e?.errors)) {
    for (const inner of e.errors) {
      const code = netCode(inner);
      if (code !== undefined) return code;
    }
  }
  return undefined;
}

/** The SQLSTATE of a server error (five characters), if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Which entry of POSTGRES_ERRORS an error is; undefined for a bug (not a store condition). */
export function kindOf(error: unknown): keyof typeof POSTGRES_ERRORS | undefined {
  const net = netCode(error);
  if (net === 'ECONNREFUSED' || net === 'ENOENT') return 'refused';
  if (net === 'ENOTFOUND' || net === 'EAI_AGAIN') return 'unknown_host';
  if (net === 'ETIMEDOUT') return 'timeout';
  if (net !== undefined) return 'lost';
  const state = sqlState(error);
  if (state === undefined) {
    const message = error instanceof Error ? error.message : '';
    if (message.includes('timeout')) return 'timeout';
    if (CONNECTION_MESSAGES.some((m) => message.startsWith(m))) return 'lost';
    if (/\bSSL\b|\bTLS\b|certificate/i.test(message)) return 'tls';
    return undefined;
  }
  if (state === '28P01') return 'password';
  if (state === '28000') return 'role';
  if (state === '3D000') return 'database';
  if (state === '42501') return 'privilege';
  if (state === '3F000') return 'no_schema';
  if (state === '42P01') return 'gone';
  if (state === '25006') return 'read_only';
  if (state === '53100') return 'full';
  if (state === '57P03') return 'starting';
  if (state === '57P01' || state === '57P02' || state.startsWith('08')) return 'lost';
  if (
    state.startsWith('53') ||
    state === '57014' ||
    state === '55P03' ||
    state === '40001' ||
    state === '40P01'
  )
    return 'busy';
  if (state === 'XX001' || state === 'XX002') return 'corrupt';
  if (state === '58030') return 'io';
  return 'server';
}

/**
 * Whether trying again may work: a connection lost or not made yet, a server starting up, too
 * many connections, a serialization failure or deadlock (the transaction was rolled back).
 * A wrong password or a missing database stays wrong: those fail at once.
 */
export function isTransient(error: unknown): boolean {
  const kind = kindOf(error);
  const state = sqlState(error);
  if (
    kind === 'refused' ||
    kind === 'lost' ||
    kind === 'timeout' ||
    kind === 'unknown_host' ||
    kind === 'starting'
  )
    return true;
  return state === '53300' || state === '40001' || state === '40P01';
}

/** Whether the connection an error came from is broken (it must not go back to the pool). */
export function isConnectionError(error: unknown): boolean {
  const kind = kindOf(error);
  return kind === 'lost' || kind === 'timeout' || kind === 'refused';
}

/**
 * The store error for a PostgreSQL (or network) error: the code and hint of its kind, and the
 * server's own words where they help (`permission denied for table requests`); anything else
 * (a DomainopsError already, a bug) unchanged.
 */
export function toStoreError(error: unknown, kind = kindOf(error)): unknown {
  if (error instanceof DomainopsError || kind === undefined) return error;
  const known = POSTGRES_ERRORS[kind]!;
  const state = sqlState(error);
  const said = state !== undefined && ['privilege', 'role', 'server', 'busy', 'tls'].includes(kind);
  const message = said ? `${known.message} (${(error as Error).message})` : known.message;
  return new DomainopsError(known.code, message, { hint: known.hint, cause: error });
}

/** A store error of one kind, with its own message and hint. */
export function postgresError(kind: keyof typeof POSTGRES_ERRORS, cause?: unknown): DomainopsError {
  const { code, message, hint } = POSTGRES_ERRORS[kind]!;
  return new DomainopsError(code, message, cause === undefined ? { hint } : { hint, cause });
}

/** Store errors that stay until someone acts, so `health()` checks again at once after one. */
export function isStoreFault(error: unknown): error is DomainopsError {
  return error instanceof DomainopsError && error.code.startsWith('store_');
}
