/**
 * Batches through the pipeline, without running them: `batch:` in the config, the dry run (every
 * item's request), explain, the max from the config, the approval card at 100 items within the
 * Block Kit and Adaptive Card limits, and a single command left exactly as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import { cardForReply } from '../../src/core/cards/build.ts';
import { ConfigError } from '../../src/core/errors.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { replyDocument } from '../../src/core/reply.ts';
import { renderBlockKit } from '../../src/platforms/slack/render.ts';
import { fallbackText, renderAdaptiveCard } from '../../src/platforms/webex/render.ts';
import { assertAdaptiveCard, assertBlockKitLimits } from '../cards/limits.ts';

const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const TOKEN = 'wx-token-for-the-batch-pipeline';
const alice: Actor = { platform: 'cli', id: 'alice@corp.com' };

let fake: WebexFake;

beforeAll(async () => {
  fake = await startWebexFake({ orgs: { [ORG]: { claimed: [] } } });
  fake.state.accessTokens.add(TOKEN);
});

afterAll(async () => {
  await fake?.close();
});

function config(batch = '') {
  return parseConfig(
    `
store: ":memory:"
${batch}
targets:
  webex-prod:
    vendor: webex
    orgId: ${ORG}
    apiUrl: ${fake.apiUrl}
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups: { admins: [alice@corp.com, bob@corp.com] }
  rules:
    - name: corp
      actions: [unclaim, unverify]
      domains: ["*.corp.com"]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
    - name: lab
      actions: [unclaim]
      domains: ["*.lab.org"]
      requesters: [admins]
      approval: none
`,
    '/tmp/domainops-batch-pipeline.yaml',
    { WEBEX_IDENTITY_TOKEN: TOKEN },
  );
}

const domains = (n: number, zone = 'corp.com') =>
  Array.from({ length: n }, (_, i) => `host-${String(i).padStart(3, '0')}.${zone}`);

describe('batch: in the config', () => {
  it('defaults to 4 at a time and 100 subjects, and refuses values out of range naming the field', () => {
    expect(config().batch).toEqual({ concurrency: 4, max: 100 });
    expect(config('batch: { concurrency: 16, max: 1 }').batch).toEqual({ concurrency: 16, max: 1 });
    for (const [text, path, message] of [
      ['batch: { concurrency: 0 }', 'batch.concurrency', 'concurrency is a whole number from 1 to 16'],
      ['batch: { concurrency: 17 }', 'batch.concurrency', 'concurrency is a whole number from 1 to 16'],
      ['batch: { max: 101 }', 'batch.max', 'max is a whole number from 1 to 100'],
      ['batch: { max: 2.5 }', 'batch.max', 'max is a whole number from 1 to 100'],
    ] as const) {
      try {
        config(text);
        throw new Error(`${text} loaded`);
      } catch (error) {
        expect(error, text).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).issues).toContainEqual({ path, message });
      }
    }
  });
});

describe('a batch command in the pipeline', () => {
  it("a dry run shows every item's request and the decision for the batch, and sends nothing", async () => {
    const app = createApp(config());
    try {
      const reply = await app.handle('unverify a.corp.com b.corp.com --remove-pending', alice, {
        dryRun: true,
      });
      expect(reply.status).toBe('dry-run');
      const doc = replyDocument(reply) as { request: { body: string }; requests: { body: string }[] };
      expect(doc.requests.map((r) => JSON.parse(r.body))).toEqual([
        { domain: 'a.corp.com', removePending: true },
        { domain: 'b.corp.com', removePending: true },
      ]);
      expect(doc.request).toEqual(doc.requests[0]);
      expect(reply.text).toContain('Batch of 2: every item is decided by rule "corp" the same way');
      expect(reply.text).toContain('1 of 2: a.corp.com\nPOST ');
      expect(reply.text).toContain('2 of 2: b.corp.com\nPOST ');
      const card = JSON.stringify(
        renderBlockKit(cardForReply(reply, { present: app.present, now: 0 })).blocks,
      );
      expect(card).toContain('And 1 more requests, one per item');
      expect(fake.requests).toHaveLength(0);
    } finally {
      await app.close();
    }
  });

  it('explains a batch as one decision, and rejects one whose items fall under different rules', async () => {
    const app = createApp(config());
    try {
      const same = app.explain('unclaim a.corp.com b.corp.com', alice);
      // Nothing is stored or sent: a dry run of the policy, not a command that succeeded.
      expect(same.status).toBe('dry-run');
      expect(same.text).toContain('Batch of 2: every item is decided by rule "corp"');
      const mixed = app.explain('unclaim a.corp.com x.lab.org', alice);
      expect(mixed.status).toBe('rejected');
      expect(mixed.exitCode).toBe(3);
      const refused = await app.handle('unclaim a.corp.com x.lab.org', alice);
      expect(refused.status).toBe('rejected');
      expect(refused.error?.code).toBe('policy_rejected');
      expect(refused.error?.message).toContain('decided by different policy rules');
      expect(fake.requests).toHaveLength(0);
    } finally {
      await app.close();
    }
  });

  it('takes at most batch.max subjects, as the config says', async () => {
    const app = createApp(config('batch: { max: 3 }'));
    try {
      const reply = await app.handle(`unclaim ${domains(4).join(' ')}`, alice);
      expect(reply.status).toBe('failed');
      expect(reply.exitCode).toBe(2);
      expect(reply.error?.code).toBe('too_many_subjects');
      expect(reply.error?.message).toContain('unclaim takes at most 3 domains at once and 4 were given');
      const help = await app.handle('help unclaim', alice);
      expect(help.text).toContain('(up to 3, one approval for all)');
    } finally {
      await app.close();
    }
  });

  it('the approval card of 100 items lists them within the Block Kit and Adaptive Card limits; the document has all', async () => {
    const app = createApp(config());
    try {
      const all = domains(100);
      const reply = await app.handle(`unclaim ${all.join(' ')} in webex-prod`, alice);
      expect(reply.status).toBe('pending');
      const doc = replyDocument(reply) as { requests: { body: string }[] };
      expect(doc.requests.map((r) => (JSON.parse(r.body) as { domain: string }).domain)).toEqual(all);
      const card = cardForReply(reply, { present: app.present, now: app.clock.now() });
      expect(card.title).toBe('Approval needed: UNCLAIM 100 domains');
      const blocks = renderBlockKit(card).blocks;
      const adaptive = renderAdaptiveCard(card);
      assertBlockKitLimits(blocks);
      assertAdaptiveCard(adaptive);
      expect(Buffer.byteLength(fallbackText(card))).toBeLessThanOrEqual(7439);
      const slack = JSON.stringify(blocks);
      expect(slack).toContain('Domains (100)');
      expect(slack).toContain('host-000.corp.com');
      expect(slack).toMatch(/and \d+ more/);
      // The buttons are there whatever the length of the list.
      expect(blocks.at(-1)).toMatchObject({ type: 'actions' });
      expect((adaptive.actions as unknown[]).length).toBe(2);
      expect(JSON.stringify(adaptive)).toContain('Domains (100)');
    } finally {
      await app.close();
    }
  });

  it('names a batch by its subject noun throughout: "2 domains" on the approval card and in the outcome', async () => {
    const app = createApp(config());
    try {
      const pending = await app.handle('unclaim a.corp.com b.corp.com', alice);
      const approval = cardForReply(pending, { present: app.present, now: app.clock.now() });
      expect(approval.title).toBe('Approval needed: UNCLAIM 2 domains');
      // No approval needed: it runs, and its outcome (text and card) says the same.
      const ran = await app.handle('unclaim x.lab.org y.lab.org in webex-prod', alice);
      expect(['succeeded', 'failed']).toContain(ran.status);
      expect(ran.text).toMatch(/^Request r-\S+ \(unclaim 2 domains in webex-prod/);
      expect(ran.text).not.toContain('items');
      const outcome = cardForReply(ran, { present: app.present, now: app.clock.now() });
      expect(outcome.title).toContain('unclaim 2 domains in webex-prod');
    } finally {
      await app.close();
    }
  });

  it('batch errors show the batch form of the usage', async () => {
    const app = createApp(config('batch: { max: 3 }'));
    try {
      const over = await app.handle(`unclaim ${domains(4).join(' ')}`, alice);
      expect(over.error?.message).toContain('Usage: unclaim <domain> [<domain> …] [in <target>]');
      const twice = await app.handle('unclaim a.corp.com a.corp.com', alice);
      expect(twice.error?.code).toBe('duplicate_subject');
      expect(twice.text).toContain('Usage: unclaim <domain> [<domain> …] [in <target>]');
    } finally {
      await app.close();
    }
  });

  it('leaves a single command exactly as it was: no items, no requests list, the same card', async () => {
    const app = createApp(config());
    try {
      const reply = await app.handle('unclaim a.corp.com', alice);
      expect(reply.status).toBe('pending');
      const doc = replyDocument(reply);
      expect(Object.keys(doc).sort()).toEqual(['action', 'request', 'requestId', 'status', 'target']);
      if (reply.kind !== 'request') throw new Error('expected a request');
      expect(reply.record.items).toBeUndefined();
      expect(reply.record.requests).toBeUndefined();
      const card = cardForReply(reply, { present: app.present, now: app.clock.now() });
      expect(card.title).toBe('Approval needed: UNCLAIM a.corp.com');
    } finally {
      await app.close();
    }
  });
});
