/**
 * The history a vendor call reads (`ExecuteOptions.history.lastResult`): the result of the latest
 * request of an action that succeeded for a subject, found also when the subject was one item of
 * a batch (not its first), and when the batch as a whole failed.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { VendorFailure } from '../../../src/core/errors.ts';
import { createPipeline } from '../../../src/core/pipeline.ts';
import type { VendorResult } from '../../../src/core/ports.ts';
import { modules } from '../../../src/modules.ts';
import { openSqliteStore } from '../../../src/stores/sqlite/store.ts';
import { createTestClock } from '../../helpers/clock.ts';

const config = parseConfig(
  `
store: ":memory:"
targets:
  webex-prod: { vendor: webex, orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f, apiUrl: "http://127.0.0.1:9/v1", auth: { accessToken: env:T } }
policy:
  groups: { admins: [alice@corp.com] }
  rules:
    - { actions: [verify-token, unclaim], requesters: [admins], approval: none }
`,
  '/tmp/x.yaml',
  { T: 'x' },
);
const alice = { platform: 'cli', id: 'alice@corp.com' } as const;

describe('the history of a target', () => {
  it('finds the token of a domain that was a later item of a batch that failed as a whole', async () => {
    /** What each `unclaim` found as the last `verify-token` of its domain. */
    const found = new Map<string, VendorResult | undefined>();
    let tokens = 0;
    const clock = createTestClock();
    const app = createPipeline(config, {
      modules,
      clock,
      store: () => openSqliteStore(':memory:'),
      client: (target) => ({
        vendor: 'webex',
        target: target.name,
        describe: () => ({ method: 'POST', url: 'http://127.0.0.1:9/v1/x', headers: {}, body: '{}' }),
        async execute(call, options) {
          const domain = String(call.domain);
          if (call.action === 'unclaim') {
            found.set(domain, await options?.history?.lastResult('verify-token', domain));
            return { action: 'unclaim', domain };
          }
          if (domain === 'a.com') {
            throw new VendorFailure('vendor_conflict', 'claimed by another organization', {
              vendor: 'webex',
              outcome: 'failed',
              status: 409,
            });
          }
          const token = `token-${++tokens}`;
          const value = `cisco-ci-domain-verification=${token}`;
          return { action: 'verify-token', domain, token, record: { name: domain, type: 'TXT', value } };
        },
      }),
    });
    try {
      const batch = await app.handle('verify-token a.com b.com', alice);
      expect(batch.status).toBe('failed');
      expect((await app.handle('unclaim b.com', alice)).status).toBe('succeeded');
      expect(found.get('b.com')).toMatchObject({ action: 'verify-token', domain: 'b.com', token: 'token-1' });
      // a.com's item failed: there is no token of a.com.
      expect((await app.handle('unclaim a.com', alice)).status).toBe('succeeded');
      expect(found.get('a.com')).toBeUndefined();
      // A later single request of b.com is the latest.
      await clock.advance(1000);
      expect((await app.handle('verify-token b.com', alice)).status).toBe('succeeded');
      expect((await app.handle('unclaim b.com', alice)).status).toBe('succeeded');
      expect(found.get('b.com')).toMatchObject({ token: 'token-2' });
    } finally {
      await app.close();
    }
  });
});
