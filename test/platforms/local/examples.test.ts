/**
 * Every one-click example of the playground works against the sandbox seed, as the page promises:
 * run as alice it succeeds or waits for an approval, and one that waits succeeds once bob
 * approves it (each in a sandbox fresh from its seed, as after `npm start`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../../src/app.ts';
import type { Actor } from '../../../src/core/policy/actor.ts';
import { EXAMPLES } from '../../../src/platforms/local/api.ts';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.ts';

const ALICE: Actor = { platform: 'local', id: 'alice@corp.com', email: 'alice@corp.com' };
const BOB: Actor = { platform: 'local', id: 'bob@corp.com', email: 'bob@corp.com' };

/** A sandbox fresh from its seed and an app on it. */
async function fresh(): Promise<{ sandbox: Sandbox; app: App; close(): Promise<void> }> {
  const sandbox = await startSandbox({
    env: {},
    store: join(mkdtempSync(join(tmpdir(), 'domainops-examples-')), 'p.db'),
  });
  const app = createApp(sandbox.config);
  return {
    sandbox,
    app,
    async close() {
      await app.close();
      await sandbox.close();
    },
  };
}

let shared: Awaited<ReturnType<typeof fresh>>;

beforeAll(async () => {
  shared = await fresh();
});
afterAll(async () => {
  await shared?.close();
});

describe('the playground examples', () => {
  it.each(EXAMPLES.map((e) => [e]))('%s runs (or waits for an approval) as alice', async (text) => {
    const reply = await shared.app.handle(text, ALICE);
    expect(['succeeded', 'pending'], `${text}: ${reply.text}`).toContain(reply.status);
  });

  it('include a DNS check and a batch', () => {
    expect(EXAMPLES).toContain('dns-check sso.corp.ru in yc-sso');
    expect(EXAMPLES.some((e) => /^(?:unverify|unclaim) \S+ \S+/.test(e))).toBe(true);
  });

  it.each(EXAMPLES.map((e) => [e]))('%s succeeds once approved, from the seed', async (text) => {
    const { app, close } = await fresh();
    try {
      const asked = await app.handle(text, ALICE);
      if (asked.status !== 'pending') {
        expect(asked.status, `${text}: ${asked.text}`).toBe('succeeded');
        return;
      }
      const approved = await app.approve(asked.requestId!, BOB);
      expect(approved.status, `${text}: ${approved.text}`).toBe('succeeded');
      // A batch succeeds when every item did: each shows its outcome.
      const items = (approved.result as { items?: { status: string }[] } | undefined)?.items;
      if (items !== undefined) expect(new Set(items.map((i) => i.status))).toEqual(new Set(['succeeded']));
    } finally {
      await close();
    }
  });
});
