import { describe, expect, it } from 'vitest';
import { DomainopsError } from '../../../src/core/errors.ts';
import { isBusy, openError, toStoreError } from '../../../src/stores/sqlite/errors.ts';

/** An error shaped like node:sqlite's, with SQLite's (possibly extended) result code. */
const sqlite = (errcode: number, errstr = 'sqlite says no') =>
  Object.assign(new Error(errstr), { code: 'ERR_SQLITE_ERROR', errcode, errstr });

describe('SQLite errors as store errors', () => {
  it.each([
    [5, 'store_busy'],
    [6, 'store_busy'],
    [13, 'store_full'],
    [8, 'store_read_only'],
    [8 | (1 << 8), 'store_read_only'],
    [8 | (4 << 8), 'store_missing'],
    [11, 'store_corrupt'],
    [26, 'store_corrupt'],
    [10, 'store_io_error'],
    [10 | (1 << 8), 'store_io_error'],
    [14, 'store_unavailable'],
  ])('result code %i is %s, with a hint', (errcode, code) => {
    const mapped = toStoreError(sqlite(errcode));
    expect(mapped).toBeInstanceOf(DomainopsError);
    expect(mapped).toMatchObject({ code, hint: expect.any(String) });
  });

  it('leaves other errors as they are', () => {
    const constraint = sqlite(19, 'UNIQUE constraint failed');
    expect(toStoreError(constraint)).toBe(constraint);
    const bug = new TypeError('x is undefined');
    expect(toStoreError(bug)).toBe(bug);
  });

  it('knows a lock from the rest', () => {
    expect(isBusy(sqlite(5))).toBe(true);
    expect(isBusy(sqlite(5 | (2 << 8)))).toBe(true);
    expect(isBusy(sqlite(13))).toBe(false);
    expect(isBusy(new Error('database is locked'))).toBe(false);
  });

  it('names the path and SQLite’s words when a store cannot be opened', () => {
    expect(openError('/data/domainops.db', sqlite(14, 'unable to open database file'))).toMatchObject({
      code: 'store_unavailable',
      message:
        'store: cannot open /data/domainops.db (unable to open database file): the store file cannot be opened',
      hint: 'point store: in domainops.yaml at a file in a folder domainops can write',
    });
    const eacces = Object.assign(new Error('EACCES: permission denied'), {
      code: 'EACCES',
      syscall: 'mkdir',
    });
    expect(openError('/data/domainops.db', eacces)).toMatchObject({
      code: 'store_unavailable',
      message: expect.stringMatching(/^store: cannot open \/data\/domainops\.db \(EACCES\)/),
    });
  });
});
