import { DomainopsError } from '../../core/errors.ts';

/**
 * Why the store could not do what was asked, as a stable code. Every one has a message that says
 * what is wrong and a hint that says what to do; none names the file (the messages reach chat).
 */
export const STORE_ERRORS = {
  store_busy: {
    message: 'the store is busy (another process holds a write lock); try again',
    hint: 'if it stays busy, look for a process that keeps the store locked (a backup, an open sqlite3 shell, a stuck domainops)',
  },
  store_full: {
    message: 'the store cannot be written: the disk (or the size limit of the store) is full',
    hint: 'free space on the disk that holds the store; domainops writes again as soon as there is room',
  },
  store_read_only: {
    message: 'the store is read-only: domainops may not write the database file',
    hint: 'let the user domainops runs as write the store file and its folder (SQLite keeps -wal and -shm files beside it), on a file system mounted read-write',
  },
  store_corrupt: {
    message: 'the store file is damaged or is not a domainops database',
    hint: 'restore the store from a backup, or point store: in domainops.yaml at a new file (domainops creates it)',
  },
  store_io_error: {
    message: 'the disk reported an I/O error while domainops used the store',
    hint: 'check the disk and the system log, then restart domainops',
  },
  store_missing: {
    message:
      'the store file was deleted or replaced while domainops was running; nothing more is written to it',
    hint: 'restore the file, or restart domainops so that it opens (or creates) the file that is at that path now',
  },
  store_unavailable: {
    message: 'the store file cannot be opened',
    hint: 'point store: in domainops.yaml at a file in a folder domainops can write',
  },
} as const;

export type StoreErrorCode = keyof typeof STORE_ERRORS | 'store_schema_newer';

/** Codes of store errors that stay until someone fixes something (not a passing lock). */
const LASTING: ReadonlySet<string> = new Set([
  'store_full',
  'store_read_only',
  'store_corrupt',
  'store_io_error',
  'store_missing',
  'store_unavailable',
]);

/** SQLite's primary result codes (https://www.sqlite.org/rescode.html). */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;
/** The extended code SQLite gives when the database file was moved or deleted under it. */
const SQLITE_READONLY_DBMOVED = SQLITE_READONLY | (4 << 8);

/** The primary SQLite result code of a node:sqlite error (extended codes carry it in the low byte). */
export function sqliteCode(error: unknown): number | undefined {
  const e = error as { code?: unknown; errcode?: unknown } | null | undefined;
  if (e?.code !== 'ERR_SQLITE_ERROR' || typeof e.errcode !== 'number') return undefined;
  return e.errcode & 0xff;
}

/** SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock; trying again later may work. */
export function isBusy(error: unknown): boolean {
  const code = sqliteCode(error);
  return code === SQLITE_BUSY || code === SQLITE_LOCKED;
}

/** A store error with its stable code, message and hint. */
export function storeError(code: keyof typeof STORE_ERRORS, cause?: unknown): DomainopsError {
  const { message, hint } = STORE_ERRORS[code];
  return new DomainopsError(code, message, cause === undefined ? { hint } : { hint, cause });
}

/** The store code of a SQLite error, or undefined when it is not one SQLite reports about its file. */
function codeOf(error: unknown): keyof typeof STORE_ERRORS | undefined {
  const e = error as { code?: unknown; errcode?: unknown } | null | undefined;
  if (e?.code === 'ERR_SQLITE_ERROR' && e.errcode === SQLITE_READONLY_DBMOVED) return 'store_missing';
  switch (sqliteCode(error)) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return 'store_busy';
    case SQLITE_FULL:
      return 'store_full';
    case SQLITE_READONLY:
      return 'store_read_only';
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return 'store_corrupt';
    case SQLITE_IOERR:
      return 'store_io_error';
    case SQLITE_CANTOPEN:
      return 'store_unavailable';
    default:
      return undefined;
  }
}

/**
 * A SQLite error as the store error it means (SQLITE_FULL → `store_full`, …); anything else
 * (a DomainopsError already, a bug) unchanged.
 */
export function toStoreError(error: unknown): unknown {
  const code = codeOf(error);
  return code === undefined ? error : storeError(code, error);
}

/** Whether an error is one of the store errors above. */
export function isStoreError(error: unknown): error is DomainopsError {
  return (
    error instanceof DomainopsError && (error.code in STORE_ERRORS || error.code === 'store_schema_newer')
  );
}

/** Whether a store error stays until someone acts (a full disk), rather than passing (a lock). */
export function isLasting(error: DomainopsError): boolean {
  return LASTING.has(error.code);
}

/**
 * The error of a store that cannot be opened at `path`: the code and hint of what SQLite (or
 * the file system) said, the path and SQLite's own words in the message. Only operators see it
 * (`domainops start`, the CLI).
 */
export function openError(path: string, error: unknown): DomainopsError {
  if (error instanceof DomainopsError) return error;
  const e = error as NodeJS.ErrnoException & { errstr?: unknown };
  const code = codeOf(error) ?? 'store_unavailable';
  const reason =
    typeof e.errstr === 'string'
      ? e.errstr
      : e.syscall !== undefined && e.code !== undefined
        ? e.code
        : String(e.message ?? error);
  const { message, hint } = STORE_ERRORS[code];
  return new DomainopsError(code, `store: cannot open ${path} (${reason}): ${message}`, {
    hint,
    cause: error,
  });
}
