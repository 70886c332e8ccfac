/**
 * The bound on commands in flight per process (src/core/chat.ts): beyond it commands wait in a
 * queue and start in the order they came; a full queue turns a command away with an `overloaded`
 * answer; a command answered in its ack (`immediate`) waits behind none of them. The vendor is the
 * Webex fake holding its answers at a gate: nothing waits on real time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { type App, createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import { type ChatReply, type ChatService, createChatService } from '../../src/core/chat.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { createGate, type Gate } from '../helpers/gate.ts';
import { capturedLogger, ORG } from '../server/helpers.ts';

const TOKEN = 'wx-identity-token-for-the-bound';
const alice: Actor = { platform: 'slack', id: 'U0ALICE', email: 'alice@corp.com' };
const DOMAINS = Array.from({ length: 12 }, (_, i) => `d${i}.com`);
const UNCLAIM = /\/actions\/unclaimDomain$/;

let webex: WebexFake;

// A fresh fake per test: every test unclaims the same domains.
beforeEach(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: DOMAINS } } });
  webex.state.accessTokens.add(TOKEN);
});

const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await webex?.close();
});

function service(commands: { inFlight: number; waiting: number }): {
  chat: ChatService;
  lines: string[];
  outcomes: string[];
} {
  const config = parseConfig(
    `
store: ":memory:"
server: { host: 127.0.0.1, port: 0 }
http: { retries: 0 }
targets:
  webex-prod: { vendor: webex, orgId: ${ORG}, apiUrl: ${webex.apiUrl}, auth: { accessToken: env:WEBEX_IDENTITY_TOKEN } }
policy:
  groups: { admins: [alice@corp.com] }
  rules:
    - { actions: [help, unclaim], requesters: [admins], approval: none }
`,
    '/tmp/domainops-command-bound.yaml',
    { WEBEX_IDENTITY_TOKEN: TOKEN },
  );
  const app = createApp(config);
  apps.push(app);
  const { logger, lines } = capturedLogger();
  const outcomes: string[] = [];
  const chat = createChatService(app, {
    logger,
    commands,
    metrics: { command: (action, outcome) => outcomes.push(`${action} ${outcome}`) },
  });
  return { chat, lines, outcomes };
}

/** The vendor's unclaim calls seen so far, by domain, in the order they arrived. */
function unclaimed(from: number): string[] {
  return webex.requests
    .slice(from)
    .filter((r) => UNCLAIM.test(r.path))
    .map((r) => (JSON.parse(r.body) as { domain: string }).domain);
}

/** Holds the next `times` unclaim calls at a gate. */
function hold(times: number): Gate {
  const gate = createGate();
  webex.fault({ kind: 'hold', until: () => gate.wait() }, { path: UNCLAIM, times });
  return gate;
}

/** Waits until `check` holds, one turn of the event loop at a time (no timers). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 20_000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
}

/** The commands, sent at once; each settled answer lands in `done` in the order they settled. */
function send(chat: ChatService, texts: string[]): { all: Promise<ChatReply[]>; done: string[] } {
  const done: string[] = [];
  const all = Promise.all(
    texts.map(async (text) => {
      const reply = await chat.message({ text, actor: alice });
      done.push(text);
      return reply!;
    }),
  );
  return { all, done };
}

