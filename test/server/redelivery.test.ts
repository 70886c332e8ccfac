/**
 * A delivery answered before a restart (or by another process) is ignored when it comes again,
 * e.g. a captured signed Slack request replayed: the store finds its request by the delivery
 * key, nothing is run again, and the chat service gives the platform nothing to post.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { createApp, replyDocument } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import { storeSetting } from '../../src/config/store.ts';
import type { Config } from '../../src/config/types.ts';
import type { RequestUpdate } from '../../src/core/chat.ts';
import type { Platform } from '../../src/core/platform.ts';
import { isRedelivery } from '../../src/core/reply.ts';
import { type Runtime, startRuntime } from '../../src/runtime.ts';
import { createLogger } from '../../src/server/logger.ts';
import { tempDir } from '../core/requests/helpers.ts';
import { capturedLogger, ORG } from './helpers.ts';

const TOKEN = 'wx-token-for-redelivery';
const alice = { platform: 'slack' as const, id: 'U0ALICE', email: 'alice@corp.com' };
const bob = { platform: 'slack' as const, id: 'U0BOB', email: 'bob@corp.com' };
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
    - { actions: [unclaim], requesters: [bob@corp.com], approval: { approvers: [alice@corp.com] } }
`,
    `${folder.dir}/domainops.yaml`,
    { T: TOKEN },
  );
});

afterAll(async () => {
  await webex?.close();
  folder.remove();
});

/** A Slack stand-in that records everything it is asked to show. */
function recorder() {
  const shown: (RequestUpdate | { origin: unknown; update: RequestUpdate })[] = [];
  const platform: Platform = {
    name: 'slack',
    routes: [],
    start: async () => undefined,
    stop: async () => undefined,
    ready: () => true,
    notify: async (update) => {
      shown.push(update);
    },
    postToOrigin: async (origin, update) => {
      shown.push({ origin, update });
    },
  };
  return { platform, shown };
}

const unclaims = () => webex.requests.filter((r) => r.path.endsWith('/unclaimDomain')).length;

async function start(logger = createLogger({ level: 'silent' })): Promise<Runtime & { shown: unknown[] }> {
  const slack = recorder();
  const runtime = await startRuntime({ config, logger, platforms: [async () => slack.platform] });
  return Object.assign(runtime, { shown: slack.shown });
}

describe('a delivery replayed after a restart', () => {
  it('is not run again and gets no answer', async () => {
    const origin = { platform: 'slack' as const, channel: 'C0OPS' };
    const before = await start();
    const done = await before.chat.message({
      text: 'unclaim abc.com',
      actor: alice,
      deliveryKey: 'slack:event:Ev0001',
      origin,
    });
    const asked = await before.chat.message({
      text: 'unclaim def.com',
      actor: bob,
      deliveryKey: 'slack:event:Ev0002',
      origin,
    });
    expect(done?.reply.status).toBe('succeeded');
    expect(asked?.reply.status).toBe('pending');
    expect(unclaims()).toBe(1);
    await before.stop();

    const captured = capturedLogger();
    const after = await start(captured.logger);
    try {
      const again = await after.chat.message({
        text: 'unclaim abc.com',
        actor: alice,
        deliveryKey: 'slack:event:Ev0001',
        origin,
      });
      const askedAgain = await after.chat.message({
        text: 'unclaim def.com',
        actor: bob,
        deliveryKey: 'slack:event:Ev0002',
        origin,
      });
      expect(again).toBeUndefined();
      expect(askedAgain).toBeUndefined();
      expect(await after.chat.drain(2000)).toBe(true);
      expect(after.shown).toEqual([]);
      expect(unclaims()).toBe(1);
      expect(captured.lines.filter((l) => l.includes('redelivered command ignored'))).toHaveLength(2);
    } finally {
      await after.stop();
    }
  });

  it('is marked as a redelivery in the app’s reply, outside the JSON document', async () => {
    const app = createApp({ ...config, store: storeSetting(':memory:') });
    try {
      const first = await app.handle('unclaim def.com', bob, { deliveryKey: 'k-1' });
      const again = await app.handle('unclaim def.com', bob, { deliveryKey: 'k-1' });
      expect(isRedelivery(first)).toBe(false);
      expect(again).toMatchObject({ redelivered: true, status: 'pending', requestId: first.requestId });
      expect(replyDocument(again)).not.toHaveProperty('redelivered');
    } finally {
      await app.close();
    }
  });
});
