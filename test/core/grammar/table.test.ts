import { describe, expect, it } from 'vitest';
import {
  ACTION_VENDOR,
  ACTIONS,
  COMMAND_BY_ACTION,
  COMMANDS,
  findCommand,
  isVendorAction,
} from './helpers.ts';

// The usage lines of design.md, "Chat commands": the external contract.
const DESIGN_USAGE: Record<string, string> = {
  unclaim: 'unclaim <domain> [in <target>]',
  unverify: 'unverify <domain> [in <target>] [--remove-pending]',
  'verify-token': 'verify-token <domain> [in <target>]',
  verify: 'verify <domain> [in <target>] [--claim] [--wait] [--skip-dns-check]',
  claim: 'claim <domain> [in <target>] [--force]',
  'assign-owner': 'assign-owner <email> [in <target>]',
  'unassign-owner': 'unassign-owner <email> [in <target>]',
  validate: 'validate <domain> [in <target>] [--wait] [--skip-dns-check]',
  'dns-check': 'dns-check <domain> [in <target>]',
  domain: 'domain <domain> [in <target>]',
  'add-domain': 'add-domain <domain> [in <target>]',
  'list-domains': 'list-domains [in <target>]',
  'delete-domain': 'delete-domain <domain> [in <target>]',
  help: 'help [command]',
  pending: 'pending',
  approve: 'approve <id>',
  deny: 'deny <id> [reason]',
  cancel: 'cancel <id>',
  audit: 'audit [n]',
  targets: 'targets',
  whoami: 'whoami',
};

describe('command table', () => {
  it('has exactly one row per action, in the order of design.md', () => {
    expect(COMMANDS.map((c) => c.action)).toEqual([...ACTIONS]);
  });

  it.each(COMMANDS.map((c) => [c.action, c] as const))(
    '%s has the usage line of design.md',
    (action, spec) => {
      expect(spec.usage).toBe(DESIGN_USAGE[action]);
      expect(COMMAND_BY_ACTION[spec.action]).toBe(spec);
    },
  );

  it.each(COMMANDS.map((c) => [c.action, c] as const))('%s is documented', (_action, spec) => {
    expect(spec.summary.length).toBeGreaterThan(10);
    expect(spec.summary).not.toContain('\n');
    expect(spec.description.length).toBeGreaterThan(spec.summary.length);
    expect(spec.example.split(' ')[0]).toBe(spec.action);
  });

  it('takes the vendor from ACTION_VENDOR', () => {
    for (const spec of COMMANDS) {
      expect(spec.vendor).toBe(isVendorAction(spec.action) ? ACTION_VENDOR[spec.action] : null);
    }
  });

  it('marks exactly the removing vendor commands as destructive', () => {
    expect(COMMANDS.filter((c) => c.destructive).map((c) => c.action)).toEqual([
      'unclaim',
      'unverify',
      'assign-owner',
      'unassign-owner',
      'delete-domain',
    ]);
  });

  it('describes what the vendor does', () => {
    expect(COMMAND_BY_ACTION.unclaim!.description).toContain('stays verified');
    expect(COMMAND_BY_ACTION.unverify!.description).toContain('fails while the domain is still claimed');
    expect(COMMAND_BY_ACTION['unassign-owner']!.description).toMatch(/password and OTP credentials/);
    expect(COMMAND_BY_ACTION['unassign-owner']!.description).toMatch(/kept/);
    expect(COMMAND_BY_ACTION.validate!.description).toContain('DNS TXT challenge');
    expect(COMMAND_BY_ACTION.domain!.description).toContain('challenges');
  });

  it('finds commands by name and alias, case-insensitively', () => {
    expect(findCommand('status')?.action).toBe('domain');
    expect(findCommand('UNCLAIM')?.action).toBe('unclaim');
    expect(findCommand('Unassign-Owner')?.action).toBe('unassign-owner');
    expect(findCommand('unclam')).toBeUndefined();
    expect(findCommand('constructor')).toBeUndefined();
  });
});