describe('the bound on commands in flight', () => {
  it('runs N commands, queues the next 5, and runs them all once the vendor answers', async () => {
    const { chat } = service({ inFlight: 3, waiting: 100 });
    const from = webex.requests.length;
    const gate = hold(3);
    const texts = DOMAINS.slice(0, 8).map((d) => `unclaim ${d} in webex-prod`);
    const { all, done } = send(chat, texts);

    await until(() => unclaimed(from).length === 3 && chat.commands().waiting === 5);
    expect(chat.commands()).toEqual({ running: 3, waiting: 5 });
    // The three that run reached the vendor; the five that wait touched nothing.
    expect(unclaimed(from)).toEqual(DOMAINS.slice(0, 3));
    expect(done).toEqual([]);

    gate.open();
    const replies = await all;
    expect(replies.map((r) => r.reply.status)).toEqual(texts.map(() => 'succeeded'));
    // The queued ones went to the vendor only once the held ones had finished (three at a time,
    // so on three connections: the order of arrival among them is the network's; the next test
    // has the order with one slot).
    expect(unclaimed(from).slice(3).sort()).toEqual(DOMAINS.slice(3, 8));
    expect(done.slice(0, 3).sort()).toEqual(texts.slice(0, 3).sort());
    expect(chat.commands()).toEqual({ running: 0, waiting: 0 });
    expect(await chat.drain(1000)).toBe(true);
  });

  it('with one slot, the waiting commands finish one by one in the order they came', async () => {
    const { chat } = service({ inFlight: 1, waiting: 100 });
    const from = webex.requests.length;
    const gate = hold(1);
    const texts = DOMAINS.slice(0, 6).map((d) => `unclaim ${d} in webex-prod`);
    const { all, done } = send(chat, texts);
    await until(() => unclaimed(from).length === 1 && chat.commands().waiting === 5);
    gate.open();
    await all;
    expect(done).toEqual(texts);
    expect(unclaimed(from)).toEqual(DOMAINS.slice(0, 6));
  });

  it('turns a command away when the queue is full, telling the person, and runs the rest', async () => {
    const { chat, lines, outcomes } = service({ inFlight: 1, waiting: 2 });
    const from = webex.requests.length;
    const gate = hold(1);
    const texts = DOMAINS.slice(0, 3).map((d) => `unclaim ${d} in webex-prod`);
    const { all } = send(chat, texts);
    await until(() => unclaimed(from).length === 1 && chat.commands().waiting === 2);

    const turnedAway = await chat.message({ text: `unclaim ${DOMAINS[3]} in webex-prod`, actor: alice });
    expect(turnedAway?.reply).toMatchObject({
      kind: 'error',
      status: 'failed',
      error: { code: 'overloaded' },
      exitCode: 1,
    });
    expect(turnedAway?.reply.text).toContain('domainops is overloaded: 2 commands are waiting');
    expect(turnedAway?.card.tone).toBe('danger');
    // Nothing stored, nothing sent, and the queue did not grow.
    expect(chat.commands()).toEqual({ running: 1, waiting: 2 });
    expect(JSON.stringify(await chat.app.workflow().audit(100))).not.toContain(DOMAINS[3]);
    expect(outcomes).toEqual(['message failed']);
    expect(lines.filter((l) => l.includes('overloaded: commands are turned away'))).toHaveLength(1);
    // Its own line, as every command has: who, what, the outcome and the code.
    expect(lines.some((l) => l.includes('"code":"overloaded"') && l.includes('alice@corp.com'))).toBe(true);

    gate.open();
    expect((await all).map((r) => r.reply.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(unclaimed(from)).toEqual(DOMAINS.slice(0, 3));
    expect(lines.find((l) => l.includes('no longer overloaded'))).toContain('"turnedAway":1');
    // Once the queue emptied, commands run again.
    const again = await chat.message({ text: `unclaim ${DOMAINS[3]} in webex-prod`, actor: alice });
    expect(again?.reply.status).toBe('succeeded');
  });

  it('runs an immediate command (answered in an ack) past a full bound; others wait their turn', async () => {
    const { chat } = service({ inFlight: 1, waiting: 100 });
    const from = webex.requests.length;
    const gate = hold(1);
    const running = chat.message({ text: `unclaim ${DOMAINS[0]} in webex-prod`, actor: alice });
    await until(() => unclaimed(from).length === 1);

    const help = await chat.message({ text: 'help', actor: alice, immediate: true });
    expect(help?.reply).toMatchObject({ kind: 'meta', status: 'succeeded' });
    expect(chat.commands()).toEqual({ running: 1, waiting: 0 });

    let queuedHelp: ChatReply | undefined;
    const queued = chat.message({ text: 'help', actor: alice }).then((r) => {
      queuedHelp = r;
    });
    await until(() => chat.commands().waiting === 1);
    expect(queuedHelp).toBeUndefined();
    gate.open();
    await Promise.all([running, queued]);
    expect(queuedHelp?.reply.status).toBe('succeeded');
  });
});
