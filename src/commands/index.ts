/** The command grammar: one table, the parser, normalisation, help and target resolution. */
export { formatCommand } from './format.ts';
export { helpText } from './help.ts';
export * from './model.ts';
export type { NormalizeResult } from './normalize.ts';
export { normalizeDomain, normalizeEmail } from './normalize.ts';
export type { ParseErrorCode, ParseResult } from './parse.ts';
export {
  COMMAND_LIST_USAGE,
  MAX_AUDIT_LIMIT,
  MAX_INPUT_BYTES,
  MAX_REASON_LENGTH,
  ParseError,
  parseCommand,
  REQUEST_ID_PATTERN,
} from './parse.ts';
export type { ResolveTargetResult, TargetErrorCode } from './resolve-target.ts';
export { resolveTarget } from './resolve-target.ts';
export type { ArgKind, ArgSpec, CommandSpec, FlagSpec } from './table.ts';
export { COMMAND_BY_ACTION, COMMAND_WORDS, COMMANDS, findCommand } from './table.ts';
