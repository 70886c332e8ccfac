/** The store contract (test/contracts/store.ts) for the SQLite store module: in memory and in a file. */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { storeSetting } from '../../src/config/store.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { RequestStore } from '../../src/core/requests/store.ts';
import { sqliteStore } from '../../src/stores/sqlite/index.ts';
import { tempDir } from '../core/requests/helpers.ts';
import { storeContract } from './store.ts';
import { auditTamperContract } from './stores/audit-tamper.ts';

storeContract('sqlite (:memory:)', async () => {
  const store = sqliteStore.open(storeSetting(':memory:'), { clock: systemClock });
  return { store, cleanup: () => store.close() };
});

storeContract('sqlite (temporary file)', async () => {
  const folder = tempDir();
  const file = join(folder.dir, 'domainops.db');
  let current: RequestStore = sqliteStore.open(storeSetting(file), { clock: systemClock });
  return {
    store: current,
    async reopen() {
      await current.close();
      current = sqliteStore.open(storeSetting(file), { clock: systemClock });
      return current;
    },
    async cleanup() {
      await current.close();
      folder.remove();
    },
  };
});

auditTamperContract('sqlite', async () => {
  const folder = tempDir();
  const file = join(folder.dir, 'domainops.db');
  const store = sqliteStore.open(storeSetting(file), { clock: systemClock });
  await store.latestSeq();
  const raw = new DatabaseSync(file);
  return {
    store,
    setting: file,
    // SQLite numbers its parameters ?1, ?2, …
    sql: async (text, params = []) => {
      raw.prepare(text.replace(/\$(\d+)/g, '?$1')).run(...(params as (string | number | null)[]));
    },
    dropTriggers: async () => raw.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete'),
    async cleanup() {
      raw.close();
      await store.close();
      folder.remove();
    },
  };
});
