/**
 * The store contract (test/contracts/store.ts) for the PostgreSQL store module, against the
 * server named by DOMAINOPS_TEST_PG_URL: every store in a schema of its own. Without the variable
 * the PostgreSQL half is skipped, and the run says so in one line.
 */
import { describe, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import type { RequestStore } from '../../src/core/requests/store.ts';
import { postgresStore } from '../../src/stores/postgres/index.ts';
import { freshSchema, PG_URL, SKIPPED } from '../stores/postgres/helpers.ts';
import { storeContract } from './store.ts';

if (PG_URL === undefined) {
  console.log(SKIPPED);
  describe.skip('store contract: postgres', () => {
    it('runs against DOMAINOPS_TEST_PG_URL', () => {});
  });
} else {
  storeContract(
    'postgres (a schema of its own)',
    async () => {
      const schema = freshSchema();
      let current: RequestStore = postgresStore.open(schema.setting, { clock: systemClock });
      return {
        store: current,
        async reopen() {
          await current.close();
          current = postgresStore.open(schema.setting, { clock: systemClock });
          return current;
        },
        async cleanup() {
          await current.close();
          await schema.drop();
        },
      };
    },
    // Each run is a schema of its own, created and dropped: fewer runs than in memory.
    { propertyRuns: 20 },
  );
}
