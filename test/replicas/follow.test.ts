/**
 * The change feed and card claims: processes sharing one SQLite file (three apps, each with its
 * own connection and owner, stand for two bot replicas and the command line) learn of every
 * change another made, and each change is told to the platforms once, by one process. The
 * followers poll in real time (other processes do not share a test's clock); the tests wait on
 * what the platforms are told and on the followers' position, never for a fixed time.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { type App, createApp } from '../../src/app.ts';
import {
  type ChatService,
  createChatService,
  type Following,
  type RequestUpdate,
} from '../../src/core/chat.ts';
import type { Platform } from '../../src/core/platform.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { createFollower } from '../../src/core/requests/replicas.ts';
import type { AuditEvent, RequestStore } from '../../src/core/requests/store.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { tempDir } from '../core/requests/helpers.ts';
import { capturedLogger, ORG, webexConfig } from '../server/helpers.ts';

const TOKEN = 'wx-identity-token-for-follow';
const alice: Actor = { platform: 'slack', id: 'U0ALICE', email: 'alice@corp.com' };
const bobOnWebex: Actor = { platform: 'webex', id: 'P-BOB', email: 'bob@corp.com' };
const bobOnCli: Actor = { platform: 'cli', id: 'bob@corp.com', email: 'bob@corp.com' };
const CARD = { platform: 'slack', channel: 'C0OPS', ts: '1700000000.000001' };

let webex: WebexFake;
let dir: { dir: string; remove: () => void };
let skew = 0;
const now = () => Date.now() + skew;

/** What one process's platforms were told. */
interface Told {
  name: string;
  update: RequestUpdate;
}

interface Proc {
  app: App;
  chat: ChatService;
  told: Told[];
  following?: Following;
}
const procs: Proc[] = [];
const told: Told[] = [];
let waiters: (() => void)[] = [];

function spy(name: string, into: Told[]): Platform {
  return {
    name,
    routes: [],
    start: async () => undefined,
    stop: async () => undefined,
    ready: () => true,
    notify: async (update) => {
      const entry = { name, update };
      into.push(entry);
      told.push(entry);
      for (const w of waiters.splice(0)) w();
    },
  };
}

/** Resolves once the platforms (of any process) were told something `match` accepts. */
async function toldWhen(match: (t: Told) => boolean): Promise<Told> {
  for (;;) {
    const found = told.find(match);
    if (found) return found;
    await new Promise<void>((resolve) => waiters.push(resolve));
  }
}

/** A process over the shared file: its own connection and owner; a bot (following) or the CLI. */
function proc(kind: 'bot' | 'cli'): Proc {
  const store = openSqliteStore(join(dir.dir, 'domainops.db'));
  const app = createApp(webexConfig(webex.apiUrl, TOKEN), {
    store,
    now,
    ...(kind === 'cli' ? { commandStyle: 'cli' as const } : {}),
  });
  const chat = createChatService(app, { logger: capturedLogger().logger });
  const p: Proc = { app, chat, told: [] };
  if (kind === 'bot') {
    chat.attach([spy('slack', p.told), spy('webex', p.told)]);
    p.following = chat.follow({ interval: 10 });
  }
  procs.push(p);
  return p;
}

/** A connection of the test's own to the shared file, to look at it. */
let look: RequestStore;

/** Every follower has read (and told) every change stored so far. */
async function settled(): Promise<void> {
  const seq = await look.latestSeq();
  await Promise.all(procs.flatMap((p) => (p.following ? [p.following.reached(seq)] : [])));
}

/** What the platforms of every process were told about request `id`: [process, platform, status]. */
const toldAbout = (id: string): [number, string, string][] =>
  procs.flatMap((p, i) =>
    p.told
      .filter((t) => t.update.result.reply.requestId === id)
      .map((t): [number, string, string] => [i, t.name, t.update.result.reply.status]),
  );

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['one.com', 'two.com', 'three.com'] } } });
  webex.state.accessTokens.add(TOKEN);
  dir = tempDir();
  look = openSqliteStore(join(dir.dir, 'domainops.db'));
});

afterEach(async () => {
  for (const p of procs.splice(0)) {
    await p.following?.stop();
    await p.app.close();
  }
  told.length = 0;
  waiters = [];
});

afterAll(async () => {
  await look?.close();
  await webex?.close();
  dir?.remove();
});

/** A pending request typed by alice on Slack, its card posted there. */
async function ask(p: Proc, domain: string): Promise<string> {
  const asked = await p.chat.message({ text: `unclaim ${domain}`, actor: alice });
  const id = asked!.reply.requestId!;
  await p.app.workflow().setConversation(id, CARD);
  return id;
}

