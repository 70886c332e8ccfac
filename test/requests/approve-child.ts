/**
 * A second OS process for multi-process.test.ts: opens the shared SQLite file, waits for the
 * common start time, approves each request and prints the outcomes as one JSON line. Its
 * vendor call is an HTTP POST to the test's counting server.
 */
import type { VendorCall } from '../../adapters/types.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { createWorkflow } from '../../src/core/requests/workflow.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { resultFor, testPolicy } from './helpers.ts';

interface Job {
  db: string;
  ids: string[];
  approver: Actor;
  startAt: number;
  gap: number;
  url: string;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const store = openSqliteStore(job.db);
const workflow = createWorkflow({
  policy: testPolicy(1),
  store,
  execute: async (target: string, call: VendorCall) => {
    const response = await fetch(job.url, {
      method: 'POST',
      body: JSON.stringify({ target, call, pid: process.pid }),
    });
    if (!response.ok) throw new Error(`counting server answered ${response.status}`);
    return resultFor(call);
  },
});

const outcomes = [];
for (const [i, id] of job.ids.entries()) {
  const at = job.startAt + i * job.gap;
  if (at - Date.now() > 20) await new Promise((r) => setTimeout(r, at - Date.now() - 20));
  while (Date.now() < at) {
    // spin for the last milliseconds so both processes leave the barrier together
  }
  const outcome = await workflow.approve(id, job.approver);
  outcomes.push({ id, status: outcome.status, refusal: outcome.refusal?.kind, code: outcome.error?.code });
}
await store.close();
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
