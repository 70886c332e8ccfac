/**
 * Two bot replicas as real OS processes sharing one store (a SQLite file; and PostgreSQL when
 * DOMAINOPS_TEST_PG_URL names one), Slack in HTTP mode against the local fake Slack API, the
 * Webex Identity fake as the vendor. Signed Slack deliveries go to either replica, as a load
 * balancer would send them. The tests wait on what the fakes receive and on what the processes
 * log (`changes followed` up to a seq), never for a fixed time.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { RequestStore } from '../../src/core/requests/store.ts';
import { postgresStore } from '../../src/stores/postgres/index.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { tempDir } from '../core/requests/helpers.ts';
import { type SlackCall, type SlackFake, startSlackFake } from '../fakes/slack-api.ts';
import { createGate } from '../helpers/gate.ts';
import {
  BOT_TOKEN,
  buttons,
  click,
  clickPayload,
  deliver,
  eventCallback,
  json,
  ORG,
  SIGNING_SECRET,
  slashCommand,
} from '../platforms/slack/helpers.ts';
import { freshSchema, PG_URL, SKIPPED } from '../stores/postgres/helpers.ts';
import { anyLogged, type Bot, runCli, startBot, until } from './children.ts';

const USERS = [
  { id: 'U0ALICE', name: 'alice', email: 'alice@corp.com', realName: 'Alice Admin' },
  { id: 'U0BOB', name: 'bob', email: 'bob@corp.com', realName: 'Bob Admin' },
  { id: 'U0DAVE', name: 'dave', email: 'dave@corp.com', realName: 'Dave Admin' },
];
/** The domains a test unclaims: its own for each store (the vendor fake is shared). */
const DOMAINS = ['same', 'c1', 'c2', 'c3', 'cli', 'kill', 'later'];

let webex: WebexFake;
let slack: SlackFake;
let dir: { dir: string; remove: () => void };

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: [] } } });
  slack = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
  dir = tempDir();
});

afterAll(async () => {
  await Promise.all([webex?.close(), slack?.close()]);
  dir?.remove();
});

/** Where the replicas keep their store, and a connection of the test's own to look at it. */
interface StoreUnderTest {
  name: string;
  /** Makes the domains of its tests its own: `kill` → `kill-lite.com`. */
  tag: string;
  open(): Promise<{ url: string; look: RequestStore; drop(): Promise<void> }>;
}

const STORES: StoreUnderTest[] = [
  {
    name: 'a SQLite file',
    tag: 'lite',
    async open() {
      const file = join(dir.dir, `replicas-${Math.random().toString(36).slice(2)}.db`);
      return { url: file, look: openSqliteStore(file), drop: async () => {} };
    },
  },
];
if (PG_URL !== undefined) {
  STORES.push({
    name: 'PostgreSQL',
    tag: 'pg',
    async open() {
      const schema = freshSchema();
      const look = postgresStore.open(schema.setting, { clock: systemClock });
      return {
        url: schema.url,
        look,
        drop: async () => {
          await look.close();
          await schema.drop();
        },
      };
    },
  });
} else {
  it.skip(SKIPPED, () => {});
}

/** The replicas' config: Slack in HTTP mode, one approval from an admin for unclaim. */
function writeConfig(name: string, store: string, lease: string): string {
  const file = join(dir.dir, `${name}.yaml`);
  writeFileSync(
    file,
    `
store: { url: "${store}", lease: ${lease} }
server: { host: 127.0.0.1, port: 0 }
http: { retries: 0, timeout: 10s }
targets:
  webex-prod:
    vendor: webex
    orgId: ${ORG}
    apiUrl: ${webex.apiUrl}
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups: { admins: [alice@corp.com, bob@corp.com, dave@corp.com] }
  rules:
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
chat:
  slack: { botToken: env:SLACK_BOT_TOKEN, signingSecret: env:SLACK_SIGNING_SECRET, apiUrl: ${slack.apiUrl} }
`,
  );
  return file;
}

const env = (): Record<string, string> => ({
  WEBEX_IDENTITY_TOKEN: webex.issueAccessToken(),
  SLACK_BOT_TOKEN: BOT_TOKEN,
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
});

/** Vendor calls that unclaim `domain`. */
const unclaims = (domain: string): number =>
  webex.requests.filter(
    (r) => r.method === 'POST' && /unclaimDomain$/.test(r.path) && r.body.includes(`"${domain}"`),
  ).length;

/** `slack.waitFor` with a bound for processes on a busy machine (a failing run waits this long). */
const waitFor: SlackFake['waitFor'] = (method, options = {}) =>
  slack.waitFor(method, { ms: 15_000, ...options });

