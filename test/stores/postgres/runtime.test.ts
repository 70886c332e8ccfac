/**
 * domainops running on a PostgreSQL store: /readyz includes the store (and says why it is not
 * ready when the server is gone), and /metrics has the store's latency per operation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../../adapters/webex-identity/sandbox.ts';
import { type Runtime, startRuntime } from '../../../src/runtime.ts';
import { openPostgresStore } from '../../../src/stores/postgres/store.ts';
import { capturedLogger, ORG, webexConfig } from '../../server/helpers.ts';
import { freshSchema, PG_URL, settingFor, withParam } from './helpers.ts';
import { type CutProxy, startCutProxy } from './proxy.ts';

const TOKEN = 'wx-token-for-postgres';

describe.skipIf(PG_URL === undefined)('a runtime on a PostgreSQL store', () => {
  let webex: WebexFake;
  let runtime: Runtime;
  let proxy: CutProxy;
  let schema: ReturnType<typeof freshSchema>;

  beforeAll(async () => {
    webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['abc.com'] } } });
    webex.state.accessTokens.add(TOKEN);
    proxy = await startCutProxy(PG_URL!);
    schema = freshSchema();
    const setting = settingFor(withParam(proxy.via(PG_URL!), 'schema', schema.name));
    runtime = await startRuntime({
      config: { ...webexConfig(webex.apiUrl, TOKEN), store: setting },
      platforms: [],
      logger: capturedLogger().logger,
      // Every /readyz really writes; retries return at once and give up quickly.
      store: openPostgresStore(setting, { probeInterval: 0, retryBudget: 0, sleep: async () => {} }),
    });
  });

  afterAll(async () => {
    await runtime?.stop();
    await proxy?.close();
    await webex?.close();
    await schema?.drop();
  });

  const readiness = async () => {
    const res = await fetch(`${runtime.url}/readyz`);
    return { status: res.status, body: await res.json() };
  };
  const latency = async (operation: string, outcome: string) => {
    const text = await (await fetch(`${runtime.url}/metrics`)).text();
    const line = new RegExp(
      `^domainops_store_operation_duration_seconds_count\\{operation="${operation}",outcome="${outcome}"\\} (\\d+)$`,
      'm',
    ).exec(text);
    return line ? Number(line[1]) : 0;
  };

  it('is ready while the server takes writes, and /metrics has the store latency', async () => {
    expect(await readiness()).toEqual({ status: 200, body: { status: 'ready', checks: { store: true } } });
    expect(await latency('health', 'ok')).toBeGreaterThanOrEqual(1);
    // Recovery at start listed the requests left executing or approved.
    expect(await latency('listByStatus', 'ok')).toBeGreaterThanOrEqual(1);
    const text = await (await fetch(`${runtime.url}/metrics`)).text();
    expect(text).toContain('# HELP domainops_store_operation_duration_seconds Store operation latency');
  });

  it('is not ready, naming the cause, while the server cannot be reached', async () => {
    const errors = await latency('health', 'error');
    // The server is gone: the pool's connections break, and new ones are refused.
    await proxy.close();
    const body = await readiness();
    expect(body).toEqual({
      status: 503,
      body: {
        status: 'not ready',
        checks: { store: false },
        storeError: {
          code: 'store_unavailable',
          message: expect.stringMatching(
            /^the (database server refused the connection|connection to the database server was lost)/,
          ),
          hint: expect.any(String),
        },
      },
    });
    expect(await latency('health', 'error')).toBe(errors + 1);
  });
});
