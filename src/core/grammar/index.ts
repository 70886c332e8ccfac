/** The command grammar: one table built from the modules, the parser, help and target resolution. */
import type { TargetBase, VendorCommandSpec } from '../ports.ts';
import { formatCommand } from './format.ts';
import { helpText } from './help.ts';
import { type CommandIndex, indexCommands } from './index-table.ts';
import type { Command, CommandSpec } from './model.ts';
import { type ParseOptions, type ParseResult, parseCommand } from './parse.ts';
import { type ResolveTargetResult, resolveTarget } from './resolve-target.ts';
import { buildCommandTable } from './table.ts';

export * from './model.ts';
export type { NormalizeResult } from './normalize.ts';
export { normalizeDomain, normalizeEmail } from './normalize.ts';
export type { ParseErrorCode, ParseOptions, ParseResult } from './parse.ts';
export {
  MAX_AUDIT_LIMIT,
  MAX_BATCH,
  MAX_INPUT_BYTES,
  MAX_REASON_LENGTH,
  ParseError,
  REQUEST_ID_PATTERN,
} from './parse.ts';
export type { ResolveTargetResult, TargetErrorCode } from './resolve-target.ts';
export { batchUsage, META_COMMANDS } from './table.ts';

/** The grammar of one composition: every vendor module's commands plus domainops' own. */
export interface Grammar extends CommandIndex {
  /** Every canonical action, vendor actions first. */
  readonly actions: readonly string[];
  /** The actions that call a vendor. */
  readonly vendorActions: readonly string[];
  /** The vendor module of a vendor action; undefined for meta actions and unknown words. */
  vendorOf(action: string): string | undefined;
  /** Parses one line of the chat grammar (`batchMax`: the config's `batch.max`). Never throws. */
  parse(text: string, options?: ParseOptions): ParseResult;
  /** Help text: the overview, or one command's page (`batchMax`: the config's `batch.max`). */
  help(topic?: string, options?: ParseOptions): string;
  /** The canonical text of a command. */
  format(command: Command): string;
  /** The configured target a vendor command runs on (named, or the only one of its vendor). */
  resolveTarget<T extends TargetBase>(
    command: { action: string; target?: string },
    targets: Readonly<Record<string, T>>,
  ): ResolveTargetResult<T>;
}

export function createGrammar(
  vendors: readonly { vendor: string; commands: readonly VendorCommandSpec[] }[],
): Grammar {
  const commands: readonly CommandSpec[] = buildCommandTable(vendors);
  const index = indexCommands(commands);
  const grammar: Grammar = {
    ...index,
    actions: commands.map((c) => c.action),
    vendorActions: commands.filter((c) => c.vendor !== null).map((c) => c.action),
    vendorOf: (action) => index.byAction(action)?.vendor ?? undefined,
    parse: (text, options) => parseCommand(index, text, options),
    help: (topic, options) => helpText(index, topic, options?.batchMax),
    format: formatCommand,
    resolveTarget(command, targets) {
      const vendor = grammar.vendorOf(command.action);
      if (vendor === undefined) throw new Error(`${command.action} runs on no vendor`);
      return resolveTarget(command, index.byAction(command.action)?.vendors ?? vendor, targets);
    },
  };
  return grammar;
}
