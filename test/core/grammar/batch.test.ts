/** Batches in the grammar: several subjects before `in <target>`, at most batch.max, each once. */
import { describe, expect, it } from 'vitest';
import { batchUsage, isVendorCommand, MAX_BATCH, type ParseResult } from '../../../src/core/grammar/index.ts';
import { COMMAND_BY_ACTION, COMMANDS, formatCommand, grammar, helpText, parseCommand } from './helpers.ts';

function ok(result: ParseResult) {
  if (!result.ok) throw new Error(`expected a command, got ${result.error.message}`);
  const command = result.command;
  if (!isVendorCommand(command)) throw new Error('expected a vendor command');
  return command;
}

function fails(result: ParseResult) {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.command)}`);
  return result.error;
}

describe('batch commands', () => {
  it('every command with a subject that changes something takes a batch; reads and list-domains do not', () => {
    const batch = COMMANDS.filter((c) => c.batch).map((c) => c.action);
    expect(batch).toEqual(
      expect.arrayContaining([
        'verify-token',
        'verify',
        'claim',
        'unclaim',
        'unverify',
        'assign-owner',
        'unassign-owner',
        'validate',
        'add-domain',
        'delete-domain',
      ]),
    );
    for (const read of ['domain', 'list-domains', 'help', 'pending', 'approve', 'audit']) {
      expect(COMMAND_BY_ACTION[read]?.batch, read).toBe(false);
    }
    if (COMMAND_BY_ACTION['dns-check'] !== undefined)
      expect(COMMAND_BY_ACTION['dns-check'].batch).toBe(false);
  });

  it('parses several domains before in <target>, the flags and because, each normalised, in order', () => {
    const command = ok(
      parseCommand('unverify A.com пример.рф c.com. in webex-prod --remove-pending because INC-1'),
    );
    expect(command.items?.map((i) => i.subject)).toEqual(['a.com', 'xn--e1afmkfd.xn--p1ai', 'c.com']);
    expect(command.items?.map((i) => i.call)).toEqual([
      { action: 'unverify', domain: 'a.com', removePending: true },
      { action: 'unverify', domain: 'xn--e1afmkfd.xn--p1ai', removePending: true },
      { action: 'unverify', domain: 'c.com', removePending: true },
    ]);
    // The first item is the command's subject and call.
    expect(command.subject).toBe('a.com');
    expect(command.call).toEqual({ action: 'unverify', domain: 'a.com', removePending: true });
    expect(command.target).toBe('webex-prod');
    expect(command.flags).toEqual(['--remove-pending']);
    expect(command.reason).toBe('INC-1');
    expect(formatCommand(command)).toBe(
      'unverify a.com xn--e1afmkfd.xn--p1ai c.com in webex-prod --remove-pending because INC-1',
    );
    expect(ok(parseCommand(formatCommand(command)))).toEqual(command);
  });

  it('parses a batch of emails', () => {
    // Email domains are compared without case; local parts as typed.
    const command = ok(parseCommand('unassign-owner a@corp.com B@CORP.com'));
    expect(command.items?.map((i) => i.call)).toEqual([
      { action: 'unassign-owner', email: 'a@corp.com' },
      { action: 'unassign-owner', email: 'B@corp.com' },
    ]);
  });

  it('one subject is a plain command, exactly as before (no items)', () => {
    const command = ok(parseCommand('unclaim abc.com in webex-prod'));
    expect(command).toEqual({
      action: 'unclaim',
      subject: 'abc.com',
      flags: [],
      target: 'webex-prod',
      call: { action: 'unclaim', domain: 'abc.com' },
    });
    expect('items' in command).toBe(false);
  });

  it('takes up to batch.max subjects and refuses more with the max', () => {
    const domains = (n: number) => Array.from({ length: n }, (_, i) => `d${i}.com`).join(' ');
    expect(ok(parseCommand(`unclaim ${domains(MAX_BATCH)}`)).items).toHaveLength(100);
    const over = fails(parseCommand(`unclaim ${domains(101)}`));
    expect(over.code).toBe('too_many_subjects');
    expect(over.message).toBe(
      'unclaim takes at most 100 domains at once and 101 were given; split them into several commands. Usage: unclaim <domain> [<domain> …] [in <target>]',
    );
    expect(over.usage).toBe('unclaim <domain> [<domain> …] [in <target>]');
    // The config's batch.max lowers it.
    expect(ok(grammar.parse(`unclaim ${domains(5)}`, { batchMax: 5 })).items).toHaveLength(5);
    const six = fails(grammar.parse(`unclaim ${domains(6)}`, { batchMax: 5 }));
    expect(six.code).toBe('too_many_subjects');
    expect(six.problem).toBe(
      'unclaim takes at most 5 domains at once and 6 were given; split them into several commands',
    );
    const emails = fails(grammar.parse('assign-owner a@x.com b@x.com c@x.com', { batchMax: 2 }));
    expect(emails.problem).toContain('at most 2 email addresses');
  });

  it('refuses a subject given twice, after normalisation, naming both spellings', () => {
    const same = fails(parseCommand('unclaim a.com b.com a.com'));
    expect(same.code).toBe('duplicate_subject');
    expect(same.problem).toBe('a.com is given twice; list each domain once');
    // A batch error shows the batch form of the usage, not the one-subject form.
    expect(same.message).toBe(
      'a.com is given twice; list each domain once. Usage: unclaim <domain> [<domain> …] [in <target>]',
    );
    const spelled = fails(parseCommand('unclaim пример.рф b.com XN--E1AFMKFD.XN--P1AI.'));
    expect(spelled.problem).toBe(
      'xn--e1afmkfd.xn--p1ai is given twice (as "пример.рф" and "XN--E1AFMKFD.XN--P1AI."); list each domain once',
    );
    expect(fails(parseCommand('unassign-owner a@x.com a@X.com')).problem).toBe(
      'a@x.com is given twice (as "a@x.com" and "a@X.com"); list each email address once',
    );
  });

  it('names the item that is not a valid domain or email', () => {
    const bad = fails(parseCommand('unclaim a.com b_c.com d.com'));
    expect(bad.code).toBe('invalid_domain');
    expect(bad.problem).toContain('"b_c.com" is not a valid domain');
    expect(fails(parseCommand('assign-owner a@x.com nope')).code).toBe('invalid_email');
  });

  it('refuses subjects after in <target> or a flag, and flags before the first subject', () => {
    const after = fails(parseCommand('unclaim a.com in webex-prod b.com'));
    expect(after.code).toBe('extra_argument');
    expect(after.problem).toBe('the domains go before in <target> and the flags; move "b.com" before them');
    expect(after.usage).toBe('unclaim <domain> [<domain> …] [in <target>]');
    expect(fails(parseCommand('unverify a.com b.com --remove-pending c.com')).usage).toBe(
      'unverify <domain> [<domain> …] [in <target>] [--remove-pending]',
    );
    expect(fails(parseCommand('unverify a.com --remove-pending b.com')).problem).toContain('move "b.com"');
    expect(fails(parseCommand('unverify --remove-pending a.com b.com')).code).toBe('misplaced_flag');
  });

  it('a read still takes one subject', () => {
    const error = fails(parseCommand('domain a.com b.com'));
    expect(error.code).toBe('extra_argument');
    expect(error.problem).toBe('domain takes one domain; remove "b.com"');
  });

  it('help shows the batch form of batch commands, with the max', () => {
    const spec = COMMAND_BY_ACTION.unclaim!;
    expect(batchUsage(spec)).toBe('unclaim <domain> [<domain> …] [in <target>]');
    expect(batchUsage(COMMAND_BY_ACTION.unverify!)).toBe(
      'unverify <domain> [<domain> …] [in <target>] [--remove-pending]',
    );
    expect(batchUsage(COMMAND_BY_ACTION.domain!)).toBeUndefined();
    expect(helpText('unclaim')).toContain(
      '   or: unclaim <domain> [<domain> …] [in <target>]   (up to 100, one approval for all)',
    );
    expect(grammar.help('unclaim', { batchMax: 20 })).toContain('(up to 20, one approval for all)');
    expect(helpText('domain')).not.toContain('   or:');
    expect(helpText()).toContain('A command that changes something takes up to 100 domains or emails');
  });
});
