/**
 * Bench 5, the parts of a command (diagnostics, no budget): what each step of a Slack command
 * and of a vendor command costs on its own, one operation at a time in this process, in CPU time
 * and in memory allocated (which the garbage collector has to clean up). The budget misses of
 * benches 1 and 2 are explained with these numbers in the README.
 *
 *   node bench/parts.ts [--quick] [--json out.json]
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { verifySlackRequest, webApi } from '@slack/bolt';
import { request } from 'undici';
import { stringify } from 'yaml';
import { createHttpClient } from '../adapters/index.ts';
import { type App, createApp } from '../src/app.ts';
import { parseConfig } from '../src/config/load.ts';
import { cardForReply } from '../src/core/cards/build.ts';
import { systemClock } from '../src/core/clock.ts';
import type { Actor } from '../src/core/policy/actor.ts';
import { requestDigest } from '../src/core/requests/digest.ts';
import type { RequestRecord } from '../src/core/requests/model.ts';
import type { AuditEvent } from '../src/core/requests/store.ts';
import { modules } from '../src/modules.ts';
import { signatureProblem } from '../src/platforms/slack/http-receiver.ts';
import { renderBlockKit } from '../src/platforms/slack/render.ts';
import { SlackWebClient } from '../src/platforms/slack/web-api.ts';
import { createLogger } from '../src/server/logger.ts';
import { openSqliteStore } from '../src/stores/sqlite/store.ts';
import { type BenchOptions, main } from './lib/cli.ts';
import { startFakes } from './lib/procs.ts';
import type { Section } from './lib/report.ts';
import {
  aimedTargets,
  BOT_TOKEN,
  issuedCredential,
  POLICY,
  removeWorkdir,
  SIGNING_SECRET,
  slashCommand,
  USERS,
  workdir,
} from './lib/setup.ts';

interface Cost {
  cpuUs: number;
  wallUs: number;
  allocKb: number;
}

/** A request as the pipeline stores it for a command that runs at once, and its two audit events. */
function storedRequest(id: string, actor: Actor): { record: RequestRecord; events: AuditEvent[] } {
  const now = Date.now();
  const record: RequestRecord = {
    id,
    action: 'domain',
    target: 'yc-sso',
    call: { action: 'domain', domain: 'corp.ru' },
    subject: 'corp.ru',
    requester: actor,
    status: 'executing',
    rule: 'bench',
    approvals: [],
    createdAt: now,
    updatedAt: now,
    version: 0,
  };
  const by = { platform: actor.platform, id: actor.id, email: actor.email ?? '' };
  return {
    record,
    events: [
      { at: now, requestId: id, actor: by, type: 'submitted', to: 'approved', details: { action: 'domain' } },
      { at: now, requestId: id, actor: by, type: 'executing', from: 'approved', to: 'executing' },
    ],
  };
}

/**
 * Runs `op` `n` times one after the other (after a warm-up): CPU and wall time per operation,
 * and the bytes allocated per operation (what the collections freed plus what stayed).
 */
async function cost(n: number, op: () => unknown): Promise<Cost> {
  for (let i = 0; i < Math.min(200, n); i++) await op();
  const profiler = new GCProfiler();
  const heap0 = getHeapStatistics().used_heap_size;
  profiler.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await op();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const collections = profiler.stop();
  const heap1 = getHeapStatistics().used_heap_size;
  let freed = 0;
  for (const gc of collections?.statistics ?? [])
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  return {
    cpuUs: (cpu.user + cpu.system) / n,
    wallUs: (wall * 1000) / n,
    allocKb: Math.max(0, freed + heap1 - heap0) / n / 1024,
  };
}

const us = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

