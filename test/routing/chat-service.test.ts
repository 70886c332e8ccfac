/**
 * How the chat service routes a request's card to its rule's notify destinations, with stand-in
 * platforms that record what they are asked: which platform gets which destination, what the
 * requester is told, that a copy posted while the request changed is brought up to date, that a
 * platform that throws holds nothing up, and that of two processes following one store, one
 * routes a request typed on the command line.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { type App, createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import {
  type ChatService,
  createChatService,
  type Following,
  type RequestUpdate,
} from '../../src/core/chat.ts';
import type { Delivered, Delivery, Platform } from '../../src/core/platform.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { tempDir } from '../core/requests/helpers.ts';
import { createGate, type Gate } from '../helpers/gate.ts';
import { capturedLogger, ORG } from '../server/helpers.ts';

const TOKEN = 'wx-identity-token-for-routing';
const alice: Actor = { platform: 'slack', id: 'U0ALICE', email: 'alice@corp.com' };
const bobOnWebex: Actor = { platform: 'webex', id: 'P-BOB', email: 'bob@corp.com' };
const aliceOnCli: Actor = { platform: 'cli', id: 'alice@corp.com', email: 'alice@corp.com' };

let webex: WebexFake;
let dir: { dir: string; remove: () => void };

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['a.com', 'b.com', 'c.com', 'd.com'] } } });
  webex.state.accessTokens.add(TOKEN);
  dir = tempDir();
});

afterAll(async () => {
  await webex?.close();
  dir?.remove();
});

function config(store: string): Config {
  return parseConfig(
    `
store: ${JSON.stringify(store)}
server: { host: 127.0.0.1, port: 0 }
http: { retries: 0 }
targets:
  webex-prod: { vendor: webex, orgId: ${ORG}, apiUrl: ${webex.apiUrl}, auth: { accessToken: env:WEBEX_IDENTITY_TOKEN } }
policy:
  groups: { admins: [alice@corp.com, bob@corp.com, dave@corp.com] }
  rules:
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins] }
      notify: [slack:C0OPS, admins]
`,
    '/tmp/domainops-routing-core.yaml',
    { WEBEX_IDENTITY_TOKEN: TOKEN },
  );
}

/** A platform that records what it is asked, posts every destination but `missing` emails, and may wait at a gate. */
interface Stand {
  platform: Platform;
  deliveries: Delivery[];
  updates: RequestUpdate[];
  gate?: Gate;
  missing: Set<string>;
  throws?: boolean;
}

function stand(name: string): Stand {
  const s: Stand = {
    deliveries: [],
    updates: [],
    missing: new Set(),
    platform: undefined as unknown as Platform,
  };
  s.platform = {
    name,
    routes: [],
    start: async () => undefined,
    stop: async () => undefined,
    ready: () => true,
    notify: async (update) => {
      s.updates.push(update);
    },
    deliver: async (delivery): Promise<Delivered[]> => {
      s.deliveries.push(delivery);
      await s.gate?.wait();
      if (s.throws) throw new Error('the platform fell over');
      return delivery.destinations.map((destination) =>
        destination.kind === 'email' && s.missing.has(destination.email)
          ? { destination, missing: true }
          : { destination, posted: { platform: name, to: destination.entry } as { platform: string } },
      );
    },
  };
  return s;
}

const apps: App[] = [];
const followings: Following[] = [];
afterEach(async () => {
  for (const f of followings.splice(0)) await f.stop();
  for (const app of apps.splice(0)) await app.close();
});

function service(store: string, platforms: Platform[]): { app: App; chat: ChatService; lines: string[] } {
  const app = createApp(config(store), { store: openSqliteStore(store) });
  apps.push(app);
  const { logger, lines } = capturedLogger();
  const chat = createChatService(app, { logger });
  chat.attach(platforms);
  return { app, chat, lines };
}

const file = (name: string) => join(dir.dir, `${name}.db`);

