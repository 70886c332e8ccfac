/**
 * How the playground shows changes made elsewhere to requests it asked for (decisions, expiries):
 * as an entry of its own saying who did what. That the card follows is the platform contract's
 * (test/contracts/platform-local.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../src/core/policy/actor.ts';
import { createTestClock } from '../../helpers/clock.ts';
import { type Playground, post, startPlayground } from './helpers.ts';

interface HistoryEntry {
  as: string;
  kind: string;
  text: string;
  reply: { status: string; requestId?: string };
}

let pg: Playground;
/** The runtime's clock: requests expire, and the expiry sweep runs, only when a test moves it. */
const clock = createTestClock();

beforeAll(async () => {
  pg = await startPlayground({ expires: 3000, sweepInterval: 100, clock });
});

afterAll(async () => {
  await pg?.stop();
});

async function history(): Promise<HistoryEntry[]> {
  return ((await (await fetch(`${pg.url}/api/history`)).json()) as { entries: HistoryEntry[] }).entries;
}

async function ask(text: string): Promise<string> {
  const asked = await post(pg.url, '/api/command', { as: 'alice@corp.com', text });
  const entry = asked.json.entry as HistoryEntry;
  expect(entry.reply.status).toBe('pending');
  return entry.reply.requestId!;
}

describe('playground updates', () => {
  it('adds an update when a request asked here is approved on another platform', async () => {
    const id = await ask('unassign-owner hello@example.com');
    expect((await pg.runtime.app.workflow().get(id))?.conversation).toEqual({ platform: 'local' });
    const bob: Actor = { platform: 'slack', id: 'U0BOB', email: 'bob@corp.com' };
    const result = await pg.runtime.chat.decide({ decision: 'approve', requestId: id, actor: bob });
    expect(result?.reply.status).toBe('succeeded');
    expect(await pg.runtime.chat.drain(5000)).toBe(true);
    const last = (await history()).at(-1)!;
    expect(last).toMatchObject({
      as: 'bob@corp.com',
      kind: 'update',
      text: `approve ${id} in slack`,
      reply: { status: 'succeeded', requestId: id },
    });
  });

  it('adds nothing more for a decision made in the playground itself', async () => {
    const id = await ask('unverify example.org');
    const before = (await history()).length;
    await post(pg.url, '/api/decide', { as: 'bob@corp.com', decision: 'deny', requestId: id });
    expect(await pg.runtime.chat.drain(5000)).toBe(true);
    const added = (await history()).slice(before);
    expect(added.map((e) => [e.kind, e.text])).toEqual([['decision', `deny ${id}`]]);
  });

  it('adds an update when a request asked here expires', async () => {
    const id = await ask('unclaim abc.com');
    // Past the 3 s expiry: the sweep wakes, expires the request and waits again.
    await clock.sleeping();
    await clock.advance(3_100);
    await clock.sleeping();
    expect(await pg.runtime.chat.drain(5000)).toBe(true);
    const found = (await history()).find((e) => e.kind === 'update' && e.reply.requestId === id);
    expect(found).toMatchObject({ as: 'domainops', text: `${id}: expired`, reply: { status: 'expired' } });
  });
});
