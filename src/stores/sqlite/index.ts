/** The embedded store: SQLite through node:sqlite, one file (or `:memory:`), the default. */
import type { StoreModule } from '../../core/ports.ts';
import { openSqliteStore } from './store.ts';

export const sqliteStore: StoreModule = {
  name: 'sqlite',
  // Anything that is not a URL of another store: a path, or `:memory:`.
  accepts: ({ location }) => location === ':memory:' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(location),
  open: ({ location }) => openSqliteStore(location),
};
