/**
 * One clock through the runtime: request times and expiry, the expiry sweep, vendor retry waits,
 * vendor token lifetimes and the Slack identity cache all go by the clock given to startRuntime.
 * The test clock moves only when a test moves it, so nothing here waits in real time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { type Runtime, startRuntime } from '../../src/runtime.ts';
import { type SlackFake, startSlackFake } from '../fakes/slack-api.ts';
import { createTestClock, TEST_EPOCH, type TestClock } from '../helpers/clock.ts';
import {
  BOT_TOKEN,
  deliver,
  slackConfig,
  slashCommand,
  startSlackRuntime,
  USERS,
} from '../platforms/slack/helpers.ts';
import { capturedLogger, ORG } from './helpers.ts';

const MINUTE = 60_000;
const alice: Actor = { platform: 'local', id: 'alice@corp.com', email: 'alice@corp.com' };
const bob: Actor = { platform: 'local', id: 'bob@corp.com', email: 'bob@corp.com' };

let webex: WebexFake;
let runtime: Runtime | undefined;
let clock: TestClock;
let logLines: string[];

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['a.com', 'b.com', 'c.com', 'd.com'] } } });
  webex.state.clients.set('client-1', { secret: 'client-secret-1' });
  webex.state.refreshTokens.set('refresh-1', 'client-1');
  // An hour: renewed 5 minutes before it runs out.
  webex.state.tokenLifetime = 3600;
});

afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

afterAll(async () => {
  await webex?.close();
});

/** Webex by refresh token, two retries; alice and bob approve each other's unclaim. */
function config(): Config {
  return parseConfig(
    `
store: ":memory:"
server: { host: 127.0.0.1, port: 0 }
http: { retries: 2, maxRetryAfter: 10s }
targets:
  webex-prod:
    vendor: webex
    orgId: ${ORG}
    apiUrl: ${webex.apiUrl}
    auth: { clientId: client-1, clientSecret: env:SECRET, refreshToken: env:REFRESH, tokenUrl: ${webex.tokenUrl} }
policy:
  groups: { admins: [alice@corp.com, bob@corp.com] }
  rules:
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
`,
    '/tmp/domainops-clock-test.yaml',
    { SECRET: 'client-secret-1', REFRESH: 'refresh-1' },
  );
}

/** A runtime on a fresh test clock, with the default 30 s sweep. */
async function start(): Promise<Runtime> {
  clock = createTestClock();
  const captured = capturedLogger();
  logLines = captured.lines;
  runtime = await startRuntime({ config: config(), clock, platforms: [], logger: captured.logger });
  return runtime;
}

/** Alice asks to unclaim `domain`; returns the request id. */
async function ask(rt: Runtime, domain: string): Promise<string> {
  const asked = await rt.chat.message({ text: `unclaim ${domain}`, actor: alice });
  expect(asked?.reply.status).toBe('pending');
  return asked!.reply.requestId!;
}

const tokenExchanges = () => webex.requests.filter((r) => r.path === '/v1/access_token').length;
const unclaims = () => webex.requests.filter((r) => r.path.endsWith('/actions/unclaimDomain')).length;

