/**
 * Slack shows the last `chat.update` of a message it got. A running batch's card is updated with
 * its progress, then with its final state: the updates of one card go out one at a time, in
 * order, so a progress update under way when the batch ends can never land after the final
 * card; a progress update queued behind a newer one is skipped, and one older than what the card
 * shows is never sent. The Slack fake holds the first `chat.update` until the test opens a gate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../../adapters/webex-identity/sandbox.ts';
import type { RequestUpdate } from '../../../src/core/chat.ts';
import type { Platform } from '../../../src/core/platform.ts';
import { itemCounts, type RequestRecord } from '../../../src/core/requests/model.ts';
import { nextProgress } from '../../../src/core/requests/progress.ts';
import { slackConversation } from '../../../src/platforms/slack/post.ts';
import type { Runtime } from '../../../src/runtime.ts';
import { type SlackFake, startSlackFake } from '../../fakes/slack-api.ts';
import { createTestClock } from '../../helpers/clock.ts';
import { createGate } from '../../helpers/gate.ts';
import {
  BOT_TOKEN,
  buttons,
  deliver,
  ORG,
  slackConfig,
  slashCommand,
  startSlackRuntime,
  USERS,
} from './helpers.ts';

const DOMAINS = ['o1.com', 'o2.com', 'o3.com'];

let webex: WebexFake;
let slack: SlackFake;
let runtime: Runtime;
let platform: Platform;
const clock = createTestClock();

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: DOMAINS } } });
  slack = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
  runtime = await startSlackRuntime(slackConfig(webex, slack, 'http'), undefined, { clock });
  platform = runtime.platforms[0]!;
});

afterAll(async () => {
  await runtime?.stop();
  await Promise.all([slack?.close(), webex?.close()]);
});

/** Alice asks for the batch; returns its stored request and where its card is. */
async function batchCard(): Promise<{ record: RequestRecord; card: { channel: string; ts: string } }> {
  const from = slack.calls.length;
  expect(
    (await deliver(runtime.url, slashCommand(slack, 'U0ALICE', `unclaim ${DOMAINS.join(' ')}`))).status,
  ).toBe(200);
  const posted = await slack.waitFor('chat.postMessage', {
    from,
    match: (c) => c.args.thread_ts === undefined,
  });
  const requestId = buttons(posted.args.blocks)[0]!.value;
  expect(await runtime.chat.drain(5000)).toBe(true);
  const record = (await runtime.app.workflow().get(requestId))!;
  expect(record.items).toHaveLength(3);
  return { record, card: slackConversation(record)! };
}

/** The request `done` items into its run (its progress), or finished (`final`), at `version`. */
function state(record: RequestRecord, done: number, version: number, final = false): RequestRecord {
  const items = record.items!.map((item, i) => ({
    ...item,
    status:
      i < done ? ('succeeded' as const) : i === done && !final ? ('running' as const) : ('pending' as const),
  }));
  const base = { ...record, status: final ? ('succeeded' as const) : ('executing' as const), items, version };
  return { ...base, progress: nextProgress(base, clock.now(), { items: itemCounts(items) }) };
}

function update(record: RequestRecord, progress: boolean): RequestUpdate {
  const result = runtime.chat.render(runtime.app.replyFor(record));
  return progress ? { result, progress: true } : { result };
}

/** The header of a Block Kit message: what the card says it is. */
const header = (blocks: unknown): string =>
  String(
    (blocks as { type: string; text?: { text?: string } }[]).find((b) => b.type === 'header')?.text?.text,
  );

describe("a card's updates in Slack", () => {
  it('never land out of order: the final card is the last update, whatever was under way', async () => {
    const { record, card } = await batchCard();
    const v = record.version;
    const gate = createGate();
    slack.fault({ kind: 'hold', until: () => gate.wait() }, { path: '/api/chat.update' });
    const from = slack.calls.length;

    // A progress update is under way (Slack has not answered it yet)…
    const first = platform.notify!(update(state(record, 0, v + 1), true));
    await gate.reached;
    // …a newer one is asked for behind it, then the batch ends.
    const second = platform.notify!(update(state(record, 1, v + 2), true));
    const final = platform.notify!(update(state(record, 3, v + 3, true), false));
    expect(slack.callsTo('chat.update', from)).toEqual([]);

    gate.open();
    await Promise.all([first, second, final]);
    const updates = slack.callsTo('chat.update', from);
    expect(updates.map((c) => [c.args.channel, c.args.ts])).toEqual([
      [card.channel, card.ts],
      [card.channel, card.ts],
    ]);
    expect(updates.map((c) => header(c.args.blocks))).toEqual([
      expect.stringContaining('Running:'),
      expect.stringContaining('Done:'),
    ]);
    expect(header(updates[0]!.args.blocks)).toContain('0 of 3 done');
    // The second progress update was skipped: the final card was queued behind it.

    // A progress update told late, older than the final card: not sent.
    const late = slack.calls.length;
    await platform.notify!(update(state(record, 2, v + 2), true));
    expect(slack.callsTo('chat.update', late)).toEqual([]);
    expect(header(slack.callsTo('chat.update', from).at(-1)!.args.blocks)).toContain('Done:');
  });

  it('sends every update of a card when none is newer', async () => {
    const { record, card } = await batchCard();
    const v = record.version;
    const from = slack.calls.length;
    await platform.notify!(update(state(record, 0, v + 1), true));
    await platform.notify!(update(state(record, 1, v + 2), true));
    await platform.notify!(update(state(record, 3, v + 3, true), false));
    const updates = slack.callsTo('chat.update', from);
    expect(updates.map((c) => c.args.ts)).toEqual([card.ts, card.ts, card.ts]);
    expect(updates.map((c) => header(c.args.blocks))).toEqual([
      expect.stringContaining('0 of 3 done'),
      expect.stringContaining('1 of 3 done'),
      expect.stringContaining('Done:'),
    ]);
  });
});
