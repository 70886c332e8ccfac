/**
 * Every platform module of the composition domainops runs with passes the platform contract
 * (test/contracts/platform.ts) through a harness of its own, and the runtime runs the modules
 * that `config.chat` names, or the fallback when it names none.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { configuredPlatforms } from '../../src/core/platform.ts';
import { modules } from '../../src/modules.ts';

const BASE = 'targets: {}\n';
const SLACK = '  slack: { botToken: env:T, appToken: env:T }\n';
const WEBEX = '  webex: { botToken: env:T }\n';

function running(chat: string): string[] {
  const config = parseConfig(chat === '' ? BASE : `${BASE}chat:\n${chat}`, '/tmp/domainops.yaml', { T: 'x' });
  return configuredPlatforms(modules.platforms, config.chat).map((p) => p.name);
}

describe('platform modules', () => {
  it('each have a contract harness in test/contracts/platform-<name>.test.ts', () => {
    for (const p of modules.platforms) {
      const file = join(import.meta.dirname, `platform-${p.name}.test.ts`);
      expect(existsSync(file), `add ${file} running platformContract`).toBe(true);
    }
  });

  it('run when their `chat.<name>` section is present; the playground when none is', () => {
    expect(running(SLACK)).toEqual(['slack']);
    expect(running(WEBEX)).toEqual(['webex']);
    expect(running(SLACK + WEBEX).sort()).toEqual(['slack', 'webex']);
    expect(running('')).toEqual(['local']);
  });

  it('have one fallback, which needs no settings', () => {
    const fallbacks = modules.platforms.filter((p) => p.fallback);
    expect(fallbacks.map((p) => p.name)).toEqual(['local']);
    expect(fallbacks[0]?.config).toBeUndefined();
  });
});
