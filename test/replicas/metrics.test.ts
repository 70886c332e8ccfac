/**
 * `/metrics` counts lease renewals: a vendor call held at a gate while the runtime's test clock
 * moves a third of the lease at a time; each beat renews the lease and is counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { parseConfig } from '../../src/config/load.ts';
import { type Runtime, startRuntime } from '../../src/runtime.ts';
import { createLogger } from '../../src/server/logger.ts';
import { createTestClock } from '../helpers/clock.ts';
import { createGate } from '../helpers/gate.ts';
import { ORG } from '../server/helpers.ts';

const TOKEN = 'wx-identity-token-for-lease-metrics';
let webex: WebexFake;
let runtime: Runtime | undefined;

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['slow.com'] } } });
  webex.state.accessTokens.add(TOKEN);
});

afterAll(async () => {
  await runtime?.stop();
  await webex?.close();
});

const renewals = async (url: string): Promise<Record<string, number>> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^domainops_lease_renewals_total\{outcome="(\w+)"\} (\d+)$/gm))
    counts[m[1]!] = Number(m[2]);
  return counts;
};

describe('/metrics', () => {
  it('counts the renewals of the lease on a request this process is executing', async () => {
    const config = parseConfig(
      `
store: { url: ":memory:", lease: 30s }
server: { host: 127.0.0.1, port: 0 }
targets:
  w: { vendor: webex, orgId: ${ORG}, apiUrl: ${webex.apiUrl}, auth: { accessToken: env:T } }
policy:
  rules:
    - { actions: [unclaim], requesters: [alice@corp.com], approval: none }
`,
      '/tmp/domainops-lease-metrics.yaml',
      { T: TOKEN },
    );
    const clock = createTestClock();
    runtime = await startRuntime({ config, platforms: [], clock, logger: createLogger({ level: 'silent' }) });
    expect(await renewals(runtime.url)).toEqual({ renewed: 0, lost: 0, failed: 0 });

    const gate = createGate();
    webex.fault({ kind: 'hold', until: gate.wait }, { path: /unclaimDomain$/ });
    const alice = { platform: 'local', id: 'alice@corp.com', email: 'alice@corp.com' };
    const done = runtime.chat.message({ text: 'unclaim slow.com', actor: alice });
    await gate.reached;
    // The sweep (every 15 s: half the lease) and the heartbeat (every 10 s) wait on the clock.
    await clock.sleeping(2);
    for (let beat = 1; beat <= 2; beat++) {
      await clock.advance(10_000);
      await clock.sleeping(2);
    }
    expect(await renewals(runtime.url)).toEqual({ renewed: 2, lost: 0, failed: 0 });
    gate.open();
    expect((await done)?.reply.status).toBe('succeeded');
  });
});
