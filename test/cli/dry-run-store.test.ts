import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import { cli, writeConfig } from './helpers.ts';

// Webex points at a closed port: a call that escaped a dry run would fail loudly, not hang.
const CONFIG = `
store: ./data/domainops.db
http: { connectTimeout: 1s, timeout: 1s, retries: 0, maxRetryAfter: 1s }
targets:
  webex-prod:
    vendor: webex
    orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f
    apiUrl: http://127.0.0.1:9/v1
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups:
    admins: [alice@corp.com, bob@corp.com]
  rules:
    - actions: [help, whoami, targets, pending, audit]
      requesters: [admins]
      approval: none
    - actions: [unclaim, unverify]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
`;
const ENV = { WEBEX_IDENTITY_TOKEN: 'wx-secret-1' };

async function json(file: string, argv: string[]) {
  const run = await cli([...argv, '--config', file, '--json'], ENV);
  // biome-ignore lint/suspicious/noExplicitAny: the JSON document is checked field by field
  return { ...run, doc: JSON.parse(run.stdout) as Record<string, any> };
}

describe('exec --dry-run stores nothing and sends nothing', () => {
  it('creates no database for a vendor command or a command that needs no store', async () => {
    const file = writeConfig(CONFIG);
    for (const command of [
      'unclaim abc.com',
      'unverify abc.com --remove-pending',
      'help',
      'whoami',
      'targets',
    ]) {
      const run = await cli(['exec', '--config', file, '--as', 'alice@corp.com', '--dry-run', command], ENV);
      expect(run.code, command).toBe(0);
      expect(run.stdout + run.stderr).not.toContain('wx-secret-1');
    }
    expect(existsSync(join(dirname(file), 'data'))).toBe(false);
  });

  it.each(['approve r-abcdefgh', 'deny r-abcdefgh no', 'cancel r-abcdefgh', 'pending', 'audit 5'])(
    'refuses %j with a usage error, opening no store',
    async (command) => {
      const file = writeConfig(CONFIG);
      const run = await json(file, ['exec', '--as', 'bob@corp.com', '--dry-run', command]);
      expect(run.code).toBe(2);
      expect(run.doc.error).toMatchObject({ code: 'dry_run_unsupported' });
      expect(run.doc.error.message).toMatch(/--dry-run/);
      expect(existsSync(join(dirname(file), 'data'))).toBe(false);
    },
  );

  it('never approves (or runs) a pending request, and audits nothing', async () => {
    const file = writeConfig(CONFIG);
    const asked = await json(file, ['exec', '--as', 'alice@corp.com', 'unclaim abc.com']);
    expect(asked.doc.status).toBe('pending');
    const id: string = asked.doc.requestId;
    const before = (await json(file, ['audit'])).doc.length;

    for (const command of [`approve ${id}`, `deny ${id}`, `cancel ${id}`]) {
      const who = command.startsWith('cancel') ? 'alice@corp.com' : 'bob@corp.com';
      const run = await json(file, ['exec', '--as', who, '--dry-run', command]);
      expect(run.code, command).toBe(2);
    }
    const pending = await json(file, ['pending']);
    expect(pending.doc.requests).toMatchObject([{ id, status: 'pending', approvals: [] }]);
    expect((await json(file, ['audit'])).doc).toHaveLength(before);
  });
});

describe('commands domainops answers itself', () => {
  it('are not answered when the deciding rule asks for an approval', async () => {
    const text = CONFIG.replace(
      'rules:',
      `rules:
    - name: audited reads
      actions: [audit, pending, unclaim]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 1m }`,
    );
    const file = writeConfig(text);
    const check = await cli(['check-config', '--config', file], ENV);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(
      /note: audit, pending cannot wait for an approval, so this rule refuses them/,
    );
    const config = parseConfig(text.replace('./data/domainops.db', '":memory:"'), file, ENV);
    const app = createApp(config);
    try {
      for (const text of ['audit', 'pending']) {
        const reply = await app.handle(text, { platform: 'cli', id: 'alice@corp.com' });
        expect(reply).toMatchObject({
          status: 'rejected',
          exitCode: 3,
          error: { code: 'approval_not_supported' },
        });
        expect(reply.result).toBeUndefined();
      }
    } finally {
      await app.close();
    }
  });
});
