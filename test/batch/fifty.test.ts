/**
 * A batch of 50 domains through the whole pipeline (`domainops exec` then `approve`, as the
 * command line runs them) against the Webex module's fake: one request, one approval, 50 vendor
 * calls four at a time; five domains are not claimed and fail; one 429 with Retry-After pauses
 * every item's request (the clock is the test's, so "paused" means: nothing was sent until the
 * clock moved). Checked: each item's outcome, `result.items` and `requests` in the JSON
 * document, the batch's status and exit code, one progress line per item on stderr, progress
 * stored at most once a second of the clock, and the cards within Block Kit and Adaptive Card
 * limits at 50 items.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../adapters/index.ts';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { createApp } from '../../src/app.ts';
import type { Config } from '../../src/core/config/types.ts';
import type { RequestRecord } from '../../src/core/requests/model.ts';
import type { RequestStore } from '../../src/core/requests/store.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { assertAdaptiveCard, assertBlockKitLimits } from '../cards/limits.ts';
import { cli, writeConfig } from '../cli/helpers.ts';
import { createTestClock } from '../helpers/clock.ts';
import { createGate } from '../helpers/gate.ts';

const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const TOKEN = 'wx-token-for-the-batch-test';
const DOMAINS = Array.from({ length: 50 }, (_, i) => `d${String(i).padStart(2, '0')}.corp.com`);
/** Not claimed: Webex answers 400 to their unclaim. */
const UNCLAIMED = new Set(['d07.corp.com', 'd19.corp.com', 'd23.corp.com', 'd31.corp.com', 'd44.corp.com']);
const UNCLAIM_PATH = /\/actions\/unclaimDomain$/;

// biome-ignore lint/suspicious/noExplicitAny: the JSON document is checked field by field below
type Doc = Record<string, any>;

let fake: WebexFake;
let configFile: string;

beforeAll(async () => {
  fake = await startWebexFake({ orgs: { [ORG]: { claimed: DOMAINS.filter((d) => !UNCLAIMED.has(d)) } } });
  fake.state.accessTokens.add(TOKEN);
  configFile = writeConfig(`
store: ./data/domainops.db
http: { connectTimeout: 2s, timeout: 10s, retries: 2, maxRetryAfter: 5s }
batch: { concurrency: 4, max: 50 }
targets:
  webex-prod:
    vendor: webex
    orgId: ${ORG}
    apiUrl: ${fake.apiUrl}
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com]
  rules:
    - name: domain changes
      actions: [unclaim]
      domains: ["*.corp.com"]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
`);
});

afterAll(async () => {
  await fake?.close();
});

/** Every write to a request, as stored (to count the progress changes). */
function recording(store: RequestStore, writes: RequestRecord[]): RequestStore {
  const wrapped = Object.create(store) as RequestStore;
  wrapped.compareAndSet = async (id, version, next, events) => {
    const stored = await store.compareAndSet(id, version, next, events);
    if (stored) writes.push(stored);
    return stored;
  };
  return wrapped;
}

