/**
 * A second OS process for multi-process.test.ts: opens the shared SQLite file and, for each
 * request, waits at the test server's `/ready` until the other process is there too, approves,
 * and says `/done`; then prints the outcomes as one JSON line. Its vendor call is an HTTP POST
 * to the test's counting server, which holds the answer until the other process is done too.
 */
import type { VendorCall } from '../../../adapters/types.ts';
import type { Actor } from '../../../src/core/policy/actor.ts';
import { createWorkflow } from '../../../src/core/requests/workflow.ts';
import { openSqliteStore } from '../../../src/stores/sqlite/store.ts';
import { resultFor, testPolicy } from './helpers.ts';

interface Job {
  db: string;
  ids: string[];
  approver: Actor;
  url: string;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const store = openSqliteStore(job.db);
const workflow = createWorkflow({
  policy: testPolicy(1),
  store,
  execute: async (target: string, call: VendorCall) => {
    const response = await fetch(`${job.url}/`, {
      method: 'POST',
      body: JSON.stringify({ id: current, target, call, pid: process.pid }),
    });
    if (!response.ok) throw new Error(`counting server answered ${response.status}`);
    return resultFor(call);
  },
});

/** Tells the test server about request `id`; `/ready` answers once both processes are there. */
const meet = async (path: '/ready' | '/done', id: string): Promise<void> => {
  const response = await fetch(`${job.url}${path}`, { method: 'POST', body: JSON.stringify({ id }) });
  await response.text();
};

let current = '';
const outcomes = [];
for (const id of job.ids) {
  current = id;
  await meet('/ready', id);
  const outcome = await workflow.approve(id, job.approver);
  await meet('/done', id);
  outcomes.push({ id, status: outcome.status, refusal: outcome.refusal?.kind, code: outcome.error?.code });
}
await store.close();
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
