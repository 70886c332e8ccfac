import type { Action, Vendor } from './model.ts';
import { ACTION_VENDOR, ACTIONS, isVendorAction } from './model.ts';

/** What one positional argument holds; the parser validates and normalises it by kind. */
export type ArgKind = 'domain' | 'email' | 'id' | 'count' | 'command' | 'reason';

export interface ArgSpec {
  /** The placeholder in the usage line: `<domain>`, `[n]`. */
  readonly name: string;
  readonly kind: ArgKind;
  readonly optional: boolean;
}

export interface FlagSpec {
  /** Written with its dashes, lower case: `--remove-pending`. */
  readonly name: string;
  readonly summary: string;
}

/** One row of the command table: the grammar, the help text and the policy vocabulary in one place. */
export interface CommandSpec {
  /** The canonical name; the policy's `actions:` use it. */
  readonly action: Action;
  readonly aliases: readonly string[];
  readonly args: readonly ArgSpec[];
  /** Whether `in <target>` may follow the arguments. */
  readonly target: boolean;
  readonly flags: readonly FlagSpec[];
  /** Generated from `args`, `target` and `flags`: `unverify <domain> [in <target>] [--remove-pending]`. */
  readonly usage: string;
  readonly summary: string;
  readonly description: string;
  /** The vendor whose API runs the command (from ACTION_VENDOR); null for commands domainops answers itself. */
  readonly vendor: Vendor | null;
  /** Whether it removes something at the vendor (what policies usually put behind an approval). */
  readonly destructive: boolean;
  readonly example: string;
}

const domain: ArgSpec = { name: '<domain>', kind: 'domain', optional: false };
const id: ArgSpec = { name: '<id>', kind: 'id', optional: false };

function define(spec: Omit<CommandSpec, 'usage' | 'vendor'>): CommandSpec {
  const parts = [spec.action, ...spec.args.map((a) => a.name)];
  if (spec.target) parts.push('[in <target>]');
  for (const flag of spec.flags) parts.push(`[${flag.name}]`);
  const vendor = isVendorAction(spec.action) ? ACTION_VENDOR[spec.action] : null;
  return { ...spec, usage: parts.join(' '), vendor };
}

