import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { RequestStore } from '../../src/core/requests/store.ts';
import { type Runtime, startRuntime } from '../../src/runtime.ts';
import { createLogger } from '../../src/server/logger.ts';
import { openSqliteStore } from '../../src/stores/sqlite/store.ts';
import { createGate } from '../helpers/gate.ts';
import { capturedLogger, ORG, webexConfig } from './helpers.ts';

const TOKEN = 'wx-identity-token-that-must-not-leak';
let webex: WebexFake;
let runtime: Runtime;
let logLines: string[] = [];

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['abc.com'] } } });
  webex.state.accessTokens.add(TOKEN);
  const config = webexConfig(webex.apiUrl, TOKEN);
  const captured = capturedLogger();
  logLines = captured.lines;
  runtime = await startRuntime({ config, platforms: [], logger: captured.logger });
});

afterAll(async () => {
  await runtime?.stop();
  await webex?.close();
});

describe('operations endpoints', () => {
  it('/healthz answers ok', async () => {
    const res = await fetch(`${runtime.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz checks the store', async () => {
    const res = await fetch(`${runtime.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { store: true } });
  });

  it('/metrics counts commands, vendor latency and pending approvals', async () => {
    const alice = { platform: 'local' as const, id: 'alice@corp.com', email: 'alice@corp.com' };
    const bob = { platform: 'local' as const, id: 'bob@corp.com', email: 'bob@corp.com' };
    const asked = await runtime.chat.message({ text: 'unclaim abc.com', actor: alice });
    expect(asked?.reply.status).toBe('pending');
    let text = await (await fetch(`${runtime.url}/metrics`)).text();
    expect(text).toMatch(/domainops_pending_approvals 1/);
    expect(text).toMatch(/domainops_commands_total\{action="unclaim",outcome="pending"\} 1/);
    await runtime.chat.decide({ decision: 'approve', requestId: asked!.reply.requestId!, actor: bob });
    text = await (await fetch(`${runtime.url}/metrics`)).text();
    expect(text).toMatch(/domainops_pending_approvals 0/);
    expect(text).toMatch(/domainops_commands_total\{action="unclaim",outcome="succeeded"\} 1/);
    expect(text).toMatch(/domainops_vendor_request_duration_seconds_count\{vendor="webex",status="204"\} 1/);
  });

  it('unknown paths are 404, wrong methods 405', async () => {
    expect((await fetch(`${runtime.url}/nope`)).status).toBe(404);
    expect((await fetch(`${runtime.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('a failing vendor call is logged without its token', async () => {
    const alice = { platform: 'local' as const, id: 'alice@corp.com', email: 'alice@corp.com' };
    const bob = { platform: 'local' as const, id: 'bob@corp.com', email: 'bob@corp.com' };
    webex.fault(
      { kind: 'status', status: 401, body: '{"message":"bad token"}' },
      { path: /unclaimDomain$/, times: 2 },
    );
    const asked = await runtime.chat.message({ text: 'unclaim abc.com', actor: alice });
    const done = await runtime.chat.decide({
      decision: 'approve',
      requestId: asked!.reply.requestId!,
      actor: bob,
    });
    expect(done?.reply.status).toBe('failed');
    const failures = logLines.filter((l) => l.includes('vendor call failed'));
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatch(/"status":401/);
    for (const line of logLines) expect(line).not.toContain(TOKEN);
    expect(JSON.stringify(done)).not.toContain(TOKEN);
  });
});

describe('graceful shutdown', () => {
  it('waits for a command in flight before closing the store', async () => {
    const slow = await startWebexFake({ orgs: { [ORG]: { claimed: ['slow.com'] } } });
    slow.state.accessTokens.add(TOKEN);
    const config = parseConfig(
      `
store: ":memory:"
server: { host: 127.0.0.1, port: 0 }
targets:
  w: { vendor: webex, orgId: ${ORG}, apiUrl: ${slow.apiUrl}, auth: { accessToken: env:T } }
policy:
  rules:
    - { actions: [unclaim], requesters: [alice@corp.com], approval: none }
`,
      '/tmp/domainops-shutdown-test.yaml',
      { T: TOKEN },
    );
    // The vendor holds its answer until the runtime waits for the command (or closes the store).
    const vendor = createGate();
    const opened = openSqliteStore(':memory:');
    let closedWhileHeld = false;
    const store: RequestStore = {
      ...opened,
      async close() {
        if (!vendor.isOpen) closedWhileHeld = true;
        vendor.open();
        await opened.close();
      },
    };
    const rt = await startRuntime({
      config,
      store,
      platforms: [],
      logger: createLogger({ level: 'silent' }),
    });
    const drain = rt.chat.drain;
    rt.chat.drain = (ms) => {
      const drained = drain(ms);
      vendor.open();
      return drained;
    };
    slow.fault({ kind: 'hold', until: vendor.wait }, { path: /unclaimDomain$/ });
    const alice = { platform: 'local' as const, id: 'alice@corp.com', email: 'alice@corp.com' };
    const inFlight = rt.chat.message({ text: 'unclaim slow.com', actor: alice });
    await vendor.reached;
    await rt.stop();
    expect(closedWhileHeld).toBe(false);
    expect((await inFlight)?.reply.status).toBe('succeeded');
    await slow.close();
  });
});
