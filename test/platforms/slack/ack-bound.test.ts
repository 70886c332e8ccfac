/**
 * The ack answer hook (HTTP mode) and the bound on commands in flight: a typed slash command is
 * acked at once with "Working on…" and its processing waits for its turn; with the queue full it
 * is acked with the overloaded answer and never processed; an event is acked empty, and with the
 * queue full it is processed at once (its command is then turned away with a posted answer). The
 * processing stands in for Bolt's, held at gates: no real waiting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../../src/app.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { type ChatService, createChatService } from '../../../src/core/chat.ts';
import { ackAnswers } from '../../../src/platforms/slack/ack-answer.ts';
import type { AckNow } from '../../../src/platforms/slack/http-receiver.ts';
import { createLogger } from '../../../src/server/logger.ts';
import { createTestClock } from '../../helpers/clock.ts';
import { createGate, type Gate } from '../../helpers/gate.ts';
import { capturedLogger } from '../../server/helpers.ts';

const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

function setup(commands: { inFlight: number; waiting: number }): {
  chat: ChatService;
  hook: ReturnType<typeof ackAnswers>;
  lines: string[];
  outcomes: string[];
} {
  const config = parseConfig(
    `
store: ":memory:"
server: { host: 127.0.0.1, port: 0 }
targets: {}
policy:
  groups: { admins: [alice@corp.com] }
  rules:
    - { actions: [help], requesters: [admins], approval: none }
`,
    '/tmp/domainops-ack-bound.yaml',
    {},
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
  const hook = ackAnswers({
    chat,
    identities: { actor: async () => ({ platform: 'slack', id: 'U0ALICE', email: 'alice@corp.com' }) },
    logger: createLogger({ level: 'silent' }),
    command: '/domainops',
    clock: createTestClock(),
  });
  return { chat, hook, lines, outcomes };
}

const slash = (text: string, n: number) => ({
  command: '/domainops',
  text,
  user_id: 'U0ALICE',
  channel_id: 'C0OPS',
  trigger_id: `trigger-${n}`,
});
const mention = (n: number) => ({
  type: 'event_callback',
  event_id: `Ev${n}`,
  event: { type: 'app_mention', user: 'U0ALICE', channel: 'C0OPS', text: '<@U0BOT> pending' },
});

/** A stand-in for Bolt's processing of a delivery: records when it starts, finishes at its gate. */
function processing(started: string[], name: string, gate: Gate): () => Promise<void> {
  return async () => {
    started.push(name);
    await gate.wait();
  };
}

/** Waits until `check` holds, one turn of the event loop at a time (no timers). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
}

describe('typed commands acked at once, processed in their turn', () => {
  it('acks "Working on…" at once, runs one, queues the next, turns the third away in its ack', async () => {
    const { chat, hook, lines, outcomes } = setup({ inFlight: 1, waiting: 1 });
    const gate = createGate();
    const started: string[] = [];

    const first = hook(slash('unclaim a.com', 1), 'slack:command:trigger-1') as AckNow;
    expect(JSON.parse(first.queue(processing(started, 'first', gate)))).toEqual({
      response_type: 'ephemeral',
      text: 'Working on `unclaim a.com`…',
    });
    const second = hook(slash('unclaim b.com', 2), 'slack:command:trigger-2') as AckNow;
    expect(JSON.parse(second.queue(processing(started, 'second', gate))).text).toBe(
      'Working on `unclaim b.com`…',
    );
    await until(() => started.length === 1);
    expect(chat.commands()).toEqual({ running: 1, waiting: 1 });

    const third = hook(slash('unclaim c.com', 3), 'slack:command:trigger-3') as AckNow;
    const turnedAway = JSON.parse(third.queue(processing(started, 'third', gate)));
    expect(turnedAway.response_type).toBe('ephemeral');
    const shown = JSON.stringify(turnedAway.blocks);
    expect(shown).toContain('domainops is overloaded: 1 command is waiting to run');
    expect(shown).toContain('Try it again in a few minutes.');
    expect(outcomes).toEqual(['message failed']);
    // One warning, not a line per command turned away; the count comes when the queue empties.
    expect(lines.filter((l) => l.includes('overloaded: commands are turned away'))).toHaveLength(1);
    const fourth = hook(slash('unclaim d.com', 5), 'slack:command:trigger-5') as AckNow;
    expect(fourth.queue(processing(started, 'fourth', gate))).toContain('overloaded');
    expect(lines.filter((l) => l.includes('overloaded'))).toHaveLength(1);
    expect(outcomes).toEqual(['message failed', 'message failed']);

    // help is still answered in its ack, past the queue.
    const help = await (hook(slash('help', 4), 'slack:command:trigger-4') as Promise<string>);
    expect(JSON.parse(help).response_type).toBe('ephemeral');
    expect(help).not.toContain('overloaded');

    gate.open();
    expect(await chat.drain(1000)).toBe(true);
    expect(started).toEqual(['first', 'second']);
    expect(lines.filter((l) => l.includes('no longer overloaded'))).toHaveLength(1);
    expect(lines.find((l) => l.includes('no longer overloaded'))).toContain('"turnedAway":2');
    expect(chat.commands()).toEqual({ running: 0, waiting: 0 });
  });

  it('queues events too, acked empty; with the queue full an event is processed at once', async () => {
    const { chat, hook } = setup({ inFlight: 1, waiting: 1 });
    const gate = createGate();
    const started: string[] = [];
    for (const n of [1, 2, 3]) {
      const now = hook(mention(n), `slack:event:Ev${n}`) as AckNow;
      expect(now.queue(processing(started, `event ${n}`, gate))).toBe('');
    }
    // The first runs, the second waits; the third, with nowhere to wait, is processed at once
    // (its command meets the full queue in the chat service and is answered there).
    await until(() => started.length === 2);
    expect(started).toEqual(['event 1', 'event 3']);
    expect(chat.commands()).toEqual({ running: 1, waiting: 1 });
    gate.open();
    expect(await chat.drain(1000)).toBe(true);
    expect(started).toEqual(['event 1', 'event 3', 'event 2']);
  });

  it('leaves to Bolt what it cannot ack itself', () => {
    const { hook } = setup({ inFlight: 1, waiting: 1 });
    // No delivery key: nothing to hold the slot by.
    expect(hook(slash('unclaim a.com', 1), undefined)).toBeUndefined();
    expect(hook({ ...mention(1), event: { type: 'function_executed' } }, 'slack:event:Ev1')).toBeUndefined();
    expect(hook({ type: 'block_actions' }, 'slack:action:1')).toBeUndefined();
    expect(hook({ ...slash('unclaim a.com', 1), command: '/other' }, 'k')).toBeUndefined();
  });
});
