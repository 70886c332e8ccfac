// biome-ignore-all lint/suspicious/noExplicitAny: JSON documents the CLI printed, read back
/** Reasons (`because …`, `reason: required`) and approvals bound to the exact vendor request. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, UNCLAIM_ENV, unclaimConfig, writeConfig } from './helpers.ts';

async function json(file: string, argv: string[]) {
  const run = await cli(['--config', file, ...argv, '--json'], UNCLAIM_ENV);
  return { code: run.code, doc: JSON.parse(run.stdout || run.stderr) as Record<string, any> };
}

describe('reasons', () => {
  it('are stored as typed, audited, and in the JSON document and the cards, shown escaped', async () => {
    const file = writeConfig(unclaimConfig());
    const reason = 'ACME offboarded <@U024BE7LH> *now*, see INC-4411 & https://x.example';
    const asked = await json(file, ['exec', '--as', 'alice@corp.com', `unclaim abc.com because ${reason}`]);
    expect(asked.code).toBe(0);
    expect(asked.doc).toMatchObject({ status: 'pending', reason });
    const slack = JSON.stringify(asked.doc.cards.slack);
    expect(slack).toContain('&lt;@U024BE7LH&gt;');
    expect(slack).not.toContain('<@U024BE7LH>');
    expect(JSON.stringify(asked.doc.cards.webex)).toContain('Reason');
    const audit = JSON.parse((await cli(['--config', file, 'audit', '--json'], UNCLAIM_ENV)).stdout) as any[];
    expect(audit.at(-1)?.details?.because).toBe(reason);
  });

  it('a rule with reason: required refuses a command without one and says how to add it', async () => {
    const file = writeConfig(
      unclaimConfig().replace('approval: { approvers', 'reason: required\n      approval: { approvers'),
    );
    const refused = await json(file, ['exec', '--as', 'alice@corp.com', 'unclaim abc.com']);
    expect(refused.code).toBe(3);
    expect(refused.doc.status).toBe('rejected');
    expect(refused.doc.error.message).toMatch(
      /needs a reason: end the command with because <why>, e\.g\. unclaim abc\.com/,
    );
    const ok = await json(file, ['exec', '--as', 'alice@corp.com', 'unclaim abc.com because INC-1']);
    expect(ok.doc).toMatchObject({ status: 'pending', reason: 'INC-1' });
  });
});

describe('an approval is bound to the exact vendor request', () => {
  it('shows the request on the approval and refuses to send a changed one (request_changed, exit 3)', async () => {
    const before = writeConfig(unclaimConfig());
    const store = join(before, '..', 'data', 'domainops.db');
    const asked = await json(before, ['exec', '--as', 'alice@corp.com', 'unclaim abc.com']);
    expect(asked.doc.request).toMatchObject({
      method: 'POST',
      url: 'http://127.0.0.1:9/v1/identity/organizations/1eb65fdf-9643-417f-9974-ad72cae0e10f/actions/unclaimDomain',
      body: '{"domain":"abc.com"}',
    });
    expect(JSON.stringify(asked.doc.cards.webex)).toContain('unclaimDomain');
    // The target's config changes between request and approval: another organization.
    const after = writeConfig(
      unclaimConfig()
        .replace('1eb65fdf-9643-417f-9974-ad72cae0e10f', '00000000-0000-4000-8000-000000000000')
        .replace('./data/domainops.db', store),
    );
    const approved = await json(after, ['approve', asked.doc.requestId, '--as', 'bob@corp.com']);
    expect(approved.code).toBe(3);
    expect(approved.doc.status).toBe('rejected');
    expect(approved.doc.error.code).toBe('request_changed');
    expect(approved.doc.error.message).toMatch(/00000000-0000-4000-8000-000000000000.*instead of.*1eb65fdf/);
    const audit = JSON.parse(
      (await cli(['--config', after, 'audit', '--json'], UNCLAIM_ENV)).stdout,
    ) as any[];
    const last = audit.at(-1);
    expect(last).toMatchObject({ type: 'rejected', details: { code: 'request_changed' } });
    expect(last.details.approved.url).toContain('1eb65fdf');
    expect(last.details.now.url).toContain('00000000-0000-4000-8000-000000000000');
    // A later approve says why it was rejected: the request changed, not the policy.
    const again = await cli(
      ['--config', after, 'approve', asked.doc.requestId, '--as', 'bob@corp.com'],
      UNCLAIM_ENV,
    );
    expect(again.code).toBe(6);
    expect(again.stderr).toContain(
      `request ${asked.doc.requestId} is no longer open: it was rejected because the vendor request changed since it was approved (request_changed)`,
    );
    expect(again.stderr).not.toContain('rejected by the policy');
  });
});
