import { describe, expect, it } from 'vitest';
import { cli, UNCLAIM_ENV, unclaimConfig, writeConfig } from './helpers.ts';

describe('deny --reason', () => {
  it('follows the rules of the chat grammar, and a refused reason changes nothing', async () => {
    const file = writeConfig(unclaimConfig());
    const env = UNCLAIM_ENV;
    const asked = await cli(
      ['exec', '--config', file, '--as', 'alice@corp.com', '--json', 'unclaim abc.com'],
      env,
    );
    const id: string = JSON.parse(asked.stdout).requestId;
    for (const [reason, message] of [
      ['x'.repeat(501), /--reason: the reason is 501 characters long; at most 500/],
      ['two\nlines', /--reason: a command is one line/],
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

  it('keeps a reason with mentions and markup as free text, shown escaped', async () => {
    const file = writeConfig(unclaimConfig());
    const asked = await cli(
      ['exec', '--config', file, '--as', 'alice@corp.com', '--json', 'unclaim abc.com'],
      UNCLAIM_ENV,
    );
    const id: string = JSON.parse(asked.stdout).requestId;
    const denied = await cli(
      ['deny', id, '--config', file, '--as', 'bob@corp.com', '--json', '--reason', 'ping <!channel> *now*'],
      UNCLAIM_ENV,
    );
    expect(denied.code).toBe(0);
    const blocks = JSON.stringify(JSON.parse(denied.stdout).cards.slack.blocks);
    expect(blocks).toContain('&lt;!channel&gt;');
    expect(blocks).not.toContain('<!channel>');
  });
});
