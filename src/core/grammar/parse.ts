import { DomainopsError } from '../errors.ts';
import { type Action, NAME_PATTERN } from '../vocabulary.ts';
import type { CommandIndex } from './index-table.ts';
import type { ArgKind, Command, CommandSpec } from './model.ts';
import { codePointLabel, INVISIBLE_CHARACTER, normalizeDomain, normalizeEmail } from './normalize.ts';
import { closest } from './suggest.ts';
import { batchUsage } from './table.ts';

/** The stable codes of ParseError. */
export type ParseErrorCode =
  | 'parse_error'
  | 'empty_command'
  | 'input_too_long'
  | 'control_characters'
  | 'unsafe_text'
  | 'unknown_command'
  | 'missing_argument'
  | 'extra_argument'
  | 'unknown_flag'
  | 'misplaced_flag'
  | 'conflicting_flags'
  | 'invalid_domain'
  | 'invalid_email'
  | 'invalid_target'
  | 'invalid_id'
  | 'invalid_number'
  | 'reason_too_long'
  | 'too_many_subjects'
  | 'duplicate_subject';

/** Longest command accepted, in UTF-8 bytes. */
export const MAX_INPUT_BYTES = 4096;
/** Longest deny reason, in characters (code points). */
export const MAX_REASON_LENGTH = 500;
/** Largest n of `audit [n]`. */
export const MAX_AUDIT_LIMIT = 1000;
/** The most subjects a batch command takes (`batch.max` in the config may lower it). */
export const MAX_BATCH = 100;
/** Request ids as typed after approve, deny and cancel (generated ids look like `r-7f3k2q`). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A command that cannot be parsed. `message` is one line: what was wrong, then `Usage: <usage>`.
 * `action` is set when the command word was recognised.
 */
export class ParseError extends DomainopsError {
  declare readonly code: ParseErrorCode;
  /** The usage line of the command, or the list of commands when the command word is unknown. */
  readonly usage: string;
  readonly action: Action | undefined;
  /** What was wrong, without the usage line. */
  readonly problem: string;
  /** The command closest to an unknown word, if one is close. */
  readonly suggestion: string | undefined;

  constructor(code: ParseErrorCode, problem: string, usage: string, action?: Action, suggestion?: string) {
    const hint =
      action === undefined
        ? 'type help to list the commands'
        : `type help ${action} for details and an example`;
    super(code, `${problem}. Usage: ${usage}`, { hint });
    this.name = 'ParseError';
    this.usage = usage;
    this.action = action;
    this.problem = problem;
    this.suggestion = suggestion;
  }

  /** The `error` member of the JSON document, with `suggestion` when there is one. */
  override toJSON(): { code: string; message: string; hint?: string; suggestion?: string } {
    return { ...super.toJSON(), ...(this.suggestion === undefined ? {} : { suggestion: this.suggestion }) };
  }
}

export type ParseResult = { ok: true; command: Command } | { ok: false; error: ParseError };

/** How the configuration shapes the grammar. */
export interface ParseOptions {
  /** The most subjects a batch command takes: `batch.max`, 1 to MAX_BATCH (default MAX_BATCH). */
  batchMax?: number;
}

interface Token {
  text: string;
  /** Where the token starts in the line, so `deny` can take the rest of the line verbatim. */
  index: number;
}

/** Separators: tab and every Unicode space (NBSP and U+3000 arrive from rich-text clients and IMEs). */
const SEPARATOR = /[\t\p{Zs}]/u;
const TOKEN = /[^\t\p{Zs}]+/gu;
const LINE_BREAK = /[\n\r\v\f\u0085\u2028\u2029]/u;
const FLAG = /^--?[A-Za-z][A-Za-z0-9-]*(=.*)?$/;

const NOUN: Record<ArgKind, string> = {
  domain: 'a domain',
  email: 'an email address',
  id: 'a request id',
  count: 'a number',
  command: 'a command name',
  reason: 'a reason',
};

/**
 * Parses one chat command (`unclaim abc.com in prod`) into a Command. Never throws:
 * anything that is not a command of the table gives `{ ok: false, error }` with a one-line message.
 */