describe('following the changes of other processes', () => {
  it('a decision made with the command line reaches the card, told by one of two bots', async () => {
    const a = proc('bot');
    proc('bot');
    const cli = proc('cli');
    const id = await ask(a, 'one.com');
    const approved = await cli.app.approve(id, bobOnCli);
    expect(approved.status).toBe('succeeded');

    const update = await toldWhen((t) => t.name === 'slack' && t.update.result.reply.requestId === id);
    expect(update.update.result.reply).toMatchObject({ status: 'succeeded', decision: 'approve' });
    expect(update.update.by).toEqual(bobOnCli);
    await settled();
    // Once: one bot told each of its platforms, the other bot nothing.
    const about = toldAbout(id);
    expect(about.map(([, name, status]) => [name, status]).sort()).toEqual([
      ['slack', 'succeeded'],
      ['webex', 'succeeded'],
    ]);
    expect(new Set(about.map(([i]) => i)).size).toBe(1);
  });

  it('a change made here is told here, once, and never again by a follower', async () => {
    const a = proc('bot');
    proc('bot');
    const id = await ask(a, 'two.com');
    // Bob approves in Webex through A: Webex answers him itself, Slack (the card) is told.
    const decided = await a.chat.decide({ decision: 'approve', requestId: id, actor: bobOnWebex });
    expect(decided?.reply.status).toBe('succeeded');
    await toldWhen((t) => t.name === 'slack' && t.update.result.reply.requestId === id);
    await settled();
    expect(toldAbout(id)).toEqual([[0, 'slack', 'succeeded']]);
  });

  it('an expiry that every bot’s sweep finds is told once', async () => {
    const a = proc('bot');
    const b = proc('bot');
    const id = await ask(a, 'three.com');
    skew += 24 * 60 * 60_000;
    // Both sweep at the same moment, as every replica does; each tells what it expired.
    const swept = await Promise.all([a, b].map((p) => p.app.workflow().sweep()));
    await Promise.all([a, b].map((p, i) => p.chat.changed(swept[i]!)));
    expect(swept.flat().filter((r) => r.id === id)).toHaveLength(1);
    await settled();
    expect(
      toldAbout(id)
        .map(([, name, status]) => [name, status])
        .sort(),
    ).toEqual([
      ['slack', 'expired'],
      ['webex', 'expired'],
    ]);
  });
});

describe('the follower', () => {
  it('reads past a gap in the audit sequence at once, reads the gap when it fills, gives it up after a while', async () => {
    const store = openSqliteStore(':memory:');
    // A server database may show seq 3 before seq 2 commits (or never, if it rolls back).
    let hide: number | undefined;
    const gappy: RequestStore = {
      ...store,
      changesSince: async (seq, options) =>
        (await store.changesSince(seq, options)).filter((e: AuditEvent) => e.seq !== hide),
    };
    let clock = 0;
    const follower = createFollower(gappy, 'me', () => clock);
    expect(await follower.poll()).toEqual([]);
    const submit = (id: string, changedBy = 'someone else') =>
      store.insert(
        {
          id,
          action: 'unclaim',
          target: 'webex-prod',
          call: { action: 'unclaim', domain: `${id}.com` },
          subject: `${id}.com`,
          requester: alice,
          status: 'pending',
          approvals: [],
          createdAt: 0,
          updatedAt: 0,
          version: 0,
          changedBy,
        },
        [
          {
            at: 0,
            requestId: id,
            actor: { platform: 'slack', id: 'U0ALICE' },
            type: 'submitted',
            to: 'pending',
          },
        ],
      );
    const ids = async () => (await follower.poll()).map((c) => c.record.id);
    for (const id of ['r-1', 'r-2', 'r-3']) await submit(id);
    hide = 2;
    expect(await ids()).toEqual(['r-1', 'r-3']);
    expect(follower.position).toBe(1);
    expect(await ids()).toEqual([]);
    hide = undefined;
    expect(await ids()).toEqual(['r-2']);
    expect(follower.position).toBe(3);

    await submit('r-4');
    await submit('r-5');
    // This process's own change: it told it when it made it.
    await submit('r-6', 'me');
    hide = 4;
    expect(await ids()).toEqual(['r-5']);
    clock += 29_999;
    expect(await ids()).toEqual([]);
    expect(follower.position).toBe(3);
    clock += 1;
    expect(await ids()).toEqual([]);
    expect(follower.position).toBe(6);
    await store.close();
  });
});
