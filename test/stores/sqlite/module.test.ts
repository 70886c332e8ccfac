/** The SQLite store module as the composition sees it: which `store:` settings it takes, and opening. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/app.ts';
import { storeSetting } from '../../../src/config/store.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { modules } from '../../../src/modules.ts';
import { sqliteStore } from '../../../src/stores/sqlite/index.ts';
import { alice, tempDir, unclaim } from '../../core/requests/helpers.ts';

describe('the sqlite store module', () => {
  it.each([
    'domainops.db',
    './data/domainops.db',
    '../state/domainops.db',
    '/var/lib/domainops/domainops.db',
    'data/backup:2030-01-01.db',
    ':memory:',
  ])('accepts %s', (setting) => {
    expect(sqliteStore.accepts(storeSetting(setting))).toBe(true);
  });

  it.each([
    'postgres://domainops@db.internal:5432/domainops',
    'postgresql://localhost/domainops',
    'POSTGRES://localhost/domainops',
    'mysql://localhost/domainops',
    'redis://127.0.0.1:6379/0',
  ])('refuses %s: a URL is another store module’s', (setting) => {
    expect(sqliteStore.accepts(storeSetting(setting))).toBe(false);
  });

  it('opens a working store in a file (creating its folder) and in memory', async () => {
    const folder = tempDir();
    try {
      const file = join(folder.dir, 'nested', 'domainops.db');
      for (const setting of [file, ':memory:']) {
        const store = sqliteStore.open(storeSetting(setting), { clock: systemClock });
        const record = {
          id: 'r-module01',
          action: 'unclaim',
          target: 'webex-prod',
          call: unclaim(),
          subject: 'abc.com',
          requester: alice,
          status: 'pending' as const,
          approvals: [],
          createdAt: 1,
          updatedAt: 1,
          version: 0,
        };
        expect(await store.insert(record, [])).toMatchObject({ inserted: true, record: { version: 1 } });
        expect(await store.get('r-module01')).toMatchObject({ id: 'r-module01' });
        await store.close();
      }
      expect(existsSync(file)).toBe(true);
    } finally {
      folder.remove();
    }
  });

  it('is the module the default composition opens for a path; a URL no module knows is refused', async () => {
    expect(modules.stores.map((s) => s.name)).toEqual(['sqlite', 'postgres']);
    const store = openStore(storeSetting(':memory:'), modules, systemClock);
    expect(await store.listByStatus(['pending'])).toEqual([]);
    await store.close();
    expect(() => openStore(storeSetting('mysql://db.internal/domainops'), modules, systemClock)).toThrow(
      expect.objectContaining({
        code: 'config_invalid',
        issues: [
          {
            path: 'store',
            message: 'no store module takes "mysql://db.internal/domainops" (sqlite, postgres)',
          },
        ],
      }),
    );
  });
});
