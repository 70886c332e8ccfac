import type { VendorCommandSpec } from '../ports.ts';
import { META_ACTIONS } from '../vocabulary.ts';
import type { ArgSpec, CommandSpec } from './model.ts';

const id: ArgSpec = { name: '<id>', kind: 'id', optional: false };

function define(
  spec: Omit<CommandSpec, 'usage' | 'vendor' | 'batch'> & { batch?: boolean },
  vendor: string | null = null,
): CommandSpec {
  const parts = [spec.action, ...spec.args.map((a) => a.name)];
  if (spec.target) parts.push('[in <target>]');
  for (const flag of spec.flags) parts.push(`[${flag.name}]`);
  return { ...spec, batch: spec.batch ?? false, usage: parts.join(' '), vendor };
}

/**
 * The batch form of a command's usage: `unclaim <domain> [<domain> …] [in <target>]`. The usage
 * line itself (errors quote it) stays the one-subject form.
 */
export function batchUsage(spec: CommandSpec): string | undefined {
  if (!spec.batch) return undefined;
  const [first] = spec.args;
  if (first === undefined) return undefined;
  return spec.usage.replace(first.name, `${first.name} [${first.name} …]`);
}

/** The commands domainops answers itself, in the order help lists them (after the vendors'). */
export const META_COMMANDS: readonly CommandSpec[] = [
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

const ACTION_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** The command table row of a vendor module's command. */
export function vendorCommandSpec(vendor: string, spec: VendorCommandSpec): CommandSpec {
  const subject: ArgSpec[] =
    spec.subject === 'none'
      ? []
      : spec.subject === 'domain'
        ? [{ name: '<domain>', kind: 'domain', optional: false }]
        : [{ name: '<email>', kind: 'email', optional: false }];
  return define(
    {
      action: spec.action,
      aliases: spec.aliases ?? [],
      args: subject,
      target: true,
      flags: spec.flags ?? [],
      summary: spec.summary,
      description: spec.description,
      destructive: spec.destructive,
      // A subject and a change: the command takes a batch of subjects (reads take one).
      batch: spec.subject !== 'none' && spec.changes !== false,
      example: spec.example,
      call: spec.call,
      ...(spec.facts ? { callFacts: spec.facts } : {}),
      ...(spec.warning ? { callWarning: spec.warning } : {}),
    },
    vendor,
  );
}

/**
 * One row per action: a command that several vendor modules define (`dns-check`, which runs on
 * the targets of each) is one row that lists every such vendor in `vendors`. They must define it
 * alike (subject, flags, aliases): the line is parsed, and its call built, before the target
 * says which module runs it, so the first module's spec does both. Any other repeat is left for
 * the word check below to refuse.
 */
function shareCommands(specs: readonly CommandSpec[]): CommandSpec[] {
  const out: CommandSpec[] = [];
  for (const spec of specs) {
    const i = out.findIndex((s) => s.action === spec.action && s.vendor !== null && s.vendor !== spec.vendor);
    const first = out[i];
    if (first === undefined) {
      out.push(spec);
      continue;
    }
    const alike =
      first.usage === spec.usage &&
      first.aliases.join(' ') === spec.aliases.join(' ') &&
      first.batch === spec.batch;
    if (!alike)
      throw new Error(`vendors ${first.vendor} and ${spec.vendor} define "${spec.action}" differently`);
    out[i] = { ...first, vendors: [...(first.vendors ?? [first.vendor!]), spec.vendor!] };
  }
  return out;
}

/**
 * The whole command table: every vendor module's commands in module order, then the meta
 * commands. Throws when two commands share a word or a vendor action is not a plain name:
 * a composition mistake found at start, not in a chat.
 */
export function buildCommandTable(
  vendors: readonly { vendor: string; commands: readonly VendorCommandSpec[] }[],
): readonly CommandSpec[] {
  const table = [
    ...shareCommands(vendors.flatMap((m) => m.commands.map((c) => vendorCommandSpec(m.vendor, c)))),
    ...META_COMMANDS,
  ];
  const words = new Set<string>();
  for (const spec of table) {
    if (!ACTION_NAME.test(spec.action)) throw new Error(`command name "${spec.action}" is not a plain name`);
    for (const word of [spec.action, ...spec.aliases]) {
      if (words.has(word)) throw new Error(`two commands are called "${word}"`);
      words.add(word);
    }
  }
  if (META_ACTIONS.some((a) => !table.some((c) => c.action === a))) {
    throw new Error('the meta command table does not cover every meta action');
  }
  return table;
}