/** The card a slash command posted in `channel`: its ts and the request id on its buttons. */
async function cardIn(channel: string, domain: string, from: number): Promise<{ ts: string; id: string }> {
  const posted = await waitFor('chat.postMessage', {
    from,
    match: (c) => c.args.channel === channel && String(c.args.text).includes(domain),
  });
  return { ts: String(posted.response?.ts), id: buttons(posted.args.blocks)[0]!.value };
}

/** Every bot has followed the store's changes up to now. */
async function settled(look: RequestStore, bots: Bot[]): Promise<void> {
  const seq = await look.latestSeq();
  await Promise.all(bots.map((b) => b.reached(seq)));
}

const updatesOf = (ts: string, from = 0): SlackCall[] =>
  slack.callsTo('chat.update', from).filter((c) => c.args.ts === ts);

describe.each(STORES)('two bot processes on $name', (under) => {
  let store: Awaited<ReturnType<StoreUnderTest['open']>>;
  let a: Bot;
  let b: Bot;
  const d = (name: string): string => `${name}-${under.tag}.com`;

  beforeAll(async () => {
    store = await under.open();
    const config = writeConfig(`bots-${under.name.replace(/\W/g, '')}`, store.url, '60s');
    // One after the other: the first start creates the store's tables.
    a = await startBot('replica A', config, env());
    b = await startBot('replica B', config, env());
    for (const name of DOMAINS) webex.state.orgs.get(ORG)!.claimed.add(d(name));
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await store?.drop();
  });

  it('the same signed Slack event delivered to both makes one request and one card', async () => {
    const from = slack.calls.length;
    const event = eventCallback(slack, {
      type: 'app_mention',
      user: 'U0ALICE',
      text: `<@${slack.botUserId}> unclaim ${d('same')}`,
      channel: 'C0SAME',
    });
    const delivered = await Promise.all([a, b].map((bot) => deliver(bot.url, json(event))));
    expect(delivered.map((d) => d.status)).toEqual([200, 200]);
    // One replica stored it and posted its card; the other found it stored and posted nothing.
    const card = await cardIn('C0SAME', d('same'), from);
    const redelivered = (l: Record<string, unknown>) =>
      String(l.msg).startsWith('redelivered command ignored');
    await anyLogged([a, b], redelivered, 'that it ignored a redelivered command');
    expect([...a.lines, ...b.lines].filter(redelivered)).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage', from).filter((c) => c.args.channel === 'C0SAME')).toHaveLength(
      1,
    );
    const stored = await store.look.findByDeliveryKey(`slack:event:${event.event_id}`);
    expect(stored?.id).toBe(card.id);
    expect((await store.look.listByStatus(['pending'])).filter((r) => r.subject === d('same'))).toHaveLength(
      1,
    );
  });

  it('approvals of the same requests clicked through both at once call the vendor once each', async () => {
    const channel = 'C0RACE';
    const domains = [d('c1'), d('c2'), d('c3')];
    const cards: { ts: string; id: string }[] = [];
    for (const domain of domains) {
      const from = slack.calls.length;
      await deliver(a.url, slashCommand(slack, 'U0ALICE', `unclaim ${domain}`, channel));
      cards.push(await cardIn(channel, domain, from));
    }
    // The winner's vendor call is held until every loser has answered: the approvals overlap.
    const gate = createGate();
    webex.fault({ kind: 'hold', until: gate.wait }, { path: /unclaimDomain$/, times: domains.length });
    const from = slack.calls.length;
    await Promise.all(
      cards.flatMap((card) => [
        deliver(a.url, click(clickPayload(slack, 'U0BOB', 'approve', card.id, { channel, ts: card.ts }))),
        deliver(b.url, click(clickPayload(slack, 'U0DAVE', 'approve', card.id, { channel, ts: card.ts }))),
      ]),
    );
    // Each loser is told, only them, that the request is no longer open.
    for (let at = from, n = 0; n < domains.length; n++) {
      at = slack.calls.indexOf(await waitFor('chat.postEphemeral', { from: at })) + 1;
    }
    for (const e of slack.callsTo('chat.postEphemeral', from))
      expect(JSON.stringify(e.args.blocks)).toMatch(/is no longer open: it is approved and running/);
    gate.open();
    for (const card of cards) {
      await waitFor('chat.update', {
        from,
        match: (c) => c.args.ts === card.ts && String(c.args.text).startsWith('Unclaimed'),
      });
    }
    for (const domain of domains) expect(unclaims(domain), domain).toBe(1);
    for (const card of cards) expect((await store.look.get(card.id))?.status).toBe('succeeded');
    // Each card is updated once: by the replica that answered the click, not again by the other.
    await settled(store.look, [a, b]);
    for (const card of cards) expect(updatesOf(card.ts, from)).toHaveLength(1);
  });

  it('a decision made with the command line reaches the card a bot posted', async () => {
    const channel = 'C0CLI';
    const from = slack.calls.length;
    await deliver(a.url, slashCommand(slack, 'U0ALICE', `unclaim ${d('cli')}`, channel));
    const card = await cardIn(channel, d('cli'), from);
    await until(
      async () => (await store.look.get(card.id))?.conversation !== undefined,
      'the card is stored',
    );

    const config = writeConfig(`cli-${under.name.replace(/\W/g, '')}`, store.url, '60s');
    const cli = await runCli(
      ['approve', card.id, '--as', 'bob@corp.com', '--json', '--config', config],
      env(),
    );
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ status: 'succeeded', requestId: card.id });

    // Within the poll of one replica (half a second): the card shows the outcome, with a note.
    const updated = await waitFor('chat.update', { from, match: (c) => c.args.ts === card.ts });
    expect(String(updated.args.text)).toBe(`Unclaimed ${d('cli')}`);
    const note = await waitFor('chat.postMessage', {
      from,
      match: (c) => c.args.thread_ts === card.ts,
    });
    expect(String(note.args.text)).toMatch(/^bob@corp\.com approved: /);
    await settled(store.look, [a, b]);
    expect(updatesOf(card.ts, from)).toHaveLength(1);
    expect(unclaims(d('cli'))).toBe(1);
  });
});