describe('a batch of 50 domains', () => {
  it('runs once per item, slows every item on one 429, keeps each outcome, and shows them within the card limits', async () => {
    const clock = createTestClock();
    /** The waits of the vendor HTTP layer (Retry-After), apart from the workflow's own. */
    const httpWaits: number[] = [];
    const writes: RequestRecord[] = [];
    const env = { WEBEX_IDENTITY_TOKEN: TOKEN };
    const createAppFor = (config: Config) =>
      createApp(config, {
        clock,
        commandStyle: 'cli',
        store: recording(openSqliteStore(config.store.location), writes),
        http: createHttpClient(config.http, {
          now: clock.now,
          sleep: (ms, signal) => {
            httpWaits.push(ms);
            return clock.sleep(ms, signal);
          },
        }),
      });
    const run = (argv: string[]) =>
      cli([...argv, '--config', configFile, '--json'], env, { createApp: createAppFor });

    // One request, waiting for one approval; the card lists the items, the document every request.
    const asked = await run(['exec', '--as', 'alice@corp.com', `unclaim ${DOMAINS.join(' ')} in webex-prod`]);
    expect(asked.code, asked.stderr).toBe(0);
    const pending = JSON.parse(asked.stdout) as Doc;
    expect(pending.status).toBe('pending');
    expect(pending.requests).toHaveLength(50);
    expect(pending.request).toEqual(pending.requests[0]);
    expect(pending.requests.map((r: Doc) => JSON.parse(r.body).domain)).toEqual(DOMAINS);
    expect(pending.result).toBeUndefined();
    assertBlockKitLimits(pending.cards.slack.blocks);
    assertAdaptiveCard(pending.cards.webex);
    const approvalCard = JSON.stringify(pending.cards);
    expect(approvalCard).toContain('Approval needed: UNCLAIM 50 domains');
    expect(approvalCard).toContain('Domains (50)');
    expect(approvalCard).toContain('and 10 more');
    expect(fake.requests.filter((r) => UNCLAIM_PATH.test(r.path))).toHaveLength(0);

    // The first unclaim is answered 429 (Retry-After: 1); the next three are held until the test
    // has seen the 429 taken in, so that what follows them is decided by the pause alone.
    const held = createGate();
    fake.fault({ kind: 'status', status: 429, retryAfter: '1' }, { path: UNCLAIM_PATH });
    fake.fault({ kind: 'hold', until: () => held.wait() }, { path: UNCLAIM_PATH, times: 3 });

    const approving = run(['approve', pending.requestId, '--as', 'bob@corp.com']);
    const unclaims = () => fake.requests.filter((r) => UNCLAIM_PATH.test(r.path));
    await held.reached;
    await until(() => httpWaits.length === 1);
    // The 429 asked for a second: the item that got it waits, and so does the vendor.
    expect(httpWaits).toEqual([1000]);
    held.open();
    // The three held items finish; the next three wait for the rest of the second before sending.
    await until(() => httpWaits.length === 4);
    expect(httpWaits).toEqual([1000, 1000, 1000, 1000]);
    expect(unclaims()).toHaveLength(4);
    await clock.advance(999);
    expect(unclaims()).toHaveLength(4);
    await clock.advance(1);
    const done = await approving;
    expect(done.code, done.stderr).toBe(4);
    const doc = JSON.parse(done.stdout) as Doc;

    // Every domain was sent once, and the one answered 429 once more (its retry).
    const sent = unclaims().map((r) => (JSON.parse(r.body) as { domain: string }).domain);
    expect(sent).toHaveLength(51);
    expect(new Set(sent)).toEqual(new Set(DOMAINS));
    expect(httpWaits).toEqual([1000, 1000, 1000, 1000]);

    // The outcome: failed (five items failed), each item's outcome in `result.items`, in order.
    expect(doc.status).toBe('failed');
    expect(doc.error.code).toBe('batch_failed');
    expect(doc.error.message).toBe(`batch ${pending.requestId}: 45 of 50 succeeded, 5 failed`);
    const rest = `unclaim ${[...UNCLAIMED].join(' ')} in webex-prod`;
    expect(doc.error.hint).toBe(`to run the rest again: \`${rest}\``);
    expect(doc.result.items.map((i: Doc) => i.subject)).toEqual(DOMAINS);
    for (const item of doc.result.items as Doc[]) {
      if (UNCLAIMED.has(item.subject)) {
        expect(item.status, item.subject).toBe('failed');
        expect(item.error).toMatchObject({ code: 'vendor_bad_request', status: 400, vendor: 'webex' });
        expect(item.result).toBeUndefined();
      } else {
        expect(item.status, item.subject).toBe('succeeded');
        expect(item.result).toMatchObject({ action: 'unclaim', domain: item.subject });
        expect(item.error).toBeUndefined();
      }
    }
    expect([...fake.state.orgs.get(ORG)!.claimed]).toEqual([]);

    // One progress line per item on stderr, the last with the totals.
    const progress = done.stderr.split('\n').filter((l) => /^\d+\/50 done: /.test(l));
    expect(progress).toHaveLength(50);
    expect(progress.map((l) => Number(l.split('/')[0]))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(progress.at(-1)).toBe('50/50 done: 45 succeeded, 5 failed');

    // Progress stored while it ran: at most once a second of the clock (one second passed), then the end.
    const ofBatch = writes.filter((w) => w.id === pending.requestId && w.progress !== undefined);
    const changes = ofBatch.filter((w, i) => i === 0 || w.progress!.seq !== ofBatch[i - 1]!.progress!.seq);
    const whileRunning = changes.filter((w) => w.status === 'executing');
    expect(whileRunning.length).toBeGreaterThanOrEqual(1);
    expect(whileRunning.length).toBeLessThanOrEqual(2);
    for (let i = 1; i < whileRunning.length; i++) {
      expect(whileRunning[i]!.progress!.at - whileRunning[i - 1]!.progress!.at).toBeGreaterThanOrEqual(1000);
    }
    expect(changes.at(-1)).toMatchObject({
      status: 'failed',
      progress: { items: { total: 50, done: 50, succeeded: 45, failed: 5 } },
    });

    // The outcome card: counts, the failed items with their error, the rerun command; within limits.
    assertBlockKitLimits(doc.cards.slack.blocks);
    assertAdaptiveCard(doc.cards.webex);
    const card = JSON.stringify(doc.cards);
    expect(card).toContain('Not all done: unclaim 50 domains in webex-prod');
    expect(card).toContain('50/50 done: 45 succeeded, 5 failed');
    expect(card).toContain('Failed (5)');
    expect(card).toContain('d07.corp.com: vendor_bad_request (HTTP 400)');
    expect(card).toContain('Succeeded (45)');
    expect(card).toContain(rest);
  });
});

/** Waits until `check` holds, one turn of the event loop at a time (no timers). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
}
