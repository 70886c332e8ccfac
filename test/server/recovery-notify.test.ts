/**
 * A command that needed no approval has no card: if the process dies while its vendor call
 * runs, nobody was answered. At the next start recovery marks it `unknown`, and the requester
 * is told where they typed it (`Platform.postToOrigin`), not only the log.
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient } from '../../adapters/http.ts';
import { createHttpClient } from '../../adapters/index.ts';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import { createChatService, type RequestUpdate } from '../../src/core/chat.ts';
import type { Platform, PlatformName } from '../../src/core/platform.ts';
import { createPlaygroundPlatform } from '../../src/platforms/local/index.ts';
import { startRuntime } from '../../src/runtime.ts';
import { startSandbox } from '../../src/sandbox/index.ts';
import { createLogger } from '../../src/server/logger.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { tempDir } from '../core/requests/helpers.ts';
import { capturedLogger, ORG } from './helpers.ts';

const TOKEN = 'wx-token-for-recovery';
const alice = { platform: 'slack' as const, id: 'U0ALICE', email: 'alice@corp.com' };
let webex: WebexFake;
let config: Config;
const folder = tempDir();

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['abc.com', 'def.com'] } } });
  webex.state.accessTokens.add(TOKEN);
  config = parseConfig(
    `
store: ${JSON.stringify(`${folder.dir}/domainops.db`)}
server: { host: 127.0.0.1, port: 0 }
http: { retries: 0 }
targets:
  webex-prod: { vendor: webex, orgId: ${ORG}, apiUrl: ${webex.apiUrl}, auth: { accessToken: env:T } }
policy:
  rules:
    - { actions: [unclaim], requesters: [alice@corp.com], approval: none }
`,
    `${folder.dir}/domainops.yaml`,
    { T: TOKEN },
  );
});

afterAll(async () => {
  await webex?.close();
  folder.remove();
});

/** A platform that records what it is asked to show. */
function recorder(name: PlatformName) {
  const notified: RequestUpdate[] = [];
  const posted: { origin: unknown; update: RequestUpdate }[] = [];
  const platform: Platform = {
    name,
    routes: [],
    start: async () => undefined,
    stop: async () => undefined,
    ready: () => true,
    notify: async (update) => {
      notified.push(update);
    },
    postToOrigin: async (origin, update) => {
      posted.push({ origin, update });
    },
  };
  return { platform, notified, posted };
}

describe('recovery at start', () => {
  it('tells the requester, where they asked, that the outcome of their command is unknown', async () => {
    // The first process: the vendor call starts and never ends (the process dies in it).
    let called!: () => void;
    const calling = new Promise<void>((resolve) => {
      called = resolve;
    });
    const real = createHttpClient(config.http);
    const hanging: HttpClient = {
      ...real,
      send: () => {
        called();
        return new Promise(() => {});
      },
    };
    const first = openSqliteStore(config.store.location);
    const chat = createChatService(createApp(config, { store: first, http: hanging }));
    const origin = { platform: 'slack' as const, channel: 'C0OPS', threadTs: '1712.0001' };
    void chat.message({ text: 'unclaim abc.com', actor: alice, origin });
    await calling;
    const [executing] = await first.listByStatus(['executing']);
    expect(executing).toMatchObject({ action: 'unclaim', origin });
    await first.close();
    await real.close();

    // The next start.
    const slack = recorder('slack');
    const webexPlatform = recorder('webex');
    const captured = capturedLogger();
    const runtime = await startRuntime({
      config,
      logger: captured.logger,
      platforms: [async () => slack.platform, async () => webexPlatform.platform],
    });
    try {
      expect(await runtime.chat.drain(2000)).toBe(true);
      expect(slack.posted).toHaveLength(1);
      const [{ origin: where, update }] = slack.posted as [{ origin: unknown; update: RequestUpdate }];
      expect(where).toEqual(origin);
      expect(update.by).toBeUndefined();
      expect(update.result.reply).toMatchObject({
        status: 'unknown',
        requestId: executing!.id,
        exitCode: 5,
        error: { code: 'interrupted' },
      });
      expect(update.result.reply.text).toMatch(/the outcome is unknown/);
      expect(update.result.card.title).toMatch(/Outcome unknown/);
      // The platform it was typed on posts it there (instead of looking for a card).
      expect(slack.notified).toEqual([]);
      // The request is never run again.
      expect(webex.requests.filter((r) => r.path.endsWith('unclaimDomain'))).toEqual([]);
    } finally {
      await runtime.stop();
    }
  });

  it('in the playground: an update entry where the command was typed', async () => {
    const store = join(folder.dir, 'playground.db');
    const playground = async () => {
      const sandbox = await startSandbox({ env: {}, store });
      const runtime = await startRuntime({
        config: { ...sandbox.config, server: { ...sandbox.config.server, port: 0 } },
        logger: createLogger({ level: 'silent' }),
        platforms: [createPlaygroundPlatform],
        sandbox,
      });
      return runtime;
    };
    const first = await playground();
    const asked = await fetch(`${first.url}/api/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: first.url },
      body: JSON.stringify({ as: 'carol@corp.com', text: 'domain corp.ru' }),
    });
    const { entry } = (await asked.json()) as { entry: { reply: { requestId: string; status: string } } };
    expect(entry.reply.status).toBe('succeeded');
    const id = entry.reply.requestId;
    expect(await first.app.workflow().get(id)).toMatchObject({ origin: { platform: 'local' } });
    await first.stop();
    // As if the process had died during the vendor call.
    const raw = new DatabaseSync(store);
    raw
      .prepare(
        "UPDATE requests SET status = 'executing', data = json_set(data, '$.status', 'executing') WHERE id = ?",
      )
      .run(id);
    raw.close();

    const second = await playground();
    try {
      expect(await second.chat.drain(2000)).toBe(true);
      const history = (await (await fetch(`${second.url}/api/history`)).json()) as {
        entries: { kind: string; as: string; text: string; reply: { status: string } }[];
      };
      expect(history.entries).toEqual([
        expect.objectContaining({
          kind: 'update',
          as: 'domainops',
          text: `${id}: unknown`,
          reply: expect.objectContaining({ status: 'unknown' }),
        }),
      ]);
    } finally {
      await second.stop();
    }
  });
});
