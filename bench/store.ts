/**
 * Bench 4, the store: 10,000 requests (1,000 of them pending) and 100,000 audit events, then the
 * operations behind `pending`, `approve` and `audit --limit 50`, one at a time, through the core
 * (the workflow over the store, as the chat and the CLI run them). SQLite in a file always;
 * PostgreSQL too when DOMAINOPS_BENCH_PG_URL names a database (the tables go in a schema of
 * their own, dropped afterwards).
 *
 *   node bench/store.ts [--quick] [--json out.json]
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { type App, createApp, openStore } from '../src/app.ts';
import { parseConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/types.ts';
import { systemClock } from '../src/core/clock.ts';
import type { Actor } from '../src/core/policy/actor.ts';
import type { RequestRecord } from '../src/core/requests/model.ts';
import type { AuditEvent, RequestStore } from '../src/core/requests/store.ts';
import { PENDING_PAGE } from '../src/core/requests/workflow.ts';
import { modules } from '../src/modules.ts';
import { openSqliteStore } from '../src/stores/sqlite/store.ts';
import { type BenchOptions, main } from './lib/cli.ts';
import { summarise } from './lib/load.ts';
import { check, ms, type Section } from './lib/report.ts';
import { ORG, removeWorkdir, workdir } from './lib/setup.ts';

const REQUESTS = 10_000;
const PENDING = 1_000;
const EVENTS_PER_REQUEST = 10;
/** The budget, per operation (p99). */
const BUDGET_MS = 10;

const person = (name: string): Actor => ({
  platform: 'cli',
  id: `${name}@corp.com`,
  email: `${name}@corp.com`,
});
const alice = person('alice');
const bob = person('bob');

function configFor(store: string, dir: string): Config {
  return parseConfig(
    stringify({
      store,
      targets: {
        'webex-prod': {
          vendor: 'webex',
          orgId: ORG,
          apiUrl: 'http://127.0.0.1:9/v1',
          auth: { accessToken: 'env:BENCH_TOKEN' },
        },
      },
      policy: {
        groups: { admins: ['alice@corp.com', 'bob@corp.com', 'carol@corp.com'] },
        rules: [
          { name: 'look', actions: ['pending', 'audit'], requesters: ['admins'], approval: 'none' },
          {
            name: 'changes',
            actions: ['unverify'],
            requesters: ['admins'],
            approval: { approvers: ['admins'], count: 2, expires: '1d' },
          },
        ],
      },
    }),
    join(dir, 'store.yaml'),
    { BENCH_TOKEN: 'bench-token' },
  );
}

/** Request `i` with its audit events: the first PENDING wait for approval, the others succeeded. */
function seedRequest(i: number, now: number): { record: RequestRecord; events: AuditEvent[] } {
  const pending = i < PENDING;
  const domain = `d${i}.corp.com`;
  const at = now - (REQUESTS - i) * 1000;
  const id = `r-${i.toString(32).padStart(8, '0')}`;
  const record: RequestRecord = {
    id,
    action: 'unverify',
    target: 'webex-prod',
    call: { action: 'unverify', domain, removePending: false },
    subject: domain,
    requester: alice,
    status: pending ? 'pending' : 'succeeded',
    rule: 'changes',
    approval: { approvers: ['admins'], count: 2, expiresAt: now + 86_400_000 },
    approvals: [],
    createdAt: at,
    updatedAt: at,
    version: 0,
    request: {
      method: 'POST',
      url: `https://webexapis.com/v1/identity/organizations/${ORG}/actions/unverifyDomain`,
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer [REDACTED]' },
      body: JSON.stringify({ domain, removePending: false }),
    },
    requestDigest: randomBytes(32).toString('hex'),
    ...(pending
      ? {}
      : { result: { action: 'unverify', domain, verifiedDomains: ['abc.com'], claimedDomains: [] } }),
  };
  const by = { platform: 'cli' as const, id: alice.id, email: alice.email! };
  const events: AuditEvent[] = Array.from({ length: EVENTS_PER_REQUEST }, (_, k) => ({
    at: at + k,
    requestId: id,
    actor: by,
    type: k === 0 ? 'submitted' : 'refused',
    ...(k === 0 ? { to: 'pending' as const } : {}),
    details: k === 0 ? { action: 'unverify', target: 'webex-prod', subject: domain } : { reason: 'bench' },
  }));
  return { record, events };
}

/** Inserts the requests and their events, `parallel` at a time. */
async function seed(store: RequestStore, parallel: number): Promise<void> {
  const now = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < REQUESTS) {
        const { record, events } = seedRequest(next++, now);
        const result = await store.insert(record, events);
        if (!result.inserted) throw new Error(`seed: ${record.id} was not inserted`);
      }
    }),
  );
}

/** Runs `op` `n` times one after the other (after a few dropped runs); latency percentiles. */
async function timed(n: number, op: (i: number) => Promise<unknown>): Promise<ReturnType<typeof summarise>> {
  for (let i = 0; i < 3; i++) await op(n + i);
  const durations: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await op(i);
    durations.push(performance.now() - t0);
  }
  return summarise(durations);
}

