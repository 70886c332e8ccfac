import type { CommandSpec } from './model.ts';

/** The command table with its lookups: by word (name or alias) and by canonical action. */
export interface CommandIndex {
  readonly commands: readonly CommandSpec[];
  /** Every word that starts a command: names and aliases. */
  readonly words: readonly string[];
  /** The usage shown when the command word itself is missing or unknown: the list of commands. */
  readonly listUsage: string;
  /** Looks a command up by name or alias, case-insensitively. */
  find(word: string): CommandSpec | undefined;
  byAction(action: string): CommandSpec | undefined;
}

export function indexCommands(commands: readonly CommandSpec[]): CommandIndex {
  const byWord = new Map(commands.flatMap((c) => [c.action, ...c.aliases].map((w) => [w, c] as const)));
  const byAction = new Map(commands.map((c) => [c.action, c] as const));
  return {
    commands,
    words: [...byWord.keys()],
    listUsage: `<command> [arguments], where <command> is one of ${commands.map((c) => c.action).join(', ')}`,
    find: (word) => byWord.get(word.toLowerCase()),
    byAction: (action) => byAction.get(action),
  };
}
