/** The grammar of domainops' own composition, in the shapes the grammar tests read. */
import type { Target } from '../../../adapters/types.ts';
import type { Command, CommandSpec } from '../../../src/core/grammar/index.ts';
import { isVendorCommand, type ParseResult } from '../../../src/core/grammar/index.ts';
import { modules } from '../../../src/modules.ts';

export const grammar = modules.grammar;
export const COMMANDS = grammar.commands;
export const COMMAND_WORDS = grammar.words;
export const ACTIONS = grammar.actions;
export const COMMAND_LIST_USAGE = grammar.listUsage;
export const COMMAND_BY_ACTION: Readonly<Record<string, CommandSpec>> = Object.fromEntries(
  COMMANDS.map((c) => [c.action, c]),
);
export const ACTION_VENDOR: Readonly<Record<string, string>> = Object.fromEntries(
  grammar.vendorActions.map((a) => [a, grammar.vendorOf(a)!]),
);
export const isVendorAction = (action: string): boolean => grammar.vendorOf(action) !== undefined;
export const findCommand = (word: string) => grammar.find(word);
export const helpText = (topic?: string) => grammar.help(topic);
export const formatCommand = (command: Command) => grammar.format(command);
export const parseCommand = (text: string): ParseResult => grammar.parse(text);
/** A command in the vendor's shape (`{ action, domain, target }`), as the tests write it. */
export type VendorCommand = { action: string; target?: string } & Record<string, unknown>;

export const resolveTarget = (command: VendorCommand, targets: Record<string, Target>) =>
  grammar.resolveTarget(command, targets);

/**
 * A parsed command as the vendor sees it: a vendor command's call with its `in <target>`
 * (`{ action: 'unverify', domain, removePending, target }`), a meta command as parsed.
 */
export function callOf(command: Command): Record<string, unknown> {
  if (!isVendorCommand(command)) return command;
  return { ...command.call, ...(command.target === undefined ? {} : { target: command.target }) };
}
