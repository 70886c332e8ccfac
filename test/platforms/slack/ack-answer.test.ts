import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../../adapters/webex-identity/sandbox.ts';
import type { ChatService } from '../../../src/core/chat.ts';
import { ackAnswers } from '../../../src/platforms/slack/ack-answer.ts';
import { RecentDeliveries } from '../../../src/platforms/slack/delivery.ts';
import { SharedServerReceiver } from '../../../src/platforms/slack/http-receiver.ts';
import { NO_EMAIL_TEXT } from '../../../src/platforms/slack/identity.ts';
import { renderBlockKit } from '../../../src/platforms/slack/render.ts';
import type { Runtime } from '../../../src/runtime.ts';
import { createLogger } from '../../../src/server/logger.ts';
import { assertBlockKitLimits } from '../../cards/limits.ts';
import { type SlackFake, startSlackFake } from '../../fakes/slack-api.ts';
import { createTestClock } from '../../helpers/clock.ts';
import { createGate } from '../../helpers/gate.ts';
import {
  BOT_TOKEN,
  deliver,
  ORG,
  SIGNING_SECRET,
  sign,
  slackConfig,
  slashCommand,
  startSlackRuntime,
  USERS,
} from './helpers.ts';

let webex: WebexFake;
let slack: SlackFake;
let runtime: Runtime;
const logLines: string[] = [];

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['abc.com'] } } });
  slack = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
  runtime = await startSlackRuntime(slackConfig(webex, slack, 'http'), logLines);
});

afterAll(async () => {
  await runtime?.stop();
  await Promise.all([slack?.close(), webex?.close()]);
});

/** Web API calls that would carry an answer. */
const ANSWERS = ['chat.postMessage', 'chat.postEphemeral', 'chat.update', 'respond'];
const answersSince = (from: number) => slack.calls.slice(from).filter((c) => ANSWERS.includes(c.method));

interface AckMessage {
  response_type: string;
  text: string;
  blocks?: Record<string, unknown>[];
}

async function ackOf(user: string, text: string): Promise<AckMessage> {
  const res = await deliver(runtime.url, slashCommand(slack, user, text));
  expect(res.status).toBe(200);
  return JSON.parse(res.text) as AckMessage;
}

describe('Slack HTTP mode: help, whoami and targets answered in the ack body', () => {
  it('answers help in the ack as an ephemeral card, with no Web API call to post it', async () => {
    const from = slack.calls.length;
    const ack = await ackOf('U0ALICE', 'help');
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).not.toBe('');
    expect(ack.blocks?.length).toBeGreaterThan(1);
    assertBlockKitLimits(ack.blocks as never);
    const shown = JSON.stringify(ack.blocks);
    expect(shown).toContain('unclaim');
    expect(shown).not.toContain('Working on');
    expect(await runtime.chat.drain(5000)).toBe(true);
    expect(answersSince(from)).toEqual([]);
    // Still one log line for the command, as for any command.
    expect(logLines.some((l) => l.includes('"command":"help"') && l.includes('help: succeeded'))).toBe(true);
  });

  it('shows the card a posted help showed, the same for everyone', async () => {
    const first = await ackOf('U0ALICE', 'help');
    const second = await ackOf('U0BOB', '  HELP ');
    expect(second).toEqual(first);
    const alice = { platform: 'slack' as const, id: 'U0ALICE', email: 'alice@corp.com' };
    const card = runtime.chat.render(await runtime.app.handle('help', alice)).card;
    expect(first.blocks).toEqual(JSON.parse(JSON.stringify(renderBlockKit(card).blocks)));
    const topic = await ackOf('U0ALICE', 'help unclaim');
    expect(JSON.stringify(topic.blocks)).toContain('unclaim');
    expect(topic).not.toEqual(first);
  });

  it('an empty slash command is help', async () => {
    expect(await ackOf('U0ALICE', '')).toEqual(await ackOf('U0ALICE', 'help'));
  });

  it('answers whoami and targets for the person who asked', async () => {
    const from = slack.calls.length;
    const whoami = await ackOf('U0BOB', 'whoami');
    expect(whoami.response_type).toBe('ephemeral');
    expect(JSON.stringify(whoami)).toContain('bob@corp.com');
    const targets = await ackOf('U0ALICE', 'targets');
    expect(JSON.stringify(targets.blocks)).toContain('webex-prod');
    expect(await runtime.chat.drain(5000)).toBe(true);
    expect(answersSince(from)).toEqual([]);
  });

  it('tells a person without a profile email why, in the ack', async () => {
    const from = slack.calls.length;
    const ack = await ackOf('U0NOMAIL', 'help');
    expect(ack).toEqual({ response_type: 'ephemeral', text: NO_EMAIL_TEXT });
    expect(answersSince(from)).toEqual([]);
  });

  it('acks every other command with "Working on…" and answers it afterwards', async () => {
    const from = slack.calls.length;
    const res = await deliver(runtime.url, slashCommand(slack, 'U0ALICE', 'pending'));
    expect(res.text).toContain('Working on');
    await slack.waitFor('chat.postMessage', { from });
  });
});

