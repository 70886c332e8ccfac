/**
 * A second OS process for store-busy.test.ts: writes to a store file that the test holds locked,
 * with the store's own (real) waits between attempts and a short retry budget, and prints what
 * came of it: `stored`, or the store error's code.
 */
import { openSqliteStore } from '../../../src/stores/sqlite/store.ts';

const file = process.argv[2] ?? '';
const store = openSqliteStore(file, { retryBudget: 50 });
try {
  await store.appendAudit([
    { at: 1, requestId: 'r-child001', actor: { platform: 'cli', id: 'carol@corp.com' }, type: 'refused' },
  ]);
  process.stdout.write('stored\n');
} catch (error) {
  process.stdout.write(`${(error as { code?: string }).code ?? String(error)}\n`);
}
await store.close();
