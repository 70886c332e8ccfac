import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { SLACK_LIMITS } from '../../src/platforms/slack/render.ts';
import { ADAPTIVE_MAX_ACTIONS, ADAPTIVE_MAX_BYTES } from '../../src/platforms/webex/render.ts';

// The package's `lib/` entry does not load under Node ESM; the UMD bundle does.
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js');

type Json = Record<string, unknown>;

/**
 * Parses `content` with the adaptivecards library at schema 1.3 and fails on any event (unknown
 * element or action, property newer than 1.3), on more than 5 actions, on a card over the size
 * budget, and on any property the library drops when it serialises the card again (the library
 * ignores unknown properties silently).
 */
export function assertAdaptiveCard(content: Json): void {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(new AC.Version(1, 3));
  card.parse(content, context);
  const events: string[] = [];
  for (let i = 0; i < context.eventCount; i++) events.push(context.getEventAt(i).message);
  expect(events).toEqual([]);
  expect(content.version).toBe('1.3');
  expect(content.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
  expect(((content.actions as unknown[] | undefined) ?? []).length).toBeLessThanOrEqual(ADAPTIVE_MAX_ACTIONS);
  expect(Buffer.byteLength(JSON.stringify(content))).toBeLessThanOrEqual(ADAPTIVE_MAX_BYTES);
  const again = card.toJSON(new AC.SerializationContext(new AC.Version(1, 3))) as Json;
  expect(droppedKeys(content, again)).toEqual([]);
}

/** Paths of keys in `given` that are missing from `kept`. */
function droppedKeys(given: unknown, kept: unknown, path = ''): string[] {
  if (Array.isArray(given)) {
    return given.flatMap((g, i) =>
      droppedKeys(g, Array.isArray(kept) ? kept[i] : undefined, `${path}[${i}]`),
    );
  }
  if (given === null || typeof given !== 'object') return [];
  const out: string[] = [];
  const k = (kept ?? {}) as Json;
  for (const [key, value] of Object.entries(given)) {
    // `data` is ours to define (Action.Submit payload).
    if (!(key in k)) out.push(`${path}.${key}`);
    else if (key !== 'data') out.push(...droppedKeys(value, k[key], `${path}.${key}`));
  }
  return out;
}

function textLength(text: unknown): number {
  return typeof text === 'object' && text !== null ? String((text as Json).text ?? '').length : 0;
}

/** Fails when Block Kit output breaks any Slack limit (vendor-apis.md, "Slack"). */
export function assertBlockKitLimits(blocks: readonly Json[]): void {
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const block of blocks) {
    if (block.block_id !== undefined)
      expect(String(block.block_id).length).toBeLessThanOrEqual(SLACK_LIMITS.id);
    switch (block.type) {
      case 'header':
        expect((block.text as Json).type).toBe('plain_text');
        expect(textLength(block.text)).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
        break;
      case 'section': {
        expect(block.text !== undefined || block.fields !== undefined).toBe(true);
        expect(textLength(block.text)).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
        const fields = (block.fields as Json[] | undefined) ?? [];
        expect(fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
        for (const f of fields) expect(textLength(f)).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
        break;
      }
      case 'context': {
        const elements = block.elements as Json[];
        expect(elements.length).toBeGreaterThan(0);
        expect(elements.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
        for (const e of elements) expect(textLength(e)).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
        break;
      }
      case 'actions': {
        const elements = block.elements as Json[];
        expect(elements.length).toBeLessThanOrEqual(SLACK_LIMITS.actionsElements);
        for (const e of elements) {
          expect(e.type).toBe('button');
          expect(textLength(e.text)).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
          expect(String(e.value ?? '').length).toBeLessThanOrEqual(SLACK_LIMITS.buttonValue);
          expect(String(e.action_id).length).toBeLessThanOrEqual(SLACK_LIMITS.id);
        }
        break;
      }
      default:
        throw new Error(`unexpected block type ${String(block.type)}`);
    }
  }
}
