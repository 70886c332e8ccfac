/**
 * `domainops audit`: the latest events (index.ts prints them), `audit verify` (the hash chain
 * from the genesis) and `audit --follow --jsonl [--after <seq>]` (every event after a seq, then
 * each new one as any process appends it, until SIGINT or SIGTERM).
 */
import { openStore } from '../app.ts';
import { systemClock } from '../core/clock.ts';
import type { Config } from '../core/config/types.ts';
import { DomainopsError, ExitCode } from '../core/errors.ts';
import { auditDocument, followAudit } from '../core/requests/audit.ts';
import { verifyAuditChain } from '../core/requests/audit-chain.ts';
import type { AuditEvent, RequestStore } from '../core/requests/store.ts';
import { modules } from '../modules.ts';
import type { CliIo } from './index.ts';

/** What `audit` was asked to do, or why the arguments make no sense. */
export type AuditMode =
  | { kind: 'list'; limit: number }
  | { kind: 'verify'; json: boolean }
  | { kind: 'follow'; after: number }
  | { kind: 'usage'; message: string };

interface AuditValues {
  json?: boolean | undefined;
  jsonl?: boolean | undefined;
  limit?: string | undefined;
  follow?: boolean | undefined;
  after?: string | undefined;
}

const FOLLOW_USAGE = 'domainops audit --follow --jsonl [--after <seq>]';

/** Reads the arguments of `audit`. */
export function auditMode(args: readonly string[], values: AuditValues): AuditMode {
  const usage = (message: string): AuditMode => ({ kind: 'usage', message });
  if (args[0] === 'verify') {
    if (args.length > 1) return usage('audit verify takes no arguments');
    const other = (['jsonl', 'limit', 'follow', 'after'] as const).find((name) => values[name] !== undefined);
    if (other !== undefined) return usage(`audit verify does not take --${other} (only --json)`);
    return { kind: 'verify', json: values.json === true };
  }
  if (args.length > 0) {
    return usage('audit takes no arguments but `verify`; use --limit N for the number of events');
  }
  if (values.follow) {
    if (values.json)
      return usage(`--follow prints one event a line: use --jsonl, not --json (${FOLLOW_USAGE})`);
    if (!values.jsonl) return usage(`--follow prints JSON Lines: add --jsonl (${FOLLOW_USAGE})`);
    if (values.limit !== undefined)
      return usage(`--follow takes --after <seq>, not --limit (${FOLLOW_USAGE})`);
    const after = values.after === undefined ? 0 : Number(values.after);
    if (values.after !== undefined && (!/^\d+$/.test(values.after.trim()) || !Number.isSafeInteger(after))) {
      return usage('--after takes the seq of the last event already seen: a whole number, 0 or more');
    }
    return { kind: 'follow', after };
  }
  if (values.after !== undefined) return usage(`--after goes with --follow (${FOLLOW_USAGE})`);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
    return usage('--limit takes a whole number from 1 to 100000');
  }
  if (values.json && values.jsonl) return usage('choose one of --json and --jsonl');
  return { kind: 'list', limit };
}

/** Opens the store the config names, for this one command. */
function open(config: Config): RequestStore {
  return openStore(config.store, modules, systemClock);
}

/**
 * `audit verify`: exit 0 with the number of events checked, or 7 with one line naming the first
 * bad seq and what is wrong there.
 */
export async function verifyCommand(config: Config, json: boolean, io: CliIo): Promise<number> {
  const store = open(config);
  try {
    const report = await verifyAuditChain(store);
    if (json) io.stdout(JSON.stringify(report));
    else if (report.ok) io.stdout(`audit trail intact: ${report.checked} events checked`);
    else {
      io.stderr(
        `audit trail altered at seq ${report.badSeq} (${report.problem}): ${report.message}; ${report.checked} events before it are intact`,
      );
    }
    return report.ok ? ExitCode.ok : ExitCode.altered;
  } finally {
    await store.close();
  }
}

/**
 * `audit --follow --jsonl`: one JSON line per event (the `--jsonl` document, with `seq` and
 * `hash`), from the event after `after` on, then each new one within a second or so, until
 * SIGINT or SIGTERM (or `io.stop`); exits 0 then. Output waits for a slow reader (the stream's
 * `drain`) instead of piling up in memory. The store's first read failing ends it with that
 * error; later failures are said once and retried.
 */
export async function followCommand(config: Config, after: number, io: CliIo): Promise<number> {
  const store = open(config);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  io.stop?.addEventListener('abort', onSignal, { once: true });
  let outputError: unknown;
  const out = io.out;
  const onOutputError = (error: unknown): void => {
    outputError = error;
    stop.abort();
  };
  out?.on('error', onOutputError);
  let last = after;
  try {
    // Fails at once (exit 1 with the store's error) when the store cannot be read at all.
    await store.latestSeq();
    last = await followAudit(store, {
      after,
      signal: stop.signal,
      now: systemClock.now,
      sleep: (ms, signal) => systemClock.sleep(ms, signal),
      emit: (events) => write(events, out, io, stop.signal),
      onError: (error, first) => {
        if (!first) return;
        const what = error instanceof DomainopsError ? `${error.code}: ${error.message}` : String(error);
        io.stderr(`audit --follow: could not read the audit trail (${what}); trying again`);
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.stop?.removeEventListener('abort', onSignal);
    out?.off('error', onOutputError);
    await store.close();
  }
  if (outputError !== undefined) {
    const code = (outputError as NodeJS.ErrnoException).code ?? String(outputError);
    io.stderr(
      `audit --follow: the output was closed (${code}): stopped after passing on seq ${last}; start again with --after <the last seq the reader stored>`,
    );
    return ExitCode.failure;
  }
  return ExitCode.ok;
}

/** Writes events as JSON Lines; resolves once the stream takes more (or the follow stops). */
async function write(
  events: readonly AuditEvent[],
  out: NodeJS.WritableStream | undefined,
  io: CliIo,
  signal: AbortSignal,
): Promise<void> {
  const lines = events.map((e) => JSON.stringify(auditDocument(e)));
  if (out === undefined) {
    for (const line of lines) io.stdout(line);
    return;
  }
  if (out.write(`${lines.join('\n')}\n`) || signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