/** Every command of design.md ("Chat commands"), in the order help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  define({
    action: 'unclaim',
    aliases: [],
    args: [domain],
    target: true,
    flags: [],
    summary: 'Unclaim a domain in a Webex organization (it stays verified)',
    description:
      'Asks Webex Identity to unclaim the domain for the organization of the target. The domain stays ' +
      'verified and domain enforcement still applies; run unverify afterwards to remove the verification too.',
    destructive: true,
    example: 'unclaim abc.com in webex-prod',
  }),
  define({
    action: 'unverify',
    aliases: [],
    args: [domain],
    target: true,
    flags: [
      {
        name: '--remove-pending',
        summary: 'also delete the domain from the pending (not yet verified) domain list',
      },
    ],
    summary: 'Remove the verification of a domain from a Webex organization',
    description:
      'Asks Webex Identity to remove the ownership verification of the domain from the organization. ' +
      'It fails while the domain is still claimed: run unclaim first. With --remove-pending the domain ' +
      'is also deleted from the list of pending domains.',
    destructive: true,
    example: 'unverify abc.com in webex-prod --remove-pending',
  }),
  define({
    action: 'unassign-owner',
    aliases: [],
    args: [{ name: '<email>', kind: 'email', optional: false }],
    target: true,
    flags: [],
    summary: 'Remove the domain owner privilege from a user of an F5 Distributed Cloud tenant',
    description:
      'Asks F5 Distributed Cloud to remove the domain-owner flag from the user with this email. When the ' +
      'tenant uses SSO the user is marked as an SSO user and their password and OTP credentials are ' +
      'deleted. Roles granted before, admin roles included, are kept.',
    destructive: true,
    example: 'unassign-owner bob@corp.com in f5-acme',
  }),
  define({
    action: 'validate',
    aliases: [],
    args: [domain],
    target: true,
    flags: [],
    summary: 'Ask Yandex Cloud to check the DNS TXT challenge of a domain',
    description:
      'Asks Yandex Cloud Organization Manager to validate the domain of the federation or userpool by ' +
      'checking its DNS TXT challenge. While the record is not published yet it shows the record to add; ' +
      'run the command again once it is in DNS.',
    destructive: false,
    example: 'validate corp.ru in yc-sso',
  }),
  define({
    action: 'domain',
    aliases: ['status'],
    args: [domain],
    target: true,
    flags: [],
    summary: 'Show the status and DNS challenges of a domain in Yandex Cloud',
    description:
      'Reads the domain from the Yandex Cloud federation or userpool and shows its status ' +
      '(NEED_TO_VALIDATE, VALIDATING, VALID, INVALID, DELETING) and its DNS TXT challenges. Changes nothing.',
    destructive: false,
    example: 'domain corp.ru in yc-sso',
  }),
  define({
    action: 'help',
    aliases: [],
    args: [{ name: '[command]', kind: 'command', optional: true }],
    target: false,
    flags: [],
    summary: 'List the commands, or explain one',
    description:
      'Without a command, lists every command with its usage. With one, explains it with an example.',
    destructive: false,
    example: 'help unverify',
  }),
  define({
    action: 'pending',
    aliases: [],
    args: [],
    target: false,
    flags: [],
    summary: 'List the requests waiting for approval',
    description: 'Lists the open requests with their ids, who asked, what for and when they expire.',
    destructive: false,
    example: 'pending',
  }),
  define({
    action: 'approve',
    aliases: [],
    args: [id],
    target: false,
    flags: [],
    summary: 'Approve a pending request',
    description:
      'Approves the request with this id, as the Approve button does. The requester cannot approve their ' +
      'own request; when enough approvals are in, the request runs.',
    destructive: false,
    example: 'approve r-7f3k2q',
  }),
  define({
    action: 'deny',
    aliases: [],
    args: [id, { name: '[reason]', kind: 'reason', optional: true }],
    target: false,
    flags: [],
    summary: 'Deny a pending request, with an optional reason',
    description:
      'Denies the request with this id, as the Deny button does; one eligible denial ends the request. ' +
      'The rest of the line is kept as the reason (at most 500 characters).',
    destructive: false,
    example: 'deny r-7f3k2q wrong organization',
  }),
  define({
    action: 'cancel',
    aliases: [],
    args: [id],
    target: false,
    flags: [],
    summary: 'Withdraw a pending request (its requester, or one of its approvers)',
    description:
      'Withdraws a request that is still waiting for approval. Its requester can cancel it, and so can anyone who may approve or deny it; the audit trail records who did.',
    destructive: false,
    example: 'cancel r-7f3k2q',
  }),
  define({
    action: 'audit',
    aliases: [],
    args: [{ name: '[n]', kind: 'count', optional: true }],
    target: false,
    flags: [],
    summary: 'Show the latest audit events',
    description: 'Shows the latest n audit events (who, what, when, from which platform); n is 1 to 1000.',
    destructive: false,
    example: 'audit 20',
  }),
  define({
    action: 'targets',
    aliases: [],
    args: [],
    target: false,
    flags: [],
    summary: 'List the configured targets and the commands each can run',
    description: 'Lists the configured targets with their vendor and the commands that run on them.',
    destructive: false,
    example: 'targets',
  }),
  define({
    action: 'whoami',
    aliases: [],
    args: [],
    target: false,
    flags: [],
    summary: 'Show who domainops thinks you are',
    description:
      'Shows the identity the platform gave for you (email and platform id) and the policy groups you are in.',
    destructive: false,
    example: 'whoami',
  }),
];

/** The table by canonical action name. */
export const COMMAND_BY_ACTION: Readonly<Record<Action, CommandSpec>> = Object.fromEntries(
  COMMANDS.map((c) => [c.action, c]),
) as Record<Action, CommandSpec>;

const BY_WORD: ReadonlyMap<string, CommandSpec> = new Map(
  COMMANDS.flatMap((c) => [c.action, ...c.aliases].map((word) => [word, c] as const)),
);

/** Every word that starts a command: names and aliases. */
export const COMMAND_WORDS: readonly string[] = [...BY_WORD.keys()];

/** Looks a command up by name or alias, case-insensitively. */
export function findCommand(word: string): CommandSpec | undefined {
  return BY_WORD.get(word.toLowerCase());
}

// The table must cover the vocabulary of model.ts exactly: fail at load, not in a chat.
if (COMMANDS.length !== ACTIONS.length || ACTIONS.some((a) => COMMAND_BY_ACTION[a] === undefined)) {
  throw new Error('src/commands/table.ts does not cover every action of model.ts');
}