describe.each(STORES)('a bot process killed in the middle of a vendor call, on $name', (under) => {
  let store: Awaited<ReturnType<StoreUnderTest['open']>>;
  let a: Bot;
  let b: Bot;
  const d = (name: string): string => `${name}-${under.tag}.com`;

  beforeAll(async () => {
    store = await under.open();
    // A short lease: the other replica reports the request unknown a second after the last renewal.
    const config = writeConfig(`lease-${under.name.replace(/\W/g, '')}`, store.url, '1s');
    a = await startBot('replica A (killed)', config, env());
    b = await startBot('replica B', config, env());
    for (const name of DOMAINS) webex.state.orgs.get(ORG)!.claimed.add(d(name));
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await store?.drop();
  });

  it('the other reports it unknown once the lease ran out; nothing runs twice, nothing is lost', async () => {
    const channel = 'C0KILL';
    let from = slack.calls.length;
    await deliver(a.url, slashCommand(slack, 'U0ALICE', `unclaim ${d('kill')}`, channel));
    const card = await cardIn(channel, d('kill'), from);
    from = slack.calls.length;
    await deliver(a.url, slashCommand(slack, 'U0ALICE', `unclaim ${d('later')}`, channel));
    const later = await cardIn(channel, d('later'), from);
    await until(
      async () => (await store.look.get(card.id))?.conversation !== undefined,
      'the card is stored',
    );

    const gate = createGate();
    webex.fault({ kind: 'hold', until: gate.wait }, { path: /unclaimDomain$/ });
    from = slack.calls.length;
    await deliver(a.url, click(clickPayload(slack, 'U0BOB', 'approve', card.id, { channel, ts: card.ts })));
    await gate.reached;
    expect((await store.look.get(card.id))?.lease?.owner).toBe(a.owner);
    a.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');

    // B's lease check finds the lease run out and updates the card A posted.
    const updated = await waitFor('chat.update', { from, match: (c) => c.args.ts === card.ts });
    expect(String(updated.args.text)).toBe(`Outcome unknown: unclaim ${d('kill')} in webex-prod`);
    gate.open();
    const record = await store.look.get(card.id);
    expect(record).toMatchObject({ status: 'unknown', error: { code: 'interrupted' } });
    const events = await store.look.listAudit({ limit: 50, requestId: card.id });
    expect(events.filter((e) => e.type === 'unknown')).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ reason: 'lease_expired', owner: a.owner }),
      }),
    ]);
    await b.logged((l) => String(l.msg).includes('stopped renewing its lease'));

    // Nothing is lost: the other request is still there, and B runs it; the killed one never runs again.
    from = slack.calls.length;
    await deliver(b.url, click(clickPayload(slack, 'U0BOB', 'approve', later.id, { channel, ts: later.ts })));
    await waitFor('chat.update', {
      from,
      match: (c) => c.args.ts === later.ts && String(c.args.text).startsWith('Unclaimed'),
    });
    await deliver(b.url, click(clickPayload(slack, 'U0DAVE', 'approve', card.id, { channel, ts: card.ts })));
    const refused = await waitFor('chat.postEphemeral', {
      from,
      match: (c) => JSON.stringify(c.args.blocks).includes(card.id),
    });
    expect(JSON.stringify(refused.args.blocks)).toMatch(/its outcome is unknown/);
    expect(unclaims(d('kill'))).toBe(1);
    expect(unclaims(d('later'))).toBe(1);
    await settled(store.look, [b]);
    expect(updatesOf(card.ts)).toHaveLength(1);
  });
});
