/**
 * Routing in the playground: everyone reads its one conversation, so a direct message to the
 * people of a rule's notify list is an entry addressed to them, after the requester's own entry.
 * Its card follows the request like every card there; an address the playground knows nobody by
 * is noted on the requester's entry, and the request goes on.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/policy/actor.ts';
import { createPlaygroundPlatform } from '../../src/platforms/local/index.ts';
import { type Runtime, startRuntime } from '../../src/runtime.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.ts';
import { createLogger } from '../../src/server/logger.ts';
import { post } from '../platforms/local/helpers.ts';

interface Entry {
  id: number;
  as: string;
  kind: string;
  text: string;
  rev: number;
  notes?: string[];
  requestId?: string;
  reply: { status: string; requestId?: string };
  cards: { text: string };
}

let sandbox: Sandbox;
let runtime: Runtime;
let url: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'domainops-routing-playground-'));
  sandbox = await startSandbox({ env: {}, store: join(dir, 'playground.db') });
  const config = { ...sandbox.config, server: { ...sandbox.config.server, port: 0 } };
  const notify: Record<string, string[]> = {
    changes: ['identity-admins', 'nobody@corp.com'],
    'no approval needed': ['bob@corp.com'],
  };
  config.policy = {
    ...config.policy,
    rules: config.policy.rules.map((rule) => {
      const to = notify[rule.name];
      return to === undefined ? rule : { ...rule, notify: to };
    }),
  };
  runtime = await startRuntime({
    config,
    logger: createLogger({ level: 'silent' }),
    platforms: [createPlaygroundPlatform],
    sandbox,
  });
  url = runtime.url;
});

afterAll(async () => {
  await runtime?.stop();
});

async function history(): Promise<Entry[]> {
  return ((await (await fetch(`${url}/api/history`)).json()) as { entries: Entry[] }).entries;
}

describe('routing in the playground', () => {
  it('sends the approval card to the people of the group (not the requester), after the request', async () => {
    const asked = await post(url, '/api/command', {
      as: 'alice@corp.com',
      text: 'unassign-owner hello@example.com',
    });
    expect(asked.status).toBe(200);
    const entry = asked.json.entry as Entry;
    const added = asked.json.added as Entry[];
    expect(entry.reply.status).toBe('pending');
    const id = entry.reply.requestId!;
    expect(added.map((e) => [e.as, e.kind, e.text, e.requestId])).toEqual([
      ['domainops', 'update', 'direct message to bob@corp.com, dave@corp.com', id],
    ]);
    expect(added[0]?.cards.text).toBe(entry.cards.text);
    expect(entry.notes).toEqual([
      'Could not post the approval card to nobody@corp.com: not_found (nobody with this email on local).',
      'The request waits for its approvals all the same.',
    ]);
    const all = await history();
    expect(all.slice(-2).map((e) => e.id)).toEqual([entry.id, added[0]!.id]);
    expect((await runtime.app.workflow().get(id))?.copies).toEqual([
      { platform: 'local', to: 'bob@corp.com' },
      { platform: 'local', to: 'dave@corp.com' },
    ]);

    // Bob approves from his copy: the request runs once, and both cards show it.
    const decided = await post(url, '/api/decide', {
      as: 'bob@corp.com',
      decision: 'approve',
      requestId: id,
    });
    expect((decided.json.entry as Entry).reply.status).toBe('succeeded');
    expect((decided.json.updated as Entry[]).map((e) => e.id).sort()).toEqual(
      [entry.id, added[0]!.id].sort(),
    );
    const again = await post(url, '/api/decide', { as: 'dave@corp.com', decision: 'approve', requestId: id });
    expect(JSON.stringify((again.json.entry as Entry).reply)).toMatch(/no longer open/);
    const audit = await runtime.app.workflow().audit(50);
    expect(audit.filter((e) => e.requestId === id && e.type === 'executing')).toHaveLength(1);
  });

  it('sends the outcome of a command that needs no approval', async () => {
    const asked = await post(url, '/api/command', { as: 'alice@corp.com', text: 'domain corp.ru' });
    const entry = asked.json.entry as Entry;
    expect(entry.reply.status).toBe('succeeded');
    expect(entry.notes).toBeUndefined();
    expect((asked.json.added as Entry[]).map((e) => [e.text, e.reply.status])).toEqual([
      ['direct message to bob@corp.com', 'succeeded'],
    ]);
  });

  it('shows a decision made elsewhere once more, below the copies', async () => {
    const asked = await post(url, '/api/command', { as: 'alice@corp.com', text: 'unverify example.org' });
    const id = (asked.json.entry as Entry).reply.requestId!;
    const bob: Actor = { platform: 'slack', id: 'U0BOB', email: 'bob@corp.com' };
    await runtime.chat.decide({ decision: 'deny', requestId: id, actor: bob });
    expect(await runtime.chat.drain(5000)).toBe(true);
    const mine = (await history()).filter((e) => e.requestId === id);
    expect(mine.map((e) => [e.kind, e.reply.status])).toEqual([
      ['command', 'denied'],
      ['update', 'denied'],
      ['update', 'denied'],
    ]);
    expect(mine.at(-1)?.text).toBe(`deny ${id} in slack`);
  });
});
