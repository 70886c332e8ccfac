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

describe('explain and a rule with reason: required', () => {
  const config = () =>
    writeConfig(
      unclaimConfig().replace('approval: { approvers', 'reason: required\n      approval: { approvers'),
    );

  it('without because: refused, needs a reason (exit 3), as exec refuses it; says what a reason would get', async () => {
    const file = config();
    const run = await cli(['explain', '--config', file, '--as', 'alice@corp.com', 'unclaim corp.com'], {});
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      'requires a reason (the command ends with because <why>): this command gives none',
    );
    expect(run.stderr).toMatch(
      /Decision: refused: needs a reason\. With one: needs approval \(rule "rule 1"\)/,
    );
    expect(run.stderr).not.toMatch(/Decision: needs approval/);
    const exec = await cli(['exec', '--config', file, '--as', 'alice@corp.com', 'unclaim corp.com'], {
      WEBEX_IDENTITY_TOKEN: 'x',
    });
    expect(exec.code).toBe(3);
    const doc = JSON.parse(
      (await cli(['explain', '--config', file, '--as', 'alice@corp.com', '--json', 'unclaim corp.com'], {}))
        .stdout,
    ) as { status: string; result: Record<string, unknown> };
    expect(doc.status).toBe('rejected');
    expect(doc.result).toMatchObject({
      decision: 'reject',
      rule: 'rule 1',
      reject: { code: 'reason_required' },
      reasonRequired: { given: false },
      approval: { count: 1 },
    });
  });

  it('with because: needs approval (exit 0), as exec would make it pending; the JSON status is dry-run, never succeeded', async () => {
    const file = config();
    const command = 'unclaim corp.com because INC-1';
    const run = await cli(['explain', '--config', file, '--as', 'alice@corp.com', command], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('this command gives one');
    expect(run.stdout).toMatch(/Decision: needs approval \(rule "rule 1"\)/);
    const doc = JSON.parse(
      (await cli(['explain', '--config', file, '--as', 'alice@corp.com', '--json', command], {})).stdout,
    ) as { status: string; result: Record<string, unknown> };
    expect(doc.status).toBe('dry-run');
    expect(doc.result).toMatchObject({ decision: 'approval', reasonRequired: { given: true } });
    // A batch is explained with its reason too.
    const batch = await cli(
      ['explain', '--config', file, '--as', 'alice@corp.com', 'unclaim a.com b.com because INC-2'],
      {},
    );
    expect(batch.code).toBe(0);
    expect(batch.stdout).toMatch(/Decision: needs approval/);
  });

  it('approve/deny/cancel and plain commands are explained with status dry-run, not succeeded', async () => {
    const file = writeConfig(unclaimConfig());
    for (const command of ['unclaim abc.com', 'approve r-abcdefgh']) {
      const run = await cli(['explain', '--config', file, '--as', 'bob@corp.com', '--json', command], {});
      expect(run.code, command).toBe(0);
      expect((JSON.parse(run.stdout) as { status: string }).status, command).toBe('dry-run');
    }
  });
});
