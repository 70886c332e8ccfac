/**
 * The core is open to platforms: a toy fourth chat platform defined in test code only
 * (test/contracts/toy/platform.ts) plugs into a composition with a `chat.toy` section and passes
 * the platform contract (test/contracts/platform.ts) like Slack, Webex and the playground, with
 * no change under src/core/.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import type { Card } from '../../src/core/cards/model.ts';
import { configuredPlatforms } from '../../src/core/platform.ts';
import { compose, modules } from '../../src/modules.ts';
import { platformsFor, startRuntime } from '../../src/runtime.ts';
import { createLogger } from '../../src/server/logger.ts';
import { type CardView, type PlatformHarness, platformContract } from './platform.ts';
import { type ToyFeedItem, toyModule } from './toy/platform.ts';

const composition = compose({ ...modules, platforms: [...modules.platforms, toyModule] });
const TOKEN = 'toy-token-never-shown';

interface ToyEvent {
  id: string;
  from: string;
  text?: string;
  click?: { requestId: string; decision: string };
}

const text = (item: ToyFeedItem): string =>
  `${item.kind} ${item.message}${item.to ? ` to ${item.to}` : ''}: ${item.card.title}\n${item.card.lines.join('\n')}`;

const toy: PlatformHarness = {
  name: 'toy',
  async start({ yaml, env, clock, sweepInterval }) {
    const config = parseConfig(
      `${yaml}chat:\n  toy: { token: env:TOY_TOKEN }\n`,
      '/tmp/domainops-contract-toy.yaml',
      { ...env, TOY_TOKEN: TOKEN },
      composition,
    );
    // The runtime picks the toy from the composition because `chat.toy` is set.
    const runtime = await startRuntime({
      config,
      modules: composition,
      clock,
      sweepInterval,
      logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    });
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const feed = async (): Promise<ToyFeedItem[]> =>
      ((await (await fetch(`${runtime.url}/toy/feed`, { headers })).json()) as { feed: ToyFeedItem[] }).feed;

    return {
      runtime,
      command: (person, command): ToyEvent => ({ id: randomUUID(), from: person, text: command }),
      click: (person, requestId, decision): ToyEvent => ({
        id: randomUUID(),
        from: person,
        click: { requestId, decision },
      }),
      async deliver(event) {
        const res = await fetch(`${runtime.url}/toy/events`, {
          method: 'POST',
          headers,
          body: JSON.stringify(event),
        });
        if (res.status !== 200) throw new Error(`Toy Chat answered ${res.status}: ${await res.text()}`);
      },
      settled: async () => undefined,
      shown: async () => (await feed()).map(text),
      async card(requestId): Promise<CardView | undefined> {
        const items = await feed();
        const posted = items.find(
          (i) => i.kind === 'post' && i.card.buttons.some((b) => b.requestId === requestId),
        );
        if (posted === undefined) return undefined;
        const latest = items.findLast((i) => i.message === posted.message)!;
        return { buttons: latest.card.buttons.map((b) => b.decision), text: text(latest) };
      },
      stop: () => runtime.stop(),
    };
  },
};

platformContract(toy);

describe('a toy fourth platform module', () => {
  it('is chosen by its `chat.toy` section, and only then', () => {
    const yaml = 'targets: {}\n';
    const names = (config: Config) =>
      configuredPlatforms(composition.platforms, config.chat).map((p) => p.name);
    const toyOnly = parseConfig(
      `${yaml}chat:\n  toy: { token: env:T }\n`,
      '/tmp/x.yaml',
      { T: 'x' },
      composition,
    );
    expect(names(toyOnly)).toEqual(['toy']);
    expect(platformsFor(toyOnly, composition)).toHaveLength(1);
    // Without it, the fallback (the playground) runs, as with the default composition.
    expect(names(parseConfig(yaml, '/tmp/x.yaml', {}, composition))).toEqual(['local']);
    // The default composition has no such platform.
    expect(() => parseConfig(`${yaml}chat:\n  toy: { token: env:T }\n`, '/tmp/x.yaml', { T: 'x' })).toThrow(
      /chat/,
    );
  });

  it('reports a bad `chat.toy` section by its field', () => {
    expect(() =>
      parseConfig('targets: {}\nchat:\n  toy: { token: 42 }\n', '/tmp/x.yaml', {}, composition),
    ).toThrow(/chat\.toy\.token/);
  });

  it('renders cards in its own wire format', () => {
    const card: Card = {
      kind: 'approval-request',
      title: 'Approval needed: park abc.com',
      tone: 'warning',
      sections: [{ kind: 'facts', facts: [{ label: 'Requested by', value: 'alice@corp.com' }] }],
      actions: [{ action: 'approve', requestId: 'r-1', label: 'Approve' }],
    };
    expect(toyModule.renderCard?.(card)).toEqual({
      title: 'Approval needed: park abc.com',
      lines: ['Requested by: alice@corp.com'],
      buttons: [{ label: 'Approve', decision: 'approve', requestId: 'r-1' }],
    });
  });

  it('needed no change under src/core/', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
      );
    for (const file of files(join(import.meta.dirname, '../../src/core'))) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/\btoy\b/i);
    }
  });
});
