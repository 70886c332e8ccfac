import { describe, expect, it } from 'vitest';
import { WEBEX_TEXT_MAX_BYTES } from '../../src/platforms/webex/render.ts';
import { assertAdaptiveCard, assertBlockKitLimits } from './limits.ts';
import { renderAll } from './render.ts';
import { CONTEXT, LARGE, record, replyFor } from './samples.ts';

describe('long lists are cut with "and N more" and stay within limits', () => {
  it.each(Object.entries(LARGE))('%s', (_name, reply) => {
    const cards = renderAll(reply, CONTEXT);
    assertAdaptiveCard(cards.webex);
    assertBlockKitLimits(cards.slack.blocks);
    expect(Buffer.byteLength(cards.text)).toBeLessThanOrEqual(WEBEX_TEXT_MAX_BYTES);
    expect(JSON.stringify(cards.webex)).toMatch(/and \d+ more/);
    expect(JSON.stringify(cards.slack.blocks)).toMatch(/and \d+ more/);
    expect(cards.text).toMatch(/and \d+ more/);
  });

  it('counts what it left out', () => {
    const cards = renderAll(LARGE.unverify500, CONTEXT);
    const slack = JSON.stringify(cards.slack.blocks);
    const shown = (slack.match(/verified-domain-number-/g) ?? []).length;
    expect(slack).toContain(`and ${500 - shown} more`);
  });

  it('a huge vendor message or deny reason is cut, never over a limit', () => {
    const reply = replyFor(record({ status: 'failed' }), {
      error: { code: 'vendor_error', message: 'x'.repeat(50_000), vendorMessage: '<&>'.repeat(10_000) },
    });
    const cards = renderAll(reply, CONTEXT);
    assertAdaptiveCard(cards.webex);
    assertBlockKitLimits(cards.slack.blocks);
    expect(Buffer.byteLength(cards.text)).toBeLessThanOrEqual(WEBEX_TEXT_MAX_BYTES);
  });

  it('a long domain keeps the Slack header within 150 characters', () => {
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.corp.com`;
    const reply = replyFor(record({ subject: long, call: { action: 'unclaim', domain: long } }));
    assertBlockKitLimits(renderAll(reply, CONTEXT).slack.blocks);
  });
});
