import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type App, createApp, type Reply, replyDocument } from '../app.ts';
import { configPath, loadConfig } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import { cardForReply } from '../core/cards/build.ts';
import { ConfigError, DomainopsError, ExitCode } from '../core/errors.ts';
import { normalizeEmail } from '../core/grammar/normalize.ts';
import type { Actor } from '../core/policy/actor.ts';
import { auditDocuments, auditToJsonLines } from '../core/requests/audit.ts';
import type { RequestRecord } from '../core/requests/model.ts';
import { auditText, pendingText } from '../core/text.ts';
import { modules } from '../modules.ts';
import { auditMode, followCommand, verifyCommand } from './audit.ts';
import { checkConfig } from './check-config.ts';
import { startCommand } from './start.ts';

/** The version in package.json. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

/** Where the CLI writes, and what it reads from the environment (tests pass their own). */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Builds the app for a config; tests inject one aimed at local fakes. */
  createApp?: (config: Config) => App;
  /** Replaces `domainops start` (tests of the argument handling). */
  start?: (configOption: string | undefined, io: CliIo) => Promise<number>;
  /** Where `audit --follow` writes, waiting for `drain` when it is full (default: line by line to `stdout`). */
  out?: NodeJS.WritableStream;
  /** Ends `audit --follow` as SIGINT and SIGTERM do. */
  stop?: AbortSignal;
}

export const USAGE = `Usage: domainops <command> [options]

Commands:
  start                                               run the bot (platforms from the config; with no
                                                      config file: the playground and its vendor sandbox)
  exec --as <email> [--json] [--dry-run] "<command>"   run one chat command as <email>
  approve <id> --as <email> [--json]                  approve a pending request
  deny <id> --as <email> [--reason <text>] [--json]   deny a pending request
  cancel <id> --as <email> [--json]                   withdraw a pending request
  pending [--json]                                    requests waiting for approval
  audit [--json | --jsonl] [--limit N]                the audit trail (newest last)
  audit --follow --jsonl [--after <seq>]              every event after <seq>, then each new one (until Ctrl-C)
  audit verify [--json]                               check the audit trail's hash chain (exit 7: altered)
  explain --as <email> [--json] "<command>"           which rule decides, which approval it needs
  check-config                                        validate the config and its secrets

Global options:
  --config <path>   the config file (default: $DOMAINOPS_CONFIG, then ./domainops.yaml)
  --sandbox         the example config against the built-in vendor sandbox (as \`npm start\`
                    uses with no config): try any command with no accounts or credentials
  --version         the version of domainops
  --help            this text`;

const OPTIONS = {
  config: { type: 'string' },
  as: { type: 'string' },
  json: { type: 'boolean' },
  jsonl: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  reason: { type: 'string' },
  limit: { type: 'string' },
  follow: { type: 'boolean' },
  after: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  sandbox: { type: 'boolean' },
} as const;

type OptionName = keyof typeof OPTIONS;

/** Which options each subcommand takes (besides --config and --help). */
const ALLOWED: Record<string, OptionName[]> = {
  exec: ['as', 'json', 'dry-run'],
  approve: ['as', 'json'],
  deny: ['as', 'json', 'reason'],
  cancel: ['as', 'json'],
  pending: ['json'],
  audit: ['json', 'jsonl', 'limit', 'follow', 'after'],
  explain: ['as', 'json'],
  'check-config': [],
  start: [],
};

class UsageError extends DomainopsError {
  constructor(message: string) {
    super('usage', message, { hint: 'run `domainops --help` for the commands and their options' });
  }
}

