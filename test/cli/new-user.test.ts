/** The CLI as a new user meets it: its version, the commands it tells you to type, the audit documents, a busy port. */

import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, UNCLAIM_ENV, unclaimConfig, writeConfig } from './helpers.ts';

describe('the CLI for a new user', () => {
  it('--version prints the version', async () => {
    const run = await cli(['--version'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^domainops \d+\.\d+\.\d+\n$/);
  });

  it('tells the user the CLI commands to approve or deny, not the chat syntax', async () => {
    const file = writeConfig(unclaimConfig());
    const run = await cli(
      ['--config', file, 'exec', '--as', 'alice@corp.com', 'unclaim abc.com'],
      UNCLAIM_ENV,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/`domainops approve r-[0-9a-z]{8} --as <email>`/);
    expect(run.stdout).toMatch(/`domainops deny r-[0-9a-z]{8} --as <email> \[--reason <text>\]`/);
  });

  it('a dry run the policy rejects says so before the request it would send', async () => {
    const file = writeConfig(unclaimConfig());
    const run = await cli(
      ['--config', file, 'exec', '--dry-run', '--as', 'eve@corp.com', 'unclaim abc.com'],
      UNCLAIM_ENV,
    );
    expect(run.code).toBe(3);
    const text = run.stderr;
    expect(text.indexOf('Decision: rejected')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('Decision: rejected')).toBeLessThan(text.indexOf('POST '));
  });

  it('audit --json and --jsonl carry the same events, oldest first, with ISO 8601 times', async () => {
    const file = writeConfig(unclaimConfig());
    await cli(['--config', file, 'exec', '--as', 'alice@corp.com', 'unclaim abc.com'], UNCLAIM_ENV);
    await cli(['--config', file, 'exec', '--as', 'alice@corp.com', 'unclaim def.com'], UNCLAIM_ENV);
    const json = JSON.parse((await cli(['--config', file, 'audit', '--json'], UNCLAIM_ENV)).stdout) as {
      seq: number;
      at: string;
    }[];
    const lines = (await cli(['--config', file, 'audit', '--jsonl'], UNCLAIM_ENV)).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(Array.isArray(json)).toBe(true);
    expect(json).toEqual(lines);
    expect(json.map((e) => e.seq)).toEqual([...json.map((e) => e.seq)].sort((a, b) => a - b));
    for (const e of json) expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe('start on a port that is taken', () => {
  let blocker: Server;
  let port = 0;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('says so in one line, with what to set', async () => {
    const file = writeConfig(
      `${unclaimConfig()}server: { host: 127.0.0.1, port: ${port} }\nstore: ':memory:'\n`.replace(
        'store: ./data/domainops.db\n',
        '',
      ),
    );
    const run = await cli(['--config', file, 'start'], UNCLAIM_ENV);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      `domainops could not start: port ${port} on 127.0.0.1 is taken by another process; set PORT or server.port to a free port`,
    ]);
  });
});

describe('a container started without a mounted config', () => {
  it('says in one line to mount one where DOMAINOPS_CONFIG points', async () => {
    const run = await cli(['start'], { DOMAINOPS_CONFIG: '/nonexistent-config-dir/domainops.yaml' });
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /no config at \/nonexistent-config-dir\/domainops\.yaml \(named by DOMAINOPS_CONFIG\): mount yours there/,
    );
    expect(lines[0]).toMatch(/README, "Docker"/);
  });
});

describe('--sandbox', () => {
  it('runs a command against the built-in vendor sandbox with the example config, no config file needed', async () => {
    const dir = (await import('node:fs')).mkdtempSync(
      (await import('node:path')).join((await import('node:os')).tmpdir(), 'domainops-sbx-'),
    );
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const run = await cli(['--sandbox', 'exec', '--as', 'carol@corp.com', '--json', 'domain corp.ru'], {});
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        status: 'succeeded',
        action: 'domain',
        target: 'yc-sso',
      });
      const refused = await cli(['--sandbox', '--config', 'x.yaml', 'pending'], {});
      expect(refused.code).toBe(2);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('someone the policy names nowhere', () => {
  it('is told the short reason only, with no rule or group names, and may still ask for help', async () => {
    const file = writeConfig(unclaimConfig());
    const refused = await cli(
      ['--config', file, 'exec', '--as', 'eve@corp.com', '--json', 'unclaim abc.com'],
      UNCLAIM_ENV,
    );
    expect(refused.code).toBe(3);
    const doc = JSON.parse(refused.stdout || refused.stderr) as {
      error: { message: string };
      policy?: string;
    };
    expect(doc.error.message).toBe('eve@corp.com may not run unclaim');
    expect(doc.policy).toBeUndefined();
    expect(refused.stdout + refused.stderr).not.toMatch(/admins|"rule 1"/);
    const help = await cli(['--config', file, 'exec', '--as', 'eve@corp.com', 'help'], UNCLAIM_ENV);
    expect(help.code).toBe(0);
  });
});