export function parseCommand(index: CommandIndex, text: string, options: ParseOptions = {}): ParseResult {
  const listUsage = index.listUsage;
  try {
    const result = parse(index, text, options);
    return result instanceof ParseError ? { ok: false, error: result } : { ok: true, command: result };
  } catch {
    // Unreachable by design (property-tested); a parser bug must still not take the bot down.
    return {
      ok: false,
      error: new ParseError('parse_error', 'the command could not be read', listUsage),
    };
  }
}

function parse(index: CommandIndex, text: string, options: ParseOptions): Command | ParseError {
  const listUsage = index.listUsage;
  const findCommand = (word: string) => index.find(word);
  if (typeof text !== 'string') return new ParseError('parse_error', 'the command is not text', listUsage);
  const bytes = Buffer.byteLength(text, 'utf8');
  const guess = findCommand(firstWord(text.slice(0, 64)));
  const usage = guess?.usage ?? listUsage;
  const action = guess?.action;
  if (bytes > MAX_INPUT_BYTES) {
    return new ParseError(
      'input_too_long',
      `the command is ${bytes} bytes long; at most ${MAX_INPUT_BYTES}`,
      usage,
      action,
    );
  }
  const line = trimLine(text);
  if (line === '') {
    return new ParseError('empty_command', 'the command is empty; type help to list the commands', usage);
  }
  if (LINE_BREAK.test(line)) {
    return new ParseError(
      'control_characters',
      'a command is one line; remove the line break',
      usage,
      action,
    );
  }
  // Tab is a separator, not a stray control character.
  const invisible = INVISIBLE_CHARACTER.exec(line.replaceAll('\t', ' '));
  if (invisible) {
    return new ParseError(
      'control_characters',
      `the command contains the invisible or control character ${codePointLabel(invisible[0])}; type it again ` +
        'instead of pasting formatted text',
      usage,
      action,
    );
  }
  // Free text (a vendor command's `because …`, a deny reason) is kept as typed and shown escaped:
  // only the strict part before it is checked for mentions and markup.
  const { strict, freeText } = splitFreeText(line, guess);
  const unsafe = findFormatting(strict);
  if (unsafe !== undefined) {
    return new ParseError(
      'unsafe_text',
      `arguments cannot contain mentions or formatting (found ${unsafe})`,
      usage,
      action,
    );
  }
  // A deny reason is read from the whole line by position (deny <id> <reason…>).
  const words = guess?.action === 'deny' ? line : strict;
  const tokens: Token[] = [...words.matchAll(TOKEN)].map((m) => ({ text: m[0], index: m.index }));
  const [verb, ...args] = tokens;
  if (verb === undefined) return new ParseError('empty_command', 'the command is empty', usage);
  const spec = findCommand(verb.text);
  if (spec === undefined) {
    const suggestion = closest(verb.text, index.words);
    const didYouMean = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
    return new ParseError(
      'unknown_command',
      `unknown command "${shown(verb.text)}"${didYouMean}`,
      listUsage,
      undefined,
      suggestion,
    );
  }
  if (freeText !== undefined && spec.call !== undefined) {
    const reason = freeText.trim();
    if (reason === '') {
      return new ParseError('missing_argument', 'because needs a reason after it', spec.usage, spec.action);
    }
    const length = [...reason].length;
    if (length > MAX_REASON_LENGTH) {
      return new ParseError(
        'reason_too_long',
        `the reason is ${length} characters long; at most ${MAX_REASON_LENGTH}`,
        spec.usage,
        spec.action,
      );
    }
    const parsed = parseArguments(index, spec, args, strict, options);
    return parsed instanceof ParseError || !('call' in parsed) ? parsed : { ...parsed, reason };
  }
  return parseArguments(index, spec, args, words, options);
}

/**
 * Where free text starts in a line: after the word `because` in a vendor command, after the id in
 * `deny <id> …`. `strict` is the part before it (checked as a command), `freeText` the rest.
 */
