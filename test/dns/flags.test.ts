/**
 * `--wait` and `--skip-dns-check` together: one waits for DNS, the other skips it; the command is
 * refused as a usage error (exit 2) that says to use one of them, instead of dropping `--wait`.
 */
import { describe, expect, it } from 'vitest';
import { modules } from '../../src/modules.ts';
import { cli, writeConfig } from '../cli/helpers.ts';

const CONFIG = `
store: ./data/domainops.db
targets:
  webex-prod:
    vendor: webex
    orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f
    apiUrl: http://127.0.0.1:9/v1
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
  yc-sso:
    vendor: yandex
    federationId: fed-1
    apiUrl: http://127.0.0.1:9/organization-manager/v1
    operationUrl: http://127.0.0.1:9
    auth: { iamToken: env:YC_IAM_TOKEN }
policy:
  groups: { admins: [alice@corp.com] }
  rules:
    - { actions: [verify, validate], requesters: [admins], approval: none }
`;

describe('--wait with --skip-dns-check', () => {
  it('the grammar refuses them together, in either order, naming both and what each does', () => {
    for (const line of [
      'validate corp.ru --wait --skip-dns-check',
      'validate corp.ru --skip-dns-check --wait',
      'verify corp.com --claim --skip-dns-check --wait',
      'validate a.ru b.ru in yc-sso --wait --skip-dns-check',
    ]) {
      const parsed = modules.grammar.parse(line);
      expect(parsed.ok, line).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.error.code, line).toBe('conflicting_flags');
      expect(parsed.error.problem, line).toMatch(
        /^--(wait|skip-dns-check) and --(wait|skip-dns-check) cannot be used together: use one of them \(/,
      );
      expect(parsed.error.problem).toContain('--wait: check DNS again');
      expect(parsed.error.problem).toContain('--skip-dns-check: send the request without checking DNS first');
    }
    // Each alone is still a command.
    expect(modules.grammar.parse('validate corp.ru --wait').ok).toBe(true);
    expect(modules.grammar.parse('verify corp.com --skip-dns-check --claim').ok).toBe(true);
  });

  it('exec refuses the command with exit 2 and sends nothing', async () => {
    const file = writeConfig(CONFIG);
    const env = { WEBEX_IDENTITY_TOKEN: 'x', YC_IAM_TOKEN: 'y' };
    for (const command of [
      'validate corp.ru in yc-sso --wait --skip-dns-check',
      'verify corp.com --skip-dns-check --wait',
    ]) {
      const run = await cli(['exec', '--config', file, '--as', 'alice@corp.com', command], env);
      expect(run.code, command).toBe(2);
      expect(run.stderr, command).toContain('cannot be used together: use one of them');
      const json = await cli(['exec', '--config', file, '--as', 'alice@corp.com', '--json', command], env);
      expect(json.code).toBe(2);
      expect((JSON.parse(json.stdout) as { error: { code: string } }).error.code).toBe('conflicting_flags');
    }
  });
});