interface Backend {
  name: string;
  /** Opens the store for seeding (as fast as the backend allows). */
  openForSeeding(): RequestStore;
  seedParallel: number;
  /** Opens it as domainops does. */
  config: Config;
  cleanup(): Promise<void>;
}

async function measure(
  backend: Backend,
  options: BenchOptions,
): Promise<{ rows: string[][]; checks: ReturnType<typeof check>[]; seedMs: number }> {
  const t0 = performance.now();
  const seeding = backend.openForSeeding();
  await seed(seeding, backend.seedParallel);
  await seeding.close();
  const seedMs = performance.now() - t0;

  const store = openStore(backend.config.store, modules, systemClock);
  const app: App = createApp(backend.config, { store });
  const flow = app.workflow();
  const n = options.scale < 1 ? 20 : 200;
  const pendingIds = (await flow.pending()).map((r) => r.id);
  if (pendingIds.length !== PENDING)
    throw new Error(`${backend.name}: ${pendingIds.length} pending, expected ${PENDING}`);
  const audit = await flow.audit(50);
  if (audit.length !== 50) throw new Error(`${backend.name}: audit gave ${audit.length} events`);

  const results: [string, ReturnType<typeof summarise>][] = [];
  results.push([
    `pending (${PENDING.toLocaleString('en')} pending: the oldest ${PENDING_PAGE} and the count)`,
    await timed(n, async () => {
      const page = await flow.pendingPage();
      if (page.requests.length !== PENDING_PAGE || page.total !== PENDING)
        throw new Error(`pending: ${page.requests.length} of ${page.total}`);
    }),
  ]);
  // Diagnostic, no budget: `pending --json` still reads every one.
  const everyOne = await timed(Math.ceil(n / 4), async () => {
    const list = await flow.pending();
    if (list.length !== PENDING) throw new Error(`pending --json: ${list.length}`);
  });
  results.push([
    'approve (1 of 2 approvals)',
    await timed(n, async (i) => {
      const reply = await app.approve(pendingIds[i]!, bob);
      if (reply.status !== 'pending') throw new Error(`approve: ${reply.status}: ${reply.text}`);
    }),
  ]);
  results.push([
    'audit --limit 50',
    await timed(n, async () => {
      if ((await flow.audit(50)).length !== 50) throw new Error('audit: not 50 events');
    }),
  ]);
  await app.close();

  const rows = [
    ...results,
    [`pending --json (all ${PENDING.toLocaleString('en')}; diagnostic, no budget)`, everyOne] as const,
  ].map(([what, s]) => [backend.name, what, ms(s.p50), ms(s.p99), ms(s.max)]);
  const checks = results.map(([what, s]) =>
    check(
      `${backend.name} ${what.split(' (')[0]}`,
      `p99 ${ms(s.p99)} ms`,
      `< ${BUDGET_MS} ms`,
      s.p99 < BUDGET_MS,
    ),
  );
  return { rows, checks, seedMs };
}

export async function run(options: BenchOptions): Promise<Section> {
  const dir = workdir('store');
  const backends: Backend[] = [];
  const file = join(dir, 'store.db');
  backends.push({
    name: 'SQLite',
    // Seeding only: no fsync per transaction (the measured store opens with domainops' settings).
    openForSeeding: () => openSqliteStore(file, { setup: (db) => db.exec('PRAGMA synchronous = OFF') }),
    seedParallel: 1,
    config: configFor(file, dir),
    cleanup: async () => {},
  });
  const notes: string[] = [];
  const pgUrl = process.env.DOMAINOPS_BENCH_PG_URL;
  if (pgUrl) {
    const schema = `bench_${process.pid}_${randomBytes(3).toString('hex')}`;
    const url = new URL(pgUrl);
    url.searchParams.set('schema', schema);
    const config = configFor(url.href, dir);
    backends.push({
      name: 'PostgreSQL',
      openForSeeding: () => openStore(config.store, modules, systemClock),
      seedParallel: 5,
      config,
      cleanup: async () => {
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      },
    });
  } else {
    notes.push(
      'PostgreSQL: skipped (set DOMAINOPS_BENCH_PG_URL to a database the bench may create a schema in)',
    );
  }
  const rows: string[][] = [];
  const checks = [];
  for (const backend of backends) {
    try {
      const result = await measure(backend, options);
      rows.push(...result.rows);
      checks.push(...result.checks);
      notes.push(`${backend.name}: seeded in ${(result.seedMs / 1000).toFixed(1)} s`);
    } finally {
      await backend.cleanup();
    }
  }
  removeWorkdir(dir);
  return {
    name: 'store',
    title: '4. Store: 10,000 requests, 100,000 audit events',
    tables: [
      {
        title:
          'one operation at a time, through the core: `pending` (as chat and the CLI text read it, and `pending --json`) and `audit` as the workflow reads them, `approve` as chat and the CLI run it',
        columns: ['store', 'operation', 'p50 ms', 'p99 ms', 'max ms'],
        rows,
      },
    ],
    checks,
    notes,
  };
}

if (import.meta.main) await main(run);
