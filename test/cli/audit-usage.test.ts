/**
 * The arguments of `domainops audit`, `audit verify` and `audit --follow`: what makes no sense
 * is a usage error (exit 2) that says what to type instead, and reads nothing.
 */
import { describe, expect, it } from 'vitest';
import { cli, UNCLAIM_ENV, unclaimConfig, writeConfig } from './helpers.ts';

describe('audit arguments', () => {
  const file = writeConfig(unclaimConfig());
  const run = (args: string[]) => cli(['audit', ...args, '--config', file], UNCLAIM_ENV);

  it.each([
    [
      ['--follow'],
      '--follow prints JSON Lines: add --jsonl (domainops audit --follow --jsonl [--after <seq>])',
    ],
    [['--follow', '--json'], '--follow prints one event a line: use --jsonl, not --json'],
    [['--follow', '--jsonl', '--limit', '5'], '--follow takes --after <seq>, not --limit'],
    [
      ['--follow', '--jsonl', '--after=-1'],
      '--after takes the seq of the last event already seen: a whole number, 0 or more',
    ],
    [['--follow', '--jsonl', '--after', 'last'], '--after takes the seq of the last event already seen'],
    [['--follow', '--jsonl', '--after', '1.5'], '--after takes the seq of the last event already seen'],
    [['--follow', '--jsonl', '--after', ''], '--after takes the seq of the last event already seen'],
    [
      ['--jsonl', '--after', '3'],
      '--after goes with --follow (domainops audit --follow --jsonl [--after <seq>])',
    ],
    [['verify', '--limit', '3'], 'audit verify does not take --limit (only --json)'],
    [['verify', '--follow'], 'audit verify does not take --follow (only --json)'],
    [['verify', 'now'], 'audit verify takes no arguments'],
    [['everything'], 'audit takes no arguments but `verify`; use --limit N for the number of events'],
    [['--json', '--jsonl'], 'choose one of --json and --jsonl'],
  ])('audit %j is a usage error', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  it('lists its forms in the help', async () => {
    const help = await cli(['--help'], {});
    expect(help.stdout).toContain('audit --follow --jsonl [--after <seq>]');
    expect(help.stdout).toContain('audit verify [--json]');
  });
});
