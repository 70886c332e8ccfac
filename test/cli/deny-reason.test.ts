import { describe, expect, it } from 'vitest';
import { cli, writeConfig } from './helpers.ts';

const CONFIG = `
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
      approval: { approvers: [admins], count: 1, expires: 30m }
`;

describe('deny --reason', () => {
  it('follows the rules of the chat grammar, and a refused reason changes nothing', async () => {
    const file = writeConfig(CONFIG);
    const env = { WEBEX_IDENTITY_TOKEN: 'x' };
    const asked = await cli(
      ['exec', '--config', file, '--as', 'alice@corp.com', '--json', 'unclaim abc.com'],
      env,
    );
    const id: string = JSON.parse(asked.stdout).requestId;
    for (const [reason, message] of [
      ['x'.repeat(501), /--reason: the reason is 501 characters long; at most 500/],
      ['two\nlines', /--reason: a command is one line/],
      ['ping <!channel>', /--reason: arguments cannot contain mentions/],
    ] as const) {
      const run = await cli(['deny', id, '--config', file, '--as', 'bob@corp.com', '--reason', reason], env);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    const denied = await cli(
      ['deny', id, '--config', file, '--as', 'bob@corp.com', '--json', '--reason', '  wrong   org '],
      env,
    );
    expect(denied.code).toBe(0);
    const doc = JSON.parse(denied.stdout);
    expect(doc).toMatchObject({ status: 'denied', requestId: id, action: 'unclaim', target: 'webex-prod' });
    expect(JSON.stringify(doc.cards.slack.blocks)).toContain('wrong org');
  });
});