function splitFreeText(line: string, spec: CommandSpec | undefined): { strict: string; freeText?: string } {
  if (spec?.call !== undefined) {
    const because = /(^|[\t\p{Zs}])because(?=[\t\p{Zs}]|$)/iu.exec(line);
    if (because) {
      const at = because.index + because[1]!.length;
      return { strict: line.slice(0, at).trimEnd(), freeText: line.slice(at + 'because'.length) };
    }
  }
  if (spec?.action === 'deny') {
    const words = [...line.matchAll(TOKEN)];
    const third = words[2];
    if (third !== undefined)
      return { strict: line.slice(0, third.index).trimEnd(), freeText: line.slice(third.index) };
  }
  return { strict: line };
}

function parseArguments(
  index: CommandIndex,
  spec: CommandSpec,
  tokens: readonly Token[],
  line: string,
  options: ParseOptions,
): Command | ParseError {
  const error = (code: ParseErrorCode, problem: string) =>
    new ParseError(code, problem, spec.usage, spec.action);
  const fixed = spec.args.filter((a) => a.kind !== 'reason');
  const takesReason = spec.args.some((a) => a.kind === 'reason');
  const required = fixed.filter((a) => !a.optional).length;
  const positional: string[] = [];
  const flags = new Set<string>();
  let target: string | undefined;
  let reason: string | undefined;
  // A batch command takes more subjects, up to the first flag or `in <target>`.
  const batch = spec.batch && spec.call !== undefined && fixed.length === 1;

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const word = token.text;
    if (takesReason && positional.length === fixed.length) {
      reason = line.slice(token.index).split(SEPARATOR).filter(Boolean).join(' ');
      break;
    }
    if (FLAG.test(word)) {
      const name = word.replace(/=.*$/s, '').toLowerCase();
      const flag = spec.flags.find((f) => f.name === name);
      if (flag === undefined) {
        const known = spec.flags.map((f) => f.name).join(', ');
        return error(
          'unknown_flag',
          `unknown flag "${shown(name)}": ${spec.action} ${known === '' ? 'takes no flags' : `takes only ${known}`}`,
        );
      }
      if (word.includes('=')) return error('extra_argument', `${name} takes no value`);
      if (positional.length < required) {
        return error('misplaced_flag', `${name} goes after ${the(fixed[0]?.kind ?? 'domain')}`);
      }
      if (flags.has(name)) return error('extra_argument', `${name} is given twice`);
      const conflict = [...flags].find(
        (other) =>
          flag.excludes?.includes(other) === true ||
          spec.flags.find((f) => f.name === other)?.excludes?.includes(name) === true,
      );
      if (conflict !== undefined) {
        return error(
          'conflicting_flags',
          `${conflict} and ${name} cannot be used together: use one of them (${describeFlag(spec, conflict)}; ${describeFlag(spec, name)})`,
        );
      }
      flags.add(name);
      continue;
    }
    if (spec.target && word.toLowerCase() === 'in') {
      if (positional.length < required) {
        return error(
          'missing_argument',
          `${spec.action} needs ${NOUN[fixed[0]?.kind ?? 'domain']} before in <target>`,
        );
      }
      if (target !== undefined) return error('extra_argument', 'in <target> is given twice');
      const next = tokens[i + 1];
      if (next === undefined) return error('missing_argument', 'in needs a target name');
      const name = next.text.toLowerCase();
      if (!NAME_PATTERN.test(name)) {
        return error(
          'invalid_target',
          `"${shown(next.text)}" is not a target name: target names are lower case letters, digits, - and _ ` +
            '(at most 63)',
        );
      }
      target = name;
      i++;
      continue;
    }
    if (positional.length >= fixed.length) {
      if (batch && target === undefined && flags.size === 0) {
        positional.push(word);
        continue;
      }
      if (batch) {
        const nouns = NOUNS[fixed[0]!.kind];
        return batchError(
          spec,
          'extra_argument',
          `the ${nouns} go before in <target> and the flags; move "${shown(word)}" before them`,
        );
      }
      return error(
        'extra_argument',
        `${spec.action} takes ${describeArguments(spec)}; remove "${shown(word)}"`,
      );
    }
    positional.push(word);
  }
  if (positional.length < required) {
    return error(
      'missing_argument',
      `${spec.action} needs ${NOUN[fixed[positional.length]?.kind ?? 'domain']}`,
    );
  }
  const inTarget = target === undefined ? {} : { target };
  const [first] = positional;

  if (spec.call !== undefined) {
    const given = spec.flags.map((f) => f.name).filter((name) => flags.has(name));
    const base = { action: spec.action, flags: given, ...inTarget };
    if (fixed.length === 0) return { ...base, subject: '', call: spec.call('', new Set(given)) };
    if (positional.length > 1) {
      const call = spec.call;
      return parseBatch(
        spec,
        positional,
        options.batchMax ?? MAX_BATCH,
        (code, problem) => batchError(spec, code, problem),
        (subject) => ({
          subject,
          call: call(subject, new Set(given)),
        }),
        base,
      );
    }
    if (fixed[0]?.kind === 'email') {
      const normalized = normalizeEmail(first ?? '');
      if (!normalized.ok) {
        return error(
          'invalid_email',
          `"${shown(first ?? '')}" is not a valid email address: ${normalized.message}`,
        );
      }
      return { ...base, subject: normalized.email, call: spec.call(normalized.email, new Set(given)) };
    }
    const normalized = normalizeDomain(first ?? '');
    if (!normalized.ok) {
      return error('invalid_domain', `"${shown(first ?? '')}" is not a valid domain: ${normalized.message}`);
    }
    return { ...base, subject: normalized.domain, call: spec.call(normalized.domain, new Set(given)) };
  }

  switch (spec.action) {
    case 'help': {
      if (first === undefined) return { action: 'help' };
      const topic = index.find(first);
      if (topic === undefined) {
        const suggestion = closest(first, index.words);
        const didYouMean = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
        return new ParseError(
          'unknown_command',
          `there is no command "${shown(first)}" to explain${didYouMean}`,
          `help [command], where command is one of ${index.commands.map((c) => c.action).join(', ')}`,
          'help',
        );
      }
      return { action: 'help', topic: topic.action };
    }
    case 'approve':
    case 'cancel':
    case 'deny': {
      const id = first ?? '';
      if (!REQUEST_ID_PATTERN.test(id)) {
        return error(
          'invalid_id',
          `"${shown(id)}" is not a request id: ids are 1 to 64 letters, digits, - and _ (see pending)`,
        );
      }
      if (spec.action === 'approve') return { action: 'approve', id };
      if (spec.action === 'cancel') return { action: 'cancel', id };
      if (reason === undefined || reason === '') return { action: 'deny', id };
      const length = [...reason].length;
      if (length > MAX_REASON_LENGTH) {
        return error(
          'reason_too_long',
          `the reason is ${length} characters long; at most ${MAX_REASON_LENGTH}`,
        );
      }
      return { action: 'deny', id, reason };
    }
    case 'audit': {
      if (first === undefined) return { action: 'audit' };
      const limit = /^[0-9]{1,7}$/.test(first) ? Number(first) : Number.NaN;
      if (!(limit >= 1 && limit <= MAX_AUDIT_LIMIT)) {
        return error('invalid_number', `"${shown(first)}" is not a number from 1 to ${MAX_AUDIT_LIMIT}`);
      }
      return { action: 'audit', limit };
    }
    case 'pending':
      return { action: 'pending' };
    case 'targets':
      return { action: 'targets' };
    case 'whoami':
      return { action: 'whoami' };
  }
  return new ParseError('parse_error', `${spec.action} has no parser`, spec.usage, spec.action);
}

