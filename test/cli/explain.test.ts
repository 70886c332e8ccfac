import { describe, expect, it } from 'vitest';
import { cli, unclaimConfig, writeConfig } from './helpers.ts';

describe('explain', () => {
  it('does not call approve, deny or cancel rejected: the approvers of the request decide', async () => {
    const file = writeConfig(unclaimConfig());
    for (const command of ['approve r-abcdefgh', 'deny r-abcdefgh no', 'cancel r-abcdefgh']) {
      const run = await cli(['explain', '--config', file, '--as', 'bob@corp.com', command], {});
      expect(run.code, command).toBe(0);
      expect(run.stdout).toMatch(/not decided by the policy rules/);
      expect(run.stdout).not.toMatch(/rejected/);
    }
  });

  it('still explains a vendor command by its rule', async () => {
    const file = writeConfig(unclaimConfig());
    const run = await cli(['explain', '--config', file, '--as', 'bob@corp.com', 'unclaim abc.com'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/needs approval \(rule "rule 1"\)/);
  });
});