describe('the ack answer hook', () => {
  const body = (text: string) => ({
    command: '/domainops',
    text,
    user_id: 'U0ALICE',
    channel_id: 'C0OPS',
    trigger_id: 'trigger-1',
  });
  const chatStub = (calls: string[]): ChatService =>
    ({
      track: <T>(work: () => Promise<T>) => work(),
      message: async (input: { text: string }) => {
        calls.push(input.text);
        return undefined;
      },
    }) as unknown as ChatService;

  it('leaves other commands, and other slash commands, to the usual path', () => {
    const answer = ackAnswers({
      chat: chatStub([]),
      identities: { actor: async () => undefined },
      logger: createLogger({ level: 'silent' }),
      command: '/domainops',
      clock: createTestClock(),
    });
    expect(answer(body('unclaim abc.com'), undefined)).toBeUndefined();
    expect(answer(body('helpme'), undefined)).toBeUndefined();
    expect(answer(body('pending'), undefined)).toBeUndefined();
    expect(answer({ ...body('help'), command: '/other' }, undefined)).toBeUndefined();
  });

  it('sets no deadline for a person already known', async () => {
    const clock = createTestClock();
    const calls: string[] = [];
    const answer = ackAnswers({
      chat: chatStub(calls),
      identities: { actor: async () => ({ platform: 'slack', id: 'U0ALICE', email: 'alice@corp.com' }) },
      logger: createLogger({ level: 'silent' }),
      command: '/domainops',
      clock,
    });
    // The stub chat says "a duplicate": an empty ack.
    expect(await answer(body('whoami'), undefined)).toBe('');
    expect(calls).toEqual(['whoami']);
    expect(clock.sleeps).toEqual([]);
  });

  it('acks the usual way when Slack is slow to say who the person is', async () => {
    const clock = createTestClock();
    const lookup = createGate();
    const calls: string[] = [];
    const answer = ackAnswers({
      chat: chatStub(calls),
      identities: {
        actor: async () => {
          await lookup.wait();
          return { platform: 'slack', id: 'U0ALICE', email: 'alice@corp.com' };
        },
      },
      logger: createLogger({ level: 'silent' }),
      command: '/domainops',
      clock,
      lookupDeadlineMs: 1500,
    });
    const pending = answer(body('help'), 'slack:command:trigger-1');
    await lookup.reached;
    await clock.sleeping(1);
    await clock.advance(1500);
    expect(await pending).toBeUndefined();
    // The command was not run: the usual path runs it.
    lookup.open();
    expect(calls).toEqual([]);
  });
});

describe('the HTTP receiver', () => {
  let server: Server;
  let url: string;
  const seen: { immediateFirst: boolean }[] = [];
  const receiver = new SharedServerReceiver({
    signingSecret: SIGNING_SECRET,
    logger: createLogger({ level: 'silent' }),
    deliveries: new RecentDeliveries(),
  });

  beforeAll(async () => {
    receiver.init({
      processEvent: async ({ ack }: { ack: (body?: unknown) => Promise<void> }) => {
        let immediate = false;
        setImmediate(() => {
          immediate = true;
        });
        await ack({ text: 'acked' });
        seen.push({ immediateFirst: immediate });
      },
    } as unknown as App);
    await receiver.start();
    server = createServer((req, res) => void receiver.handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it("lets the listener go on only after the I/O callbacks already due (other deliveries' acks)", async () => {
    const res = await deliver(url, slashCommand(slack, 'U0ALICE', 'unclaim abc.com'));
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"text":"acked"}');
    expect(seen.at(-1)).toEqual({ immediateFirst: true });
  });

  it('accepts only v0= and the 64 lowercase hex digits of the HMAC', async () => {
    const delivery = slashCommand(slack, 'U0ALICE', 'unclaim abc.com');
    const ts = Math.floor(Date.now() / 1000);
    const good = sign(delivery.body, ts);
    for (const signature of [
      good.toUpperCase().replace('V0=', 'v0='),
      good.slice(0, -2),
      `${good}00`,
      good.replace('v0=', 'v1='),
      `v0=${'g'.repeat(64)}`,
      sign(delivery.body, ts, 'another-secret'),
      sign(`${delivery.body}&x=1`, ts),
    ]) {
      const res = await deliver(url, delivery, { timestamp: ts, signature });
      expect(res.status).toBe(401);
    }
    expect((await deliver(url, delivery, { timestamp: ts, signature: good })).status).toBe(200);
  });
});