describe('the runtime clock', () => {
  it('stamps requests with its time and expires them by a sweep that waits on it', async () => {
    const rt = await start();
    // The sweep waits on the clock, not on a real timer.
    expect(clock.pending()).toEqual([TEST_EPOCH + 30_000]);
    const id = await ask(rt, 'a.com');
    const asked = await rt.app.workflow().get(id);
    expect(asked).toMatchObject({ createdAt: TEST_EPOCH, approval: { expiresAt: TEST_EPOCH + 30 * MINUTE } });

    await clock.advance(29 * MINUTE);
    await clock.sleeping();
    expect((await rt.app.workflow().get(id))?.status).toBe('pending');
    await clock.advance(2 * MINUTE);
    await clock.sleeping();
    expect((await rt.app.workflow().get(id))?.status).toBe('expired');
    expect(logLines.some((l) => l.includes('request expired without enough approvals'))).toBe(true);
  });

  it('ends the sweep’s wait when the runtime stops', async () => {
    const rt = await start();
    expect(clock.pending()).toHaveLength(1);
    await rt.stop();
    expect(clock.pending()).toEqual([]);
  });

  it('waits out a vendor’s Retry-After on it', async () => {
    const rt = await start();
    const id = await ask(rt, 'b.com');
    webex.fault({ kind: 'status', status: 429, retryAfter: '2' }, { path: /unclaimDomain$/ });
    const before = unclaims();
    const approved = rt.chat.decide({ decision: 'approve', requestId: id, actor: bob });
    // The sweep, the retry wait and the lease heartbeat (a third of the 60 s lease), all on the clock.
    const first = await Promise.race([
      clock.sleeping(3).then(() => 'waiting on the clock'),
      approved.then(() => 'finished without it'),
    ]);
    expect(first).toBe('waiting on the clock');
    expect(clock.pending()).toEqual([TEST_EPOCH + 2_000, TEST_EPOCH + 20_000, TEST_EPOCH + 30_000]);
    expect(unclaims() - before).toBe(1);
    await clock.advance(2_000);
    expect((await approved)?.reply.status).toBe('succeeded');
    expect(unclaims() - before).toBe(2);
  });

  it('renews a vendor token when the token’s life on it is nearly over', async () => {
    const rt = await start();
    const before = tokenExchanges();
    const run = async (domain: string) => {
      const id = await ask(rt, domain);
      const done = await rt.chat.decide({ decision: 'approve', requestId: id, actor: bob });
      expect(done?.reply.status).toBe('succeeded');
    };
    await run('c.com');
    expect(tokenExchanges() - before).toBe(1);
    // 54 minutes on: the token is still good for more than the 5-minute margin.
    await clock.advance(54 * MINUTE);
    webex.state.orgs.get(ORG)!.claimed.add('c.com');
    await run('c.com');
    expect(tokenExchanges() - before).toBe(1);
    // 56 minutes after the exchange: renewed before its hour is up.
    await clock.advance(2 * MINUTE);
    await run('d.com');
    expect(tokenExchanges() - before).toBe(2);
  });

  it('is the app’s too when createApp makes the HTTP layer itself', async () => {
    clock = createTestClock();
    const app = createApp(config(), { clock });
    try {
      const asked = await app.handle('unclaim b.com', alice);
      expect(asked.status).toBe('pending');
      webex.state.orgs.get(ORG)!.claimed.add('b.com');
      webex.fault({ kind: 'status', status: 503, retryAfter: '3' }, { path: /unclaimDomain$/ });
      const approved = app.approve(asked.requestId!, bob);
      // The retry wait and the lease heartbeat (a third of the 60 s lease).
      const first = await Promise.race([
        clock.sleeping(2).then(() => 'waiting on the clock'),
        approved.then(() => 'finished without it'),
      ]);
      expect(first).toBe('waiting on the clock');
      expect(clock.pending()).toEqual([TEST_EPOCH + 3_000, TEST_EPOCH + 20_000]);
      await clock.advance(3_000);
      expect((await approved).status).toBe('succeeded');
    } finally {
      await app.close();
    }
  });
});

describe('the Slack identity cache on the runtime clock', () => {
  let slack: SlackFake;

  beforeAll(async () => {
    slack = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
  });

  afterAll(async () => {
    await slack?.close();
  });

  it('looks a person up again once 10 minutes have passed on it', async () => {
    clock = createTestClock();
    const rt = await startSlackRuntime(slackConfig(webex, slack, 'http'), undefined, { clock });
    runtime = rt;
    const whoami = async () => {
      expect((await deliver(rt.url, slashCommand(slack, 'U0ALICE', 'whoami'))).status).toBe(200);
      expect(await rt.chat.drain(5000)).toBe(true);
    };
    const lookups = () => slack.callsTo('users.info').length;
    const before = lookups();
    await whoami();
    expect(lookups() - before).toBe(1);
    await clock.advance(9 * MINUTE);
    await whoami();
    expect(lookups() - before).toBe(1);
    await clock.advance(2 * MINUTE);
    await whoami();
    expect(lookups() - before).toBe(2);
  });
});
