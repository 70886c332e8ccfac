/**
 * A running request's progress in the playground: its card already in the conversation changes
 * in place (the page redraws an entry whose `rev` grew), and no entry is added per progress
 * change; its final state made elsewhere adds the usual update entry; an older state never
 * replaces a newer one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../../src/core/platform.ts';
import { itemCounts, type RequestRecord } from '../../../src/core/requests/model.ts';
import { nextProgress } from '../../../src/core/requests/progress.ts';
import { createTestClock } from '../../helpers/clock.ts';
import { type Playground, post, startPlayground } from './helpers.ts';

interface HistoryEntry {
  id: number;
  as: string;
  kind: string;
  text: string;
  rev: number;
  requestId?: string;
  reply: { status: string; requestId?: string };
  cards: { text: string; slack: { text: string } };
}

let pg: Playground;
let platform: Platform;
const clock = createTestClock();

beforeAll(async () => {
  pg = await startPlayground({ clock });
  platform = pg.runtime.platforms[0]!;
});

afterAll(async () => {
  await pg?.stop();
});

async function history(): Promise<HistoryEntry[]> {
  return ((await (await fetch(`${pg.url}/api/history`)).json()) as { entries: HistoryEntry[] }).entries;
}

/** The request `done` items into its run, or finished (`final`), at `version`. */
function state(record: RequestRecord, done: number, version: number, final = false): RequestRecord {
  const items = record.items!.map((item, i) => ({
    ...item,
    status:
      i < done ? ('succeeded' as const) : i === done && !final ? ('running' as const) : ('pending' as const),
  }));
  const base = { ...record, status: final ? ('succeeded' as const) : ('executing' as const), items, version };
  return { ...base, progress: nextProgress(base, clock.now(), { items: itemCounts(items) }) };
}

const render = (record: RequestRecord) => pg.runtime.chat.render(pg.runtime.app.replyFor(record));

describe('batch progress in the playground', () => {
  it('changes the request card in place, adds no entry per progress change, and the final state as one', async () => {
    const asked = await post(pg.url, '/api/command', {
      as: 'alice@corp.com',
      text: 'unverify example.org labs.corp.com',
    });
    const card = asked.json.entry as HistoryEntry;
    expect(card.reply.status).toBe('pending');
    const id = card.requestId!;
    const record = (await pg.runtime.app.workflow().get(id))!;
    expect(record.items).toHaveLength(2);
    const v = record.version;
    const before = await history();

    await platform.notify!({ result: render(state(record, 0, v + 1)), progress: true });
    await platform.notify!({ result: render(state(record, 1, v + 2)), progress: true });
    let now = await history();
    expect(now).toHaveLength(before.length);
    const live = now.find((e) => e.id === card.id)!;
    expect(live.rev).toBe(card.rev + 2);
    expect(live.reply.status).toBe('executing');
    expect(live.cards.text).toMatch(/1 of 2 done/);

    // A progress change told late (older than what the card shows) changes nothing.
    await platform.notify!({ result: render(state(record, 0, v + 1)), progress: true });
    now = await history();
    expect(now.find((e) => e.id === card.id)?.rev).toBe(card.rev + 2);
    expect(now.find((e) => e.id === card.id)?.cards.text).toMatch(/1 of 2 done/);

    // The final state, made elsewhere: the card shows it, and it is an entry of its own.
    await platform.notify!({ result: render(state(record, 2, v + 3, true)) });
    now = await history();
    expect(now).toHaveLength(before.length + 1);
    expect(now.at(-1)).toMatchObject({ kind: 'update', text: `${id}: succeeded`, requestId: id });
    expect(now.find((e) => e.id === card.id)?.cards.text).toMatch(/Done:/);
  });

  it('a batch approved here runs and answers with one entry, its card showing each outcome', async () => {
    const asked = await post(pg.url, '/api/command', {
      as: 'alice@corp.com',
      text: 'unclaim abc.com corp.com',
    });
    const card = asked.json.entry as HistoryEntry;
    const id = card.requestId!;
    const before = (await history()).length;
    const decided = await post(pg.url, '/api/decide', {
      as: 'bob@corp.com',
      decision: 'approve',
      requestId: id,
    });
    expect((decided.json.entry as HistoryEntry).reply.status).toBe('succeeded');
    expect(await pg.runtime.chat.drain(5000)).toBe(true);
    const now = await history();
    expect(now.slice(before).map((e) => [e.kind, e.text])).toEqual([['decision', `approve ${id}`]]);
    const shown = now.find((e) => e.id === card.id)!;
    expect(shown.reply.status).toBe('succeeded');
    expect(shown.cards.text).toMatch(/abc\.com/);
    expect(shown.cards.text).toMatch(/corp\.com/);
  });
});
