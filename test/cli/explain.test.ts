import { describe, expect, it } from 'vitest';
import { cli, writeConfig } from './helpers.ts';

const CONFIG = `
targets:
  webex-prod:
    vendor: webex
    orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com]
  rules:
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
`;

describe('explain', () => {
  it('does not call approve, deny or cancel rejected: the approvers of the request decide', async () => {
    const file = writeConfig(CONFIG);
    for (const command of ['approve r-abcdefgh', 'deny r-abcdefgh no', 'cancel r-abcdefgh']) {
      const run = await cli(['explain', '--config', file, '--as', 'bob@corp.com', command], {});
      expect(run.code, command).toBe(0);
      expect(run.stdout).toMatch(/not decided by the policy rules/);
      expect(run.stdout).not.toMatch(/rejected/);
    }
  });

  it('still explains a vendor command by its rule', async () => {
    const file = writeConfig(CONFIG);
    const run = await cli(['explain', '--config', file, '--as', 'bob@corp.com', 'unclaim abc.com'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/needs approval \(rule "rule 1"\)/);
  });
});
