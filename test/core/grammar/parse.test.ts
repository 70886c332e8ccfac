import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainopsError } from '../../../src/core/errors.ts';
import { type Command, ParseError } from '../../../src/core/grammar/index.ts';
import {
  ACTIONS,
  COMMAND_LIST_USAGE,
  COMMAND_WORDS,
  COMMANDS,
  callOf,
  formatCommand,
  parseCommand,
} from './helpers.ts';

function ok(text: string): Command {
  const result = parseCommand(text);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${result.error.message}`);
  return result.command;
}

function fails(text: string): ParseError {
  const result = parseCommand(text);
  if (result.ok)
    throw new Error(`expected ${JSON.stringify(text)} to fail, got ${JSON.stringify(result.command)}`);
  return result.error;
}

describe('parseCommand: every command and alias', () => {
  it.each<[string, Record<string, unknown>]>([
    ['unclaim abc.com', { action: 'unclaim', domain: 'abc.com' }],
    ['unclaim abc.com in webex-prod', { action: 'unclaim', domain: 'abc.com', target: 'webex-prod' }],
    ['  UNCLAIM   ABC.com\tIN  Webex-Prod  ', { action: 'unclaim', domain: 'abc.com', target: 'webex-prod' }],
    ['unclaim abc.com\n', { action: 'unclaim', domain: 'abc.com' }],
    ['unclaim abc.com\r\n', { action: 'unclaim', domain: 'abc.com' }],
    ['unclaim\u00a0abc.com', { action: 'unclaim', domain: 'abc.com' }],
    ['unclaim\u3000abc.com', { action: 'unclaim', domain: 'abc.com' }],
    ['unclaim пример.рф', { action: 'unclaim', domain: 'xn--e1afmkfd.xn--p1ai' }],
    ['unclaim bücher.de.', { action: 'unclaim', domain: 'xn--bcher-kva.de' }],
    ['unclaim abc.com in my_target', { action: 'unclaim', domain: 'abc.com', target: 'my_target' }],
    ['unverify abc.com', { action: 'unverify', domain: 'abc.com', removePending: false }],
    ['unverify abc.com --remove-pending', { action: 'unverify', domain: 'abc.com', removePending: true }],
    [
      'unverify abc.com --remove-pending in webex-test',
      { action: 'unverify', domain: 'abc.com', removePending: true, target: 'webex-test' },
    ],
    [
      'unverify abc.com in webex-test --REMOVE-PENDING',
      { action: 'unverify', domain: 'abc.com', removePending: true, target: 'webex-test' },
    ],
    ['unassign-owner bob@corp.com', { action: 'unassign-owner', email: 'bob@corp.com' }],
    [
      'Unassign-Owner Bob.Smith@Corp.COM in f5-acme',
      { action: 'unassign-owner', email: 'Bob.Smith@corp.com', target: 'f5-acme' },
    ],
    ['validate corp.ru in yc-sso', { action: 'validate', domain: 'corp.ru', target: 'yc-sso' }],
    ['validate corp.ru', { action: 'validate', domain: 'corp.ru' }],
    ['domain corp.ru', { action: 'domain', domain: 'corp.ru' }],
    ['status corp.ru in yc-sso', { action: 'domain', domain: 'corp.ru', target: 'yc-sso' }],
    ['STATUS Corp.RU', { action: 'domain', domain: 'corp.ru' }],
    ['help', { action: 'help' }],
    ['help unverify', { action: 'help', topic: 'unverify' }],
    ['help STATUS', { action: 'help', topic: 'domain' }],
    ['help help', { action: 'help', topic: 'help' }],
    ['pending', { action: 'pending' }],
    ['approve r-7f3k2q', { action: 'approve', id: 'r-7f3k2q' }],
    ['approve R-7F3K2Q', { action: 'approve', id: 'R-7F3K2Q' }],
    ['deny r-7f3k2q', { action: 'deny', id: 'r-7f3k2q' }],
    [
      'deny r-7f3k2q   wrong   org, see INC-42 ',
      { action: 'deny', id: 'r-7f3k2q', reason: 'wrong org, see INC-42' },
    ],
    ['deny r-1 in prod --remove-pending', { action: 'deny', id: 'r-1', reason: 'in prod --remove-pending' }],
    [
      'deny r-1 R&D said (no) [ticket 7] my_env',
      { action: 'deny', id: 'r-1', reason: 'R&D said (no) [ticket 7] my_env' },
    ],
    [`deny r-1 ${'x'.repeat(500)}`, { action: 'deny', id: 'r-1', reason: 'x'.repeat(500) }],
    ['deny r-1 причина: не тот домен', { action: 'deny', id: 'r-1', reason: 'причина: не тот домен' }],
    ['cancel r-7f3k2q', { action: 'cancel', id: 'r-7f3k2q' }],
    ['audit', { action: 'audit' }],
    ['audit 20', { action: 'audit', limit: 20 }],
    ['audit 1', { action: 'audit', limit: 1 }],
    ['audit 1000', { action: 'audit', limit: 1000 }],
    ['targets', { action: 'targets' }],
    ['whoami', { action: 'whoami' }],
    ['WhoAmI', { action: 'whoami' }],
  ])('%j', (text, command) => {
    expect(callOf(ok(text))).toEqual(command);
  });

  it.each(COMMANDS.map((c) => [c.action, c.example] as const))(
    'the example of %s parses',
    (action, example) => {
      expect(ok(example).action).toBe(action);
    },
  );
});

describe('parseCommand: bad input', () => {
  it.each<[string, string, string]>([
    ['', 'empty_command', 'the command is empty'],
    ['   \t ', 'empty_command', 'type help'],
    ['\n', 'empty_command', 'the command is empty'],
    ['unclam abc.com', 'unknown_command', 'unknown command "unclam" (did you mean unclaim?)'],
    ['unverfy abc.com', 'unknown_command', 'did you mean unverify?'],
    ['staus abc.com', 'unknown_command', 'did you mean status?'],
    ['whoiam', 'unknown_command', 'did you mean whoami?'],
    ['frobnicate', 'unknown_command', 'unknown command "frobnicate". Usage: <command>'],
    ['/domainops unclaim abc.com', 'unknown_command', 'unknown command "/domainops"'],
    ['help frob', 'unknown_command', 'there is no command "frob"'],
    ['unclaim', 'missing_argument', 'unclaim needs a domain. Usage: unclaim <domain> [in <target>]'],
    ['unverify', 'missing_argument', 'unverify needs a domain'],
    ['unassign-owner', 'missing_argument', 'unassign-owner needs an email address'],
    ['validate', 'missing_argument', 'validate needs a domain'],
    ['domain', 'missing_argument', 'domain needs a domain'],
    ['status', 'missing_argument', 'domain needs a domain. Usage: domain <domain>'],
    ['approve', 'missing_argument', 'approve needs a request id'],
    ['deny', 'missing_argument', 'deny needs a request id'],
    ['cancel', 'missing_argument', 'cancel needs a request id'],
    ['unclaim in webex-prod', 'missing_argument', 'unclaim needs a domain before in <target>'],
    ['unclaim abc.com in', 'missing_argument', 'in needs a target name'],
    // A read takes one subject; a command that changes something takes a batch (see ./batch.test.ts).
    ['domain abc.com def.com', 'extra_argument', 'domain takes one domain; remove "def.com"'],
    ['unclaim abc.com in a in b', 'extra_argument', 'in <target> is given twice'],
    [
      'unclaim abc.com in a extra',
      'extra_argument',
      'the domains go before in <target> and the flags; move "extra" before them',
    ],
    ['status a@b.com c@d.com', 'extra_argument', 'domain takes one domain'],
    ['pending now', 'extra_argument', 'pending takes no arguments; remove "now"'],
    ['targets in prod', 'extra_argument', 'targets takes no arguments'],
    ['whoami please', 'extra_argument', 'whoami takes no arguments'],
    ['approve r-1 r-2', 'extra_argument', 'approve takes one request id'],
    ['cancel r-1 now', 'extra_argument', 'cancel takes one request id'],
    ['audit 5 6', 'extra_argument', 'audit takes at most one number'],
    ['help unclaim unverify', 'extra_argument', 'help takes at most one command name'],
    ['unverify abc.com --remove-pending --remove-pending', 'extra_argument', 'given twice'],
    ['unverify abc.com --remove-pending=true', 'extra_argument', '--remove-pending takes no value'],
    ['unverify --remove-pending abc.com', 'misplaced_flag', '--remove-pending goes after the domain'],
    [
      'unverify abc.com --force',
      'unknown_flag',
      'unknown flag "--force": unverify takes only --remove-pending',
    ],
    ['unclaim abc.com --remove-pending', 'unknown_flag', 'unclaim takes no flags'],
    ['pending --json', 'unknown_flag', 'unknown flag "--json"'],
    ['approve -f', 'unknown_flag', 'unknown flag "-f"'],
    ['unclaim abc.com in Web.Prod', 'invalid_target', '"Web.Prod" is not a target name'],
    ['unclaim abc.com in -prod', 'invalid_target', 'is not a target name'],
    ['unclaim https://abc.com', 'invalid_domain', 'remove "https://"'],
    ['unclaim abc.com/x', 'invalid_domain', 'remove "/x"'],
    ['unclaim abc.com:443', 'invalid_domain', 'remove the port ":443"'],
    ['unclaim user@abc.com', 'invalid_domain', 'remove "user@"'],
    ['unclaim 10.0.0.1', 'invalid_domain', 'is an IP address'],
    ['unclaim -abc.com', 'invalid_domain', 'label "-abc" starts with a hyphen'],
    ['validate localhost', 'invalid_domain', 'needs at least two labels'],
    ['domain abc..com', 'invalid_domain', 'empty label'],
    [`unclaim ${'a'.repeat(64)}.com`, 'invalid_domain', 'at most 63'],
    ['unassign-owner bob', 'invalid_email', '"bob" is not a valid email address: has no "@"'],
    ['unassign-owner bob@corp', 'invalid_email', 'top-level domain'],
    ['unassign-owner bob!@corp.com', 'invalid_email', 'contains "!"'],
    ['approve r.1', 'invalid_id', '"r.1" is not a request id'],
    [`approve ${'r'.repeat(65)}`, 'invalid_id', 'is not a request id'],
    ['deny r/1 nope', 'invalid_id', 'is not a request id'],
    ['audit 0', 'invalid_number', '"0" is not a number from 1 to 1000'],
    ['audit 1001', 'invalid_number', 'from 1 to 1000'],
    ['audit -5', 'invalid_number', 'from 1 to 1000'],
    ['audit 2.5', 'invalid_number', 'from 1 to 1000'],
    ['audit ten', 'invalid_number', 'from 1 to 1000'],
    ['audit 99999999999999999999', 'invalid_number', 'from 1 to 1000'],
    [`deny r-1 ${'x'.repeat(501)}`, 'reason_too_long', 'the reason is 501 characters long; at most 500'],
    [`unclaim ${'a'.repeat(4100)}`, 'input_too_long', 'bytes long; at most 4096'],
    [`deny r-1 ${'я'.repeat(2100)}`, 'input_too_long', 'bytes long; at most 4096'],
    ['unclaim abc.com\nunverify abc.com', 'control_characters', 'a command is one line'],
    ['unclaim abc.com\rin prod', 'control_characters', 'a command is one line'],
    ['unclaim abc.com\u2028', 'control_characters', 'a command is one line'],
    ['\nunclaim abc.com', 'control_characters', 'a command is one line'],
    ['unclaim abc\u0000.com', 'control_characters', 'U+0000'],
    ['unclaim abc.com\u0007', 'control_characters', 'U+0007'],
    ['unclaim abc.com\u007f', 'control_characters', 'U+007F'],
    ['unclaim abc.com\u009b', 'control_characters', 'U+009B'],
    ['unclaim a\u200bbc.com', 'control_characters', 'U+200B'],
    ['unclaim abc.com\u200f', 'control_characters', 'U+200F'],
    ['unclaim \u202eabc.com', 'control_characters', 'U+202E'],
    ['unclaim \u2066abc.com\u2069', 'control_characters', 'U+2066'],
    ['\ufeffunclaim abc.com', 'control_characters', 'U+FEFF'],
    ['deny r-1 lone \ud800 surrogate', 'control_characters', 'U+D800'],
    [
      'unclaim <!channel>',
      'unsafe_text',
      'arguments cannot contain mentions or formatting (found a channel-wide mention)',
    ],
    ['unassign-owner <@U024BE7LH>', 'unsafe_text', 'a user mention'],
    ['unclaim <http://abc.com|abc.com>', 'unsafe_text', 'angle brackets'],
    ['unclaim @abc.com', 'unsafe_text', 'a mention'],
    ['unclaim *abc.com*', 'unsafe_text', 'asterisk'],
    ['unclaim _abc.com_', 'unsafe_text', 'underscores'],
    ['unclaim `abc.com`', 'unsafe_text', 'backtick'],
  ])('%j → %s', (text, code, fragment) => {
    const error = fails(text);
    expect(error).toBeInstanceOf(ParseError);
    expect(error).toBeInstanceOf(DomainopsError);
    expect(error.code).toBe(code);
    expect(error.message).toContain(fragment);
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain('Usage: ');
    expect(error.message.endsWith(`Usage: ${error.usage}`)).toBe(true);
    expect(error.hint).toMatch(/^type help/);
  });

  it.each([
    ['deny r-1 <!here> look', '<!here> look'],
    ['deny r-1 ask <#C024BE7LR>', 'ask <#C024BE7LR>'],
    ['deny r-1 a > b', 'a > b'],
    ['deny r-1 hey @here *bold* _it_ ~s~ `c`', 'hey @here *bold* _it_ ~s~ `c`'],
    ['deny r-1 [click](http://evil.example)', '[click](http://evil.example)'],
  ])('keeps a deny reason as free text: %j', (text, reason) => {
    expect(ok(text)).toEqual({ action: 'deny', id: 'r-1', reason });
  });

  it.each([
    ['unclaim abc.com because ACME offboarded, INC-4411', 'ACME offboarded, INC-4411'],
    [
      'unclaim abc.com in webex-prod because <@U024BE7LH> asked *now* _please_',
      '<@U024BE7LH> asked *now* _please_',
    ],
    [
      'unverify abc.com --remove-pending BECAUSE see https://x.example/t?id=1&a=<b>',
      'see https://x.example/t?id=1&a=<b>',
    ],
  ])('takes `because <free text>` on a vendor command: %j', (text, reason) => {
    const command = ok(text);
    expect('reason' in command && command.reason).toBe(reason);
    expect(parseCommand(formatCommand(command))).toEqual({ ok: true, command });
  });

  it('refuses an empty or too long because, and markup before it', () => {
    expect(fails('unclaim abc.com because').code).toBe('missing_argument');
    expect(fails(`unclaim abc.com because ${'x'.repeat(501)}`).code).toBe('reason_too_long');
    expect(fails('unclaim *abc.com* because fine').code).toBe('unsafe_text');
  });

  it('never echoes a mention back', () => {
    for (const text of ['<!channel>', 'unclaim <!channel>', '@all', 'unclaim abc.com in <@U024BE7LH>']) {
      const error = fails(text);
      expect(error.message).not.toMatch(/<[!@#]|@all/);
    }
  });

  it('shows the usage of the command when the command word is known', () => {
    const error = fails('unverify abc.com --force');
    expect(error.usage).toBe('unverify <domain> [in <target>] [--remove-pending]');
    expect(error.action).toBe('unverify');
    expect(error.hint).toBe('type help unverify for details and an example');
  });

  it('lists the commands when the command word is unknown', () => {
    const error = fails('unclam abc.com');
    expect(error.usage).toBe(COMMAND_LIST_USAGE);
    expect(error.action).toBeUndefined();
    for (const spec of COMMANDS) expect(error.usage).toContain(spec.action);
  });

  it('quotes at most 40 characters of the input', () => {
    const error = fails(`${'x'.repeat(300)} abc.com`);
    expect(error.message).toContain(`"${'x'.repeat(40)}…"`);
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('parseCommand: properties', () => {
  const words = [
    ...COMMAND_WORDS,
    'in',
    'IN',
    '--remove-pending',
    '--x',
    'abc.com',
    'пример.рф',
    'bob@corp.com',
    'r-7f3k2q',
    '20',
    '0',
    'webex-prod',
    '<!here>',
    '@all',
    '_x_',
    '*',
    '\n',
    '\u200b',
    '',
  ];
  const separators = fc.constantFrom(' ', '  ', '\t', '\u00a0', '\n', '');
  const commandLike = fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 8 })), separators), {
      maxLength: 8,
    })
    .map((parts) => parts.map(([w, s]) => w + s).join(''));
  const anyText = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: 'binary-ascii', maxLength: 60 }),
    fc.string({ unit: 'grapheme', minLength: 4000, maxLength: 4200 }),
    commandLike,
  );

  it('never throws, and gives a command of the table or a one-line ParseError', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = parseCommand(text);
        if (result.ok) {
          expect(ACTIONS).toContain(result.command.action);
        } else {
          expect(result.error).toBeInstanceOf(ParseError);
          expect(result.error.message).not.toMatch(/[\n\r]/);
          expect(result.error.message).toContain('Usage: ');
          expect(result.error.message).not.toMatch(/<[!@#]/);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('reads formatCommand back to the same command', () => {
    fc.assert(
      fc.property(commandLike, (text) => {
        const result = parseCommand(text);
        if (result.ok) expect(parseCommand(formatCommand(result.command))).toEqual(result);
      }),
      { numRuns: 3000 },
    );
    for (const spec of COMMANDS) {
      const command = ok(spec.example);
      expect(formatCommand(command)).toBe(spec.example);
    }
  });

  it('tolerates non-string input from untyped callers', () => {
    const result = parseCommand(undefined as unknown as string);
    expect(result.ok).toBe(false);
  });
});
