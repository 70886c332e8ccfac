import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/stores/sqlite/store.ts';
import { tempDir } from '../../core/requests/helpers.ts';

const folder = tempDir();
afterAll(folder.remove);

describe('opening the store', () => {
  it('names the store setting, not a stack trace, when the path cannot hold a database', () => {
    const file = join(folder.dir, 'not-a-folder');
    writeFileSync(file, 'x');
    expect(() => openSqliteStore(join(file, 'domainops.db'))).toThrow(
      expect.objectContaining({
        code: 'store_unavailable',
        message: expect.stringMatching(/^store: cannot open/),
      }),
    );
    const text = join(folder.dir, 'notes.txt');
    writeFileSync(text, 'these are not SQLite pages, just some text that is long enough to be read');
    expect(() => openSqliteStore(text)).toThrow(
      expect.objectContaining({
        code: 'store_corrupt',
        message: expect.stringMatching(/^store: cannot open .*notes\.txt \(file is not a database\)/),
        hint: expect.stringMatching(/restore the store from a backup/),
      }),
    );
  });
});