/** An error about a batch (several subjects): its usage line is the batch form of the command. */
function batchError(spec: CommandSpec, code: ParseErrorCode, problem: string): ParseError {
  return new ParseError(code, problem, batchUsage(spec) ?? spec.usage, spec.action);
}

/** The plural of a subject kind, for batch messages. */
const NOUNS: Record<ArgKind, string> = {
  domain: 'domains',
  email: 'email addresses',
  id: 'request ids',
  count: 'numbers',
  command: 'command names',
  reason: 'reasons',
};

/**
 * The subjects of a batch command (two or more), each normalised like a single subject. At most
 * `max`; a subject given twice (after normalisation: `A.com` and `a.com`, an IDN and its
 * punycode) is refused with both spellings, so that what is approved is exactly what was typed.
 */
function parseBatch(
  spec: CommandSpec,
  words: readonly string[],
  max: number,
  error: (code: ParseErrorCode, problem: string) => ParseError,
  item: (subject: string) => { subject: string; call: import('../ports.ts').VendorCall },
  base: { action: CommandSpec['action']; flags: string[]; target?: string },
): Command | ParseError {
  const kind = spec.args[0]?.kind ?? 'domain';
  if (words.length > max) {
    return error(
      'too_many_subjects',
      `${spec.action} takes at most ${max} ${NOUNS[kind]} at once and ${words.length} were given; split them into several commands`,
    );
  }
  const seen = new Map<string, string>();
  const items: { subject: string; call: import('../ports.ts').VendorCall }[] = [];
  for (const word of words) {
    let subject: string;
    if (kind === 'email') {
      const normalized = normalizeEmail(word);
      if (!normalized.ok) {
        return error('invalid_email', `"${shown(word)}" is not a valid email address: ${normalized.message}`);
      }
      subject = normalized.email;
    } else {
      const normalized = normalizeDomain(word);
      if (!normalized.ok) {
        return error('invalid_domain', `"${shown(word)}" is not a valid domain: ${normalized.message}`);
      }
      subject = normalized.domain;
    }
    const earlier = seen.get(subject);
    if (earlier !== undefined) {
      const spelled = earlier === word ? '' : ` (as "${shown(earlier)}" and "${shown(word)}")`;
      return error(
        'duplicate_subject',
        `${subject} is given twice${spelled}; list each ${kind === 'email' ? 'email address' : 'domain'} once`,
      );
    }
    seen.set(subject, word);
    items.push(item(subject));
  }
  const [first] = items;
  return { ...base, subject: first!.subject, call: first!.call, items };
}

