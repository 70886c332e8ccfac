/**
 * The server store: PostgreSQL through `pg`, for several replicas of domainops sharing one
 * database (`store: postgres://…`, `postgresql://…`, or `{ url, password, lease }`).
 */
import type { StoreModule } from '../../core/ports.ts';
import { checkPostgres } from './check.ts';
import { POSTGRES_URL } from './settings.ts';
import { openPostgresStore } from './store.ts';

export const postgresStore: StoreModule = {
  name: 'postgres',
  accepts: ({ location }) => POSTGRES_URL.test(location),
  open: (setting) => openPostgresStore(setting),
  check: (setting) => checkPostgres(setting),
};