type Values = { [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

function actorFrom(values: Values): Actor {
  if (values.as === undefined) throw new UsageError('--as <email> is required: who is running this command');
  const email = normalizeEmail(values.as);
  if (!email.ok) throw new UsageError(`--as: ${email.message}`);
  return { platform: 'cli', id: email.email.toLowerCase(), email: email.email.toLowerCase() };
}

/**
 * `--reason` under the rules of the chat grammar's `deny <id> [reason]` (one line, no control
 * characters, mentions or markup, at most 500 characters), so that a reason typed at the CLI
 * shows on the cards exactly like one typed in chat.
 */
function denyReason(app: App, reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  const parsed = app.present.grammar.parse(`deny r-0 ${reason}`);
  if (!parsed.ok) {
    const { message, usage } = parsed.error;
    throw new UsageError(`--reason: ${message.slice(0, message.length - `. Usage: ${usage}`.length)}`);
  }
  const command = parsed.command;
  return 'id' in command && command.action === 'deny' ? command.reason : undefined;
}

function positional(args: string[], count: number, what: string): string[] {
  if (args.length < count) throw new UsageError(`missing ${what}`);
  return args;
}

/** Runs the CLI and returns its exit code. Never throws for bad input. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${USAGE}`);
    return ExitCode.usage;
  }
  const values = parsed.values as Values;
  const [sub, ...args] = parsed.positionals;
  if (values.version && sub === undefined) {
    io.stdout(`domainops ${version()}`);
    return ExitCode.ok;
  }
  if (values.help || sub === undefined || sub === 'help') {
    (sub === undefined && !values.help ? io.stderr : io.stdout)(USAGE);
    return sub === undefined && !values.help ? ExitCode.usage : ExitCode.ok;
  }
  const allowed = ALLOWED[sub];
  if (!allowed) {
    io.stderr(`unknown command "${sub}"\n\n${USAGE}`);
    return ExitCode.usage;
  }
  for (const name of Object.keys(values) as OptionName[]) {
    if (!['config', 'help', 'version', 'sandbox'].includes(name) && !allowed.includes(name)) {
      io.stderr(`${sub} does not take --${name}\n\n${USAGE}`);
      return ExitCode.usage;
    }
  }

  if (sub === 'start') {
    if (args.length > 0) {
      io.stderr(`start takes no arguments\n\n${USAGE}`);
      return ExitCode.usage;
    }
    return (io.start ?? startCommand)(values.config, io);
  }

  if (values.sandbox && values.config !== undefined) {
    io.stderr(`--sandbox uses the example config; leave out --config\n\n${USAGE}`);
    return ExitCode.usage;
  }
  let config: Config;
  let sandbox: { close(): Promise<void> } | undefined;
  try {
    if (values.sandbox) {
      // The vendor fakes run in this process for the one command; requests and audit go to the
      // playground's store, so `pending` and `approve` see what the playground asked for.
      const { startSandbox } = await import('../sandbox/index.ts');
      const started = await startSandbox({ env: io.env });
      sandbox = started;
      config = started.config;
    } else config = loadConfig(configPath(values.config, io.env), io.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}${error.hint ? `\n${error.hint}` : ''}`);
      return ExitCode.failure;
    }
    throw error;
  }
  if (sub === 'check-config') {
    try {
      const report = await checkConfig(config);
      (report.ok ? io.stdout : io.stderr)(report.text);
      return report.ok ? ExitCode.ok : ExitCode.failure;
    } finally {
      await sandbox?.close();
    }
  }

  const app = (io.createApp ?? ((c: Config) => createApp(c, { commandStyle: 'cli' })))(config);
  try {
    return await run(sub, args, values, app, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n${error.hint}`);
      return ExitCode.usage;
    }
    if (error instanceof DomainopsError) {
      io.stderr(`${error.code}: ${error.message}${error.hint ? `\n${error.hint}` : ''}`);
      return ExitCode.failure;
    }
    throw error;
  } finally {
    await app.close();
    await sandbox?.close();
  }
}

function print(reply: Reply, json: boolean | undefined, io: CliIo, app: App): number {
  if (json) {
    // The `cards` member: what each chat platform would show for this reply, in its wire format.
    const card = cardForReply(reply, { present: app.present, now: app.clock.now() });
    const cards = Object.fromEntries(
      modules.platforms.flatMap((p) => (p.renderCard ? [[p.name, p.renderCard(card)] as const] : [])),
    );
    io.stdout(JSON.stringify({ ...replyDocument(reply), cards }, null, 2));
  } else (reply.exitCode === ExitCode.ok ? io.stdout : io.stderr)(reply.text);
  return reply.exitCode;
}

async function run(sub: string, args: string[], values: Values, app: App, io: CliIo): Promise<number> {
  switch (sub) {
    case 'exec': {
      const actor = actorFrom(values);
      const text = positional(args, 1, 'the command to run, e.g. "unclaim abc.com"').join(' ');
      // Progress (a batch's items, a long call's interim results) goes to stderr, line by line.
      const dryRun = values['dry-run'] === true;
      return print(
        await app.handle(text, actor, dryRun ? { dryRun } : { onProgress: (note) => io.stderr(note.text) }),
        values.json,
        io,
        app,
      );
    }
    case 'explain': {
      const actor = actorFrom(values);
      const text = positional(args, 1, 'the command to explain, e.g. "unclaim abc.com"').join(' ');
      return print(app.explain(text, actor), values.json, io, app);
    }
    case 'approve':
    case 'deny':
    case 'cancel': {
      const actor = actorFrom(values);
      const [id] = positional(args, 1, 'the request id');
      if (args.length > 1)
        throw new UsageError(`${sub} takes one request id; quote a reason with --reason "…"`);
      const reply =
        sub === 'approve'
          ? await app.approve(id!, actor, { onProgress: (note) => io.stderr(note.text) })
          : sub === 'deny'
            ? await app.deny(id!, actor, denyReason(app, values.reason))
            : await app.cancel(id!, actor);
      return print(reply, values.json, io, app);
    }
    case 'pending': {
      if (args.length > 0) throw new UsageError('pending takes no arguments');
      // The JSON document lists every pending request; the text, the oldest and how many more.
      if (values.json) {
        const requests = (await app.workflow().pending()).map(pendingEntry);
        io.stdout(JSON.stringify({ requests }, null, 2));
      } else {
        const { requests, total } = await app.workflow().pendingPage();
        io.stdout(pendingText(requests, total, 'cli'));
      }
      return ExitCode.ok;
    }
    case 'audit': {
      const mode = auditMode(args, values);
      if (mode.kind === 'usage') throw new UsageError(mode.message);
      if (mode.kind === 'verify') return verifyCommand(app.config, mode.json, io);
      if (mode.kind === 'follow') return followCommand(app.config, mode.after, io);
      const events = await app.workflow().audit(mode.limit);
      // One representation in both: the events oldest first, `at` in ISO 8601.
      if (values.json) io.stdout(JSON.stringify(auditDocuments(events), null, 2));
      else if (values.jsonl) io.stdout(auditToJsonLines(events).replace(/\n$/, ''));
      else io.stdout(auditText(events));
      return ExitCode.ok;
    }
  }
  throw new UsageError(`unknown command "${sub}"`);
}

/**
 * One request of `pending --json`: the stored request with, up front, the members scripts read
 * (`id`, `action`, `target`, `subject`, for a batch `subjects`, `requester`, `approvals`) and
 * `expiresAt`, when it expires (ISO 8601, like the audit trail's `at`). A batch's `subject` is
 * its first item's; `subjects` has every item's, in order.
 */
function pendingEntry(record: RequestRecord): Record<string, unknown> {
  const { id, action, target, subject, requester, approvals, ...rest } = record;
  const expiresAt =
    record.approval === undefined ? undefined : new Date(record.approval.expiresAt).toISOString();
  return {
    id,
    action,
    target,
    subject,
    ...(record.items === undefined ? {} : { subjects: record.items.map((item) => item.subject) }),
    requester,
    approvals,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...rest,
  };
}
