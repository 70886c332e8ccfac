import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliIo, runCli } from '../../src/cli/index.ts';

/** Writes a config file into a fresh temporary folder and returns its path. */
export function writeConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'domainops-cli-'));
  const file = join(dir, 'domainops.yaml');
  writeFileSync(file, text);
  return file;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function cli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  extra: Partial<CliIo> = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => {
      stdout += `${t}\n`;
    },
    stderr: (t) => {
      stderr += `${t}\n`;
    },
    env,
    ...extra,
  });
  return { code, stdout, stderr };
}

/**
 * A Webex-only config: admins alice and bob, one `unclaim` rule with one approval. The vendor is
 * a closed port, so a call that should not happen fails loudly instead of hanging.
 */
export function unclaimConfig(expires = '30m'): string {
  return `
store: ./data/domainops.db
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
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: ${expires} }
`;
}

/** The environment `unclaimConfig` needs. */
export const UNCLAIM_ENV = { WEBEX_IDENTITY_TOKEN: 'x' };
