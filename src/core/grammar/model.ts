import type { Fact } from '../cards/model.ts';
import type { FlagSpec, VendorCall } from '../ports.ts';
import type { Action } from '../vocabulary.ts';

/** What one positional argument holds; the parser validates and normalises it by kind. */
export type ArgKind = 'domain' | 'email' | 'id' | 'count' | 'command' | 'reason';

export interface ArgSpec {
  /** The placeholder in the usage line: `<domain>`, `[n]`. */
  readonly name: string;
  readonly kind: ArgKind;
  readonly optional: boolean;
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
  /** The vendor module whose API runs the command; null for commands domainops answers itself. */
  readonly vendor: string | null;
  /**
   * Every vendor module that runs the command, when several define it (a check that runs on the
   * targets of two vendors); `vendor` is the first of them. Absent when one module does.
   */
  readonly vendors?: readonly string[];
  /** Whether it removes something at the vendor (what policies usually put behind an approval). */
  readonly destructive: boolean;
  /**
   * Whether it takes a batch: several domains or emails separated by spaces before `in <target>`
   * (vendor commands with a subject that change something). One subject is a plain command.
   */
  readonly batch: boolean;
  readonly example: string;
  /** Vendor commands: the call for a normalised subject and the flags given. */
  readonly call?: (subject: string, flags: ReadonlySet<string>) => VendorCall;
  /** Vendor commands: facts a request card shows for the call's options. */
  readonly callFacts?: (call: VendorCall) => Fact[];
  /** Vendor commands: a warning the approval card shows for this call (what approving does). */
  readonly callWarning?: (call: VendorCall) => string | undefined;
}

/** A parsed vendor command; `target` is absent when the user left out `in <target>`. */
export interface VendorCommand {
  readonly action: Action;
  /** The domain or email the command works on, normalised; empty for a command that takes none. */
  readonly subject: string;
  /** The flags given, with their dashes, in table order. */
  readonly flags: readonly string[];
  readonly call: VendorCall;
  readonly target?: string;
  /** `because <text>`: free text, as typed. */
  readonly reason?: string;
  /**
   * A batch (two subjects or more, in the order typed): each subject with its call. `subject` and
   * `call` are the first item's. Absent for a command with one subject.
   */
  readonly items?: readonly BatchCommandItem[];
}

/** One subject of a batch command and the vendor call made for it. */
export interface BatchCommandItem {
  readonly subject: string;
  readonly call: VendorCall;
}

export type MetaCommand =
  | { action: 'help'; topic?: string }
  | { action: 'pending' }
  | { action: 'approve'; id: string }
  | { action: 'deny'; id: string; reason?: string }
  | { action: 'cancel'; id: string }
  | { action: 'audit'; limit?: number }
  | { action: 'targets' }
  | { action: 'whoami' };

export type Command = VendorCommand | MetaCommand;

export function isVendorCommand(command: Command): command is VendorCommand {
  return 'call' in command;
}
