import { describe, expect, it } from 'vitest';
import { cardForReply } from '../../../src/core/cards/build.ts';
import type { RequestRecord } from '../../../src/core/requests/model.ts';
import { renderBlockKit } from '../../../src/platforms/slack/render.ts';
import { alice, bob, CONTEXT, carol, NOW, record, replyFor } from '../../cards/samples.ts';

const MINUTE = 60_000;

/** Every `block_id` of the Slack rendering of a request's card. */
function blockIds(r: RequestRecord, now = NOW): string[] {
  const { blocks } = renderBlockKit(cardForReply(replyFor(r), { ...CONTEXT, now }));
  return blocks.flatMap((b) => (b.block_id === undefined ? [] : [String(b.block_id)]));
}

describe('Slack block ids', () => {
  // Block Kit: "block_id should be unique for each message and each iteration of a message.
  // If a message is updated, use a new block_id."
  it('differ between two versions of the same request’s card', () => {
    const approval = { approvers: ['identity-admins'], count: 3, expiresAt: NOW + 30 * MINUTE };
    const v1 = record({ approval, version: 1 });
    const v2 = record({ approval, approvals: [{ actor: bob, at: NOW - MINUTE }], version: 2 });
    const v3 = record({
      approval,
      approvals: [
        { actor: bob, at: NOW - MINUTE },
        { actor: { platform: 'slack', id: 'U0DAVE', email: 'dave@corp.com' }, at: NOW },
      ],
      version: 3,
    });
    const versions = [v1, v2, v3].map((r) => blockIds(r));
    for (const ids of versions) expect(ids).toHaveLength(1);
    expect(new Set(versions.flat()).size).toBe(3);
    // The same version a minute later ("expires in 29 min"): shown differently, a new id too.
    expect(blockIds(v1, NOW + MINUTE)).not.toEqual(versions[0]);
  });

  it('differ between the cards of two requests that read alike', () => {
    const first = blockIds(record({ id: 'r-aaaaaaaa' }));
    const second = blockIds(record({ id: 'r-bbbbbbbb' }));
    expect(first[0]).not.toBe(second[0]);
  });

  it('are stable for one version, within Slack’s 255 characters', () => {
    const r = record({ requester: carol, approvals: [{ actor: alice, at: NOW }] });
    const [id] = blockIds(r);
    expect(blockIds(r)).toEqual([id]);
    expect(id).toMatch(/^domainops_decision_[0-9a-f]{16}$/);
    expect(id!.length).toBeLessThanOrEqual(255);
  });

  it('leave the buttons’ action_id and value as the Slack handlers match them', () => {
    const { blocks } = renderBlockKit(cardForReply(replyFor(record()), CONTEXT));
    const actions = blocks.find((b) => b.type === 'actions') as { elements: Record<string, unknown>[] };
    expect(actions.elements.map((e) => [e.action_id, e.value])).toEqual([
      ['domainops_approve', 'r-7f3k2q9m'],
      ['domainops_deny', 'r-7f3k2q9m'],
    ]);
  });
});
