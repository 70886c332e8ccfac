import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cardForReply } from '../../src/core/cards/build.ts';
import { renderBlockKit } from '../../src/platforms/slack/render.ts';
import { WEBEX_TEXT_MAX_BYTES } from '../../src/platforms/webex/render.ts';
import { assertAdaptiveCard, assertBlockKitLimits } from './limits.ts';
import { renderAll } from './render.ts';
import { CONTEXT, SAMPLES } from './samples.ts';

const UPDATE = process.env.UPDATE_FIXTURES === '1';
const dir = new URL('./fixtures/', import.meta.url);

/** Compares with `fixtures/<name>.json`; `UPDATE_FIXTURES=1` writes it instead. */
function matchFixture(name: string, value: unknown): void {
  const file = new URL(`${name}.json`, dir);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE) throw new Error(`missing fixture ${name}.json: run with UPDATE_FIXTURES=1 and review it`);
    writeFileSync(file, text);
    return;
  }
  expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

describe('card fixtures', () => {
  for (const [name, reply] of Object.entries(SAMPLES)) {
    it(`${name}: Adaptive Card and Block Kit match the fixture and the platform limits`, () => {
      const cards = renderAll(reply, CONTEXT);
      matchFixture(name, cards);
      assertAdaptiveCard(cards.webex);
      assertBlockKitLimits(cards.slack.blocks);
      expect(Buffer.byteLength(cards.text)).toBeLessThanOrEqual(WEBEX_TEXT_MAX_BYTES);
    });
  }

  it('sandbox cards say SANDBOX on both platforms and in the fallback', () => {
    const cards = renderAll(SAMPLES['approval-request']!, { ...CONTEXT, sandbox: true });
    matchFixture('sandbox-approval-request', cards);
    assertAdaptiveCard(cards.webex);
    expect((cards.webex.body as { text: string }[])[0]!.text).toMatch(/^SANDBOX/);
    expect(JSON.stringify(cards.slack.blocks[1])).toContain('SANDBOX');
    expect(cards.text).toMatch(/^\*\*SANDBOX\*\*/);
    expect(
      renderBlockKit(cardForReply(SAMPLES['approval-request']!, { ...CONTEXT, sandbox: true })).text,
    ).toMatch(/^\[SANDBOX\]/);
  });
});

describe('decision buttons', () => {
  it('carry the request id: Adaptive Submit data and Slack action_id/value', () => {
    const cards = renderAll(SAMPLES['approval-request']!, CONTEXT);
    expect(cards.webex.actions).toEqual([
      {
        type: 'Action.Submit',
        title: 'Approve',
        style: 'positive',
        data: { domainops: 'approve', requestId: 'r-7f3k2q9m' },
      },
      {
        type: 'Action.Submit',
        title: 'Deny',
        style: 'destructive',
        data: { domainops: 'deny', requestId: 'r-7f3k2q9m' },
      },
    ]);
    const actions = cards.slack.blocks.find((b) => b.type === 'actions') as {
      elements: Record<string, unknown>[];
    };
    expect(actions.elements.map((e) => [e.action_id, e.value, e.style])).toEqual([
      ['domainops_approve', 'r-7f3k2q9m', 'primary'],
      ['domainops_deny', 'r-7f3k2q9m', 'danger'],
    ]);
  });

  it('appear only while a request waits for approval', () => {
    for (const [name, reply] of Object.entries(SAMPLES)) {
      const card = cardForReply(reply, CONTEXT);
      const waiting =
        reply.kind === 'request' && reply.record.status === 'pending' && reply.error === undefined;
      expect(card.actions !== undefined, name).toBe(waiting);
    }
  });
});