describe('routing a request to its notify destinations', () => {
  it('gives each platform its own ids and every platform the emails; the requester is left out', async () => {
    const slack = stand('slack');
    const other = stand('webex');
    slack.missing.add('dave@corp.com');
    other.missing.add('dave@corp.com');
    other.missing.add('bob@corp.com');
    const { app, chat, lines } = service(file('each'), [slack.platform, other.platform]);
    const result = await chat.message({
      text: 'unclaim a.com',
      actor: alice,
      origin: { platform: 'slack', channel: 'D1' },
    });
    const routing = await result?.routing;
    expect(slack.deliveries[0]?.destinations.map((d) => d.entry)).toEqual([
      'slack:C0OPS',
      'bob@corp.com',
      'dave@corp.com',
    ]);
    expect(other.deliveries[0]?.destinations.map((d) => d.entry)).toEqual(['bob@corp.com', 'dave@corp.com']);
    expect(slack.deliveries[0]?.origin).toEqual({ platform: 'slack', channel: 'D1' });
    expect(routing).toEqual({
      posted: [
        { destination: 'slack:C0OPS', platform: 'slack' },
        { destination: 'bob@corp.com (admins)', platform: 'slack' },
      ],
      failed: [
        {
          destination: 'dave@corp.com (admins)',
          code: 'not_found',
          hint: 'nobody with this email on slack or webex',
        },
      ],
    });
    const id = result!.reply.requestId!;
    expect((await app.workflow().get(id))?.copies).toEqual([
      { platform: 'slack', to: 'slack:C0OPS' },
      { platform: 'slack', to: 'bob@corp.com' },
    ]);
    expect(lines.some((l) => l.includes('"destination":"dave@corp.com (admins)"'))).toBe(true);
    // A later change reaches the copies: the platform that has them is told, with them.
    await chat.decide({ decision: 'approve', requestId: id, actor: bobOnWebex });
    expect(await chat.drain(5000)).toBe(true);
    expect(slack.updates.map((u) => u.result.reply.status)).toEqual(['succeeded']);
    expect(slack.updates[0]?.only).toBeUndefined();
  });

  it('brings copies posted while the request was decided up to date', async () => {
    const slack = stand('slack');
    slack.gate = createGate();
    const { chat } = service(file('race'), [slack.platform]);
    const result = await chat.message({ text: 'unclaim b.com', actor: alice });
    await slack.gate.reached;
    const decided = await chat.decide({
      decision: 'deny',
      requestId: result!.reply.requestId!,
      actor: bobOnWebex,
    });
    expect(decided?.reply.status).toBe('denied');
    slack.gate.open();
    await result?.routing;
    expect(await chat.drain(5000)).toBe(true);
    const late = slack.updates.filter((u) => u.only !== undefined);
    expect(late.map((u) => [u.result.reply.status, u.only])).toEqual([
      [
        'denied',
        [
          { platform: 'slack', to: 'slack:C0OPS' },
          { platform: 'slack', to: 'bob@corp.com' },
          { platform: 'slack', to: 'dave@corp.com' },
        ],
      ],
    ]);
  });

  it('holds nothing up when a platform throws: its destinations are reported failed', async () => {
    const slack = stand('slack');
    slack.throws = true;
    const { app, chat } = service(file('throws'), [slack.platform]);
    const result = await chat.message({ text: 'unclaim c.com', actor: alice });
    expect(result?.reply.status).toBe('pending');
    const routing = await result?.routing;
    expect(routing?.posted).toEqual([]);
    expect(routing?.failed.map((f) => [f.destination, f.code])).toEqual([
      ['slack:C0OPS', 'internal_error'],
      ['bob@corp.com (admins)', 'internal_error'],
      ['dave@corp.com (admins)', 'internal_error'],
    ]);
    expect((await app.workflow().get(result!.reply.requestId!))?.copies).toEqual([]);
  });

  it('routes a request typed on the command line once, through one of two processes following the store', async () => {
    const store = file('shared');
    const stands = [stand('slack'), stand('slack')];
    for (const s of stands) s.gate = createGate();
    const services = stands.map((s) => service(store, [s.platform]));
    const follows = services.map((p) => p.chat.follow({ interval: 10 }));
    followings.push(...follows);
    const cli = createApp(config(store), { store: openSqliteStore(store), commandStyle: 'cli' });
    apps.push(cli);
    // Both followers have started reading before the command is typed.
    await Promise.all(follows.map((f) => f.reached(0)));
    const asked = await cli.handle('unclaim d.com', aliceOnCli);
    expect(asked.status).toBe('pending');
    const look = openSqliteStore(store);
    const seq = await look.latestSeq();
    await look.close();
    // One process claims it and starts posting (held at its gate); the other reads the same
    // change meanwhile and leaves it: it never starts posting.
    const first = await Promise.race(stands.map((s, i) => s.gate!.reached.then(() => i)));
    const other = 1 - first;
    const outcome = await Promise.race([
      follows[other]!.reached(seq).then(() => 'left it'),
      stands[other]!.gate!.reached.then(() => 'posted it too'),
    ]);
    for (const s of stands) s.gate!.open();
    expect(outcome).toBe('left it');
    await follows[first]!.reached(seq);
    for (const p of services) expect(await p.chat.drain(5000)).toBe(true);
    const routed = stands.flatMap((s) => s.deliveries);
    expect(routed).toHaveLength(1);
    expect(routed[0]?.destinations.map((d) => d.entry)).toEqual([
      'slack:C0OPS',
      'bob@corp.com',
      'dave@corp.com',
    ]);
    expect((await cli.workflow().get(asked.requestId!))?.copies).toHaveLength(3);
  });

  it('warns at start about destinations of a platform this process does not run', () => {
    const { lines } = service(file('warn'), [stand('webex').platform]);
    expect(lines.filter((l) => l.includes('notify destination skipped'))).toEqual([
      expect.stringContaining('"destination":"slack:C0OPS"'),
    ]);
  });
});
