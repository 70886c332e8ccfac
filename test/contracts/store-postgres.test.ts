/**
 * The store contract (test/contracts/store.ts) for the PostgreSQL store module, against the
 * server named by DOMAINOPS_TEST_PG_URL: every store in a schema of its own. Without the variable
 * the PostgreSQL half is skipped, and the run says so in one line.
 */
import pg from 'pg';
import { describe, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import type { RequestStore } from '../../src/core/requests/store.ts';
import { postgresStore } from '../../src/stores/postgres/index.ts';
import { freshSchema, PG_URL, SKIPPED } from '../stores/postgres/helpers.ts';
import { storeContract } from './store.ts';
import { auditTamperContract } from './stores/audit-tamper.ts';

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

  auditTamperContract('postgres', async () => {
    const schema = freshSchema();
    const store = postgresStore.open(schema.setting, { clock: systemClock });
    await store.latestSeq();
    const raw = new pg.Client({ connectionString: PG_URL });
    await raw.connect();
    await raw.query(`SET search_path TO ${schema.name}`);
    return {
      store,
      setting: schema.url,
      sql: async (text, params = []) => {
        await raw.query(text, params);
      },
      dropTriggers: async () => {
        await raw.query('DROP TRIGGER audit_no_change ON audit; DROP TRIGGER audit_no_truncate ON audit');
      },
      async cleanup() {
        await raw.end();
        await store.close();
        await schema.drop();
      },
    };
  });
}