/** `--wait: check DNS again …`: a flag and what it does, for a message. */
function describeFlag(spec: CommandSpec, name: string): string {
  const summary = spec.flags.find((f) => f.name === name)?.summary;
  return summary === undefined ? name : `${name}: ${summary}`;
}

function the(kind: ArgKind): string {
  return NOUN[kind].replace(/^an? /, 'the ');
}

function describeArguments(spec: CommandSpec): string {
  const fixed = spec.args.filter((a) => a.kind !== 'reason');
  if (fixed.length === 0) return 'no arguments';
  return fixed
    .map((a) => `${a.optional ? 'at most' : ''} ${NOUN[a.kind].replace(/^an? /, 'one ')}`.trim())
    .join(' and ');
}

/** What in the line would render as a mention, a link or markdown on a chat platform, if anything. */
function findFormatting(line: string): string | undefined {
  if (line.includes('<!')) return 'a channel-wide mention';
  if (line.includes('<@')) return 'a user mention';
  if (line.includes('<#')) return 'a channel link';
  if (line.includes('<') || line.includes('>')) return 'angle brackets (links or quotes)';
  if (/\[[^\]]*\]\(/.test(line)) return 'a markdown link';
  if (line.includes('*')) return 'an asterisk (bold)';
  if (line.includes('`')) return 'a backtick (code)';
  if (line.includes('~')) return 'a tilde (strikethrough)';
  // `_text_` is italics on both platforms; an underscore inside a name (my_target) is not.
  if (/(^|[\t\p{Zs}])_[^\t\p{Zs}_]([^_]*[^\t\p{Zs}_])?_(?=[\t\p{Zs}]|$)/u.test(line))
    return 'underscores (italics)';
  if (/(^|[\t\p{Zs}])@/u.test(line)) return 'a mention (a word starting with @)';
  return undefined;
}

function firstWord(text: string): string {
  return /^[\t\p{Zs}]*([^\t\p{Zs}]*)/u.exec(text)?.[1] ?? '';
}

/** Drops leading separators and trailing separators and line breaks, in linear time. */
function trimLine(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && SEPARATOR.test(text[start]!)) start++;
  while (end > start && (SEPARATOR.test(text[end - 1]!) || text[end - 1] === '\n' || text[end - 1] === '\r'))
    end--;
  return text.slice(start, end);
}

/** A piece of the input as messages quote it: at most 40 characters. */
function shown(text: string): string {
  const chars = [...text];
  return chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : text;
}