export async function run(options: BenchOptions): Promise<Section> {
  const fakes = await startFakes();
  const dir = workdir('parts');
  const apps: App[] = [];
  const n = (count: number) => Math.max(50, Math.round(count * options.scale));
  try {
    const configFor = (store: string) =>
      parseConfig(
        stringify({ store, targets: aimedTargets(fakes.info), policy: POLICY }),
        join(dir, 'parts.yaml'),
        { ...fakes.info.env },
      );
    const app = createApp(configFor(join(dir, 'full.db')));
    apps.push(app);
    const actor: Actor = { platform: 'slack', id: 'U0ALICE', email: 'alice@corp.com' };

    const slackRows: string[][] = [];
    const add = (rows: string[][], what: string, c: Cost) =>
      rows.push([what, us(c.cpuUs), us(c.wallUs), c.allocKb.toFixed(0)]);

    // A help command in Slack, step by step.
    const delivery = slashCommand('help', USERS[0]!, `${fakes.info.slackApiUrl.replace(/api\/$/, '')}`);
    const timestamp = Number(delivery.headers['x-slack-request-timestamp']);
    add(
      slackRows,
      "signature check: Bolt's verifySlackRequest (the bare Bolt app's: an HMAC, then two more to compare)",
      await cost(n(5000), () =>
        verifySlackRequest({
          signingSecret: SIGNING_SECRET,
          body: delivery.body,
          headers: {
            'x-slack-signature': delivery.headers['x-slack-signature']!,
            'x-slack-request-timestamp': timestamp,
          },
        }),
      ),
    );
    const raw = Buffer.from(delivery.body);
    add(
      slackRows,
      "signature check: domainops' receiver (one HMAC, compared in constant time)",
      await cost(n(5000), () => {
        const problem = signatureProblem(
          SIGNING_SECRET,
          delivery.headers['x-slack-signature'],
          delivery.headers['x-slack-request-timestamp'],
          raw,
          Date.now(),
        );
        if (problem !== undefined) throw new Error(problem);
      }),
    );
    add(
      slackRows,
      'pipeline: `help` (parse, policy, reply)',
      await cost(n(4000), () => app.handle('help', actor)),
    );
    const help = await app.handle('help', actor);
    const card = cardForReply(help, { present: app.present, now: Date.now() });
    add(
      slackRows,
      'card model of the help reply (cardForReply)',
      await cost(n(4000), () => cardForReply(help, { present: app.present, now: Date.now() })),
    );
    add(
      slackRows,
      'Block Kit of the help card (renderBlockKit)',
      await cost(n(4000), () => renderBlockKit(card)),
    );
    const rendered = renderBlockKit(card);
    const client = new webApi.WebClient(BOT_TOKEN, {
      slackApiUrl: fakes.info.slackApiUrl,
      logLevel: webApi.LogLevel.ERROR,
    });
    add(
      slackRows,
      "post it: Bolt's WebClient chat.postMessage (global fetch)",
      await cost(n(1500), () =>
        client.chat.postMessage({ channel: 'C0OPS', text: rendered.text, blocks: rendered.blocks as never }),
      ),
    );
    const ours = new SlackWebClient(BOT_TOKEN, {
      slackApiUrl: fakes.info.slackApiUrl,
      logLevel: webApi.LogLevel.ERROR,
    });
    add(
      slackRows,
      "post it: domainops' Slack client (src/platforms/slack/web-api.ts: one undici request)",
      await cost(n(1500), () =>
        ours.chat.postMessage({ channel: 'C0OPS', text: rendered.text, blocks: rendered.blocks as never }),
      ),
    );
    const body = JSON.stringify({ channel: 'C0OPS', text: rendered.text, blocks: rendered.blocks });
    add(
      slackRows,
      'post it: plain undici, the same JSON',
      await cost(n(1500), async () => {
        const res = await request(`${fakes.info.slackApiUrl}chat.postMessage`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            authorization: `Bearer ${BOT_TOKEN}`,
          },
          body,
        });
        await res.body.json();
      }),
    );
    const logger = createLogger({ level: 'info', stream: createWriteStream('/dev/null') });
    add(
      slackRows,
      "the command's log line (pino, redaction, scrubbing)",
      await cost(n(5000), () =>
        logger.info(
          { who: 'alice@corp.com (slack:U0ALICE)', command: 'help', outcome: 'succeeded', ms: 3 },
          'help: succeeded',
        ),
      ),
    );

    // A vendor command that needs no approval, the vendor answering at once: the whole pipeline
    // by store setting, then its parts on their own.
    const vendorRows: string[][] = [];
    const text = 'domain corp.ru';
    const domain = async (a: App) => {
      const reply = await a.handle(text, actor);
      if (reply.status !== 'succeeded') throw new Error(`${text}: ${reply.status}: ${reply.text}`);
    };
    const stores = {
      file: (name: string) => openSqliteStore(join(dir, `parts-${name}.db`)),
      memory: (_name: string) => openSqliteStore(':memory:'),
    };
    add(
      vendorRows,
      'pipeline, SQLite file as domainops opens it (WAL, synchronous NORMAL; the commit into executing FULL)',
      await cost(n(800), () => domain(app)),
    );
    const memory = createApp(configFor(':memory:'));
    apps.push(memory);
    add(vendorRows, 'pipeline, SQLite in memory (no file)', await cost(n(800), () => domain(memory)));

    add(vendorRows, 'part: parse (grammar)', await cost(n(5000), () => modules.grammar.parse(text)));
    const config = configFor(':memory:');
    const target = config.targets['yc-sso']!;
    const vendor = modules.vendors.find((m) => m.vendor === target.vendor)!;
    const http = createHttpClient(config.http);
    const vendorClient = vendor.createClient(target, { http, clock: systemClock });
    const call = { action: 'domain', domain: 'corp.ru' };
    add(
      vendorRows,
      'part: the vendor module alone (client.execute on the shared HTTP layer)',
      await cost(n(800), () => vendorClient.execute(call)),
    );
    add(
      vendorRows,
      'part: describe the request and its digest (approval binding)',
      await cost(n(5000), () => requestDigest(vendorClient.describe(call))),
    );
    for (const [label, open, first] of [
      ['SQLite file: the insert synced (FULL)', stores.file, 'executing'],
      ['SQLite file: neither synced', stores.file, 'approved'],
      ['SQLite in memory', stores.memory, 'executing'],
    ] as const) {
      const store = open(first);
      let i = 0;
      add(
        vendorRows,
        `part: the two store writes (insert as ${first}, then succeeded), ${label}`,
        await cost(n(800), async () => {
          const { record, events } = storedRequest(`r-parts${String(i++).padStart(6, '0')}`, actor);
          const inserted = await store.insert({ ...record, status: first }, events);
          if (!inserted.inserted) throw new Error('insert: not inserted');
          const done = await store.compareAndSet(record.id, 1, { ...inserted.record, status: 'succeeded' }, [
            { ...events[0]!, type: 'succeeded', from: first, to: 'succeeded' },
          ]);
          if (done === undefined) throw new Error('compare-and-set: lost');
        }),
      );
      await store.close();
    }
    const dry = await app.handle(text, actor, { dryRun: true });
    if (dry.kind !== 'dry-run') throw new Error(`${text}: no dry run: ${dry.text}`);
    const credential = issuedCredential(fakes.info.targets[dry.target ?? ''], fakes.info.env);
    const headers = Object.fromEntries(
      Object.entries(dry.request.headers).map(([k, v]) => [k, v.replace('[REDACTED]', credential)]),
    );
    add(
      vendorRows,
      'plain undici: the same GET to the same fake',
      await cost(n(800), async () => {
        const res = await request(dry.request.url, { method: 'GET', headers });
        if (res.statusCode !== 200) throw new Error(`GET: ${res.statusCode}`);
        await res.body.json();
      }),
    );
    await http.close();
    const columns = ['step', 'CPU µs', 'wall µs', 'KB allocated'];
    return {
      name: 'parts',
      title: '5. Where the time goes: the parts of a command, one at a time (diagnostics, no budget)',
      tables: [
        { title: 'a `help` slash command, step by step', columns, rows: slackRows },
        {
          title:
            '`domain corp.ru` (no approval needed), the vendor fake answering at once: the whole pipeline by store, then its parts',
          columns,
          rows: vendorRows,
        },
      ],
      checks: [],
      notes: [
        'per operation, averaged over hundreds to thousands of runs in one process; KB allocated: what the garbage collector freed during the runs plus what the heap grew, per operation (approximate)',
      ],
    };
  } finally {
    await Promise.allSettled(apps.map((a) => a.close()));
    await fakes.stop();
    removeWorkdir(dir);
  }
}

if (import.meta.main) await main(run);
