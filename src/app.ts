import { createHttpClient, createVendorClient, type HttpClient, type Sleep } from '../adapters/index.ts';
import type { RedactedRequest, VendorClient } from '../adapters/types.ts';
import { VendorError } from '../adapters/vendor-error.ts';
import { helpText } from './commands/help.ts';
import type { Action, Command, MetaCommand, VendorCommand } from './commands/model.ts';
import { isVendorCommand, subjectOf, VENDOR_ACTIONS } from './commands/model.ts';
import { parseCommand } from './commands/parse.ts';
import { resolveTarget } from './commands/resolve-target.ts';
import type { Config } from './config/types.ts';
import { DomainopsError, ExitCode } from './errors.ts';
import { type Actor, describeActor } from './policy/actor.ts';
import { principalMatches } from './policy/match.ts';
import { evaluate, explain } from './policy/policy.ts';
import { auditText, pendingText, requestStateText, requestText, targetLabel } from './present/text.ts';
import type { RequestError, RequestRecord } from './requests/model.ts';
import { exitCode, type Outcome, outcomeOf } from './requests/outcome.ts';
import { openSqliteStore } from './requests/sqlite-store.ts';
import type { RequestStore } from './requests/store.ts';
import { createWorkflow, type Workflow } from './requests/workflow.ts';

/** The status vocabulary of the JSON document, plus `dry-run` for `exec --dry-run`. */
export type ReplyStatus =
  | 'pending'
  | 'executing'
  | 'succeeded'
  | 'failed'
  | 'rejected'
  | 'denied'
  | 'expired'
  | 'cancelled'
  | 'unknown'
  | 'dry-run';

/**
 * What one command came to: the JSON document of design.md (`status`, `requestId`, `action`,
 * `target`, `result`, `error`) plus the plain text chat shows and the CLI exit code.
 */
export interface Reply {
  status: ReplyStatus;
  requestId?: string;
  action?: Action;
  target?: string;
  result?: unknown;
  error?: { code: string; message: string; hint?: string } & Record<string, unknown>;
  /** `exec --dry-run`: the vendor request that would be sent, secrets redacted. */
  request?: RedactedRequest;
  /** Why the policy decided as it did (rejections and dry runs). */
  policy?: string;
  /** The stored request behind the reply (not part of the JSON document: cards read it). */
  record?: RequestRecord;
  /** Set when the reply answers an approve, deny or cancel (`action` stays the request's action). */
  decision?: 'approve' | 'deny' | 'cancel';
  /**
   * The command was a redelivery of one already stored (same delivery key): the reply shows that
   * request, but the first delivery was answered already, so platforms post nothing.
   */
  redelivered?: true;
  text: string;
  exitCode: ExitCode;
}

/** The JSON document of a reply (README, "Command line"). */
export function replyDocument(reply: Reply): Record<string, unknown> {
  const {
    text: _text,
    exitCode: _exit,
    record: _record,
    decision: _decision,
    redelivered: _redelivered,
    ...doc
  } = reply;
  return doc;
}

export interface AppOptions {
  /** The shared vendor HTTP layer; tests pass one aimed at local fakes. */
  http?: HttpClient;
  now?: () => number;
  sleep?: Sleep;
  /** A store to use instead of opening `config.store`. */
  store?: RequestStore;
  /** Told of every request this process expires (the sweep's or one found overdue on access). */
  onExpired?: (record: RequestRecord) => void;
  /** Told when a vendor call finished but its result could not be stored (reported as outcome unknown). */
  onResultNotStored?: (request: RequestRecord, error: unknown) => void;
  /** Told when such a result was stored later, in the background. */
  onLateResult?: (record: RequestRecord) => void;
}

export interface HandleOptions {
  /** The platform's delivery id: a redelivered event finds its request instead of making another. */
  deliveryKey?: string;
  /** Build and show the vendor request, store nothing, send nothing. */
  dryRun?: boolean;
  /**
   * Where the command was typed, as the platform describes it (JSON with a `platform` member):
   * stored with a vendor request, so that an outcome nobody saw (settled by recovery at start)
   * can be posted there.
   */
  origin?: unknown;
}

/** The pipeline every platform uses: parse → policy → store → vendor adapter → store → reply. */
export interface App {
  readonly config: Config;
  /** Handles one line of the chat grammar from a person the platform identified. */
  handle(text: string, actor: Actor, options?: HandleOptions): Promise<Reply>;
  approve(id: string, actor: Actor): Promise<Reply>;
  deny(id: string, actor: Actor, reason?: string): Promise<Reply>;
  cancel(id: string, actor: Actor): Promise<Reply>;
  /** The policy's explanation of a command, without running it. */
  explain(text: string, actor: Actor): Reply;
  /** The reply that shows a stored request as it is now (cards re-rendered after expiry or recovery). */
  replyFor(record: RequestRecord): Reply;
  /** The workflow (opens the store on first use). */
  workflow(): Workflow;
  close(): Promise<void>;
}

/** Commands domainops answers itself that touch neither the store nor a vendor: fine in a dry run. */
const DRY_RUN_META: ReadonlySet<Action> = new Set<Action>(['help', 'targets', 'whoami']);

function errorReply(error: DomainopsError, exit: ExitCode, extra: Partial<Reply> = {}): Reply {
  const hint = error.hint ? `\n${error.hint}` : '';
  return {
    status: 'failed',
    error: error.toJSON(),
    text: `${error.message}${hint}`,
    exitCode: exit,
    ...extra,
  };
}

/** Creates the pipeline for a loaded config. Opens nothing until it is first used. */
export function createApp(config: Config, options: AppOptions = {}): App {
  const http = options.http ?? createHttpClient(config.http);
  const clients = new Map<string, VendorClient>();
  const client = (name: string): VendorClient => {
    let c = clients.get(name);
    if (!c) {
      const target = config.targets[name];
      if (!target) throw new DomainopsError('unknown_target', `no target named ${name}`);
      c = createVendorClient(target, {
        http,
        ...(options.now ? { now: options.now } : {}),
        ...(options.sleep ? { sleep: options.sleep } : {}),
      });
      clients.set(name, c);
    }
    return c;
  };

  let store: RequestStore | undefined = options.store;
  let flow: Workflow | undefined;
  const workflow = (): Workflow => {
    if (!flow) {
      store ??= openSqliteStore(config.store);
      flow = createWorkflow({
        policy: config.policy,
        store,
        execute: (target, call) => client(target).execute(call),
        ...(options.now ? { now: options.now } : {}),
        ...(options.onExpired ? { onExpired: options.onExpired } : {}),
        ...(options.onResultNotStored ? { onResultNotStored: options.onResultNotStored } : {}),
        ...(options.onLateResult ? { onLateResult: options.onLateResult } : {}),
      });
    }
    return flow;
  };

  const label = (target: string): string => {
    const t = config.targets[target];
    return t ? targetLabel(t) : target;
  };

  /** A workflow outcome as a reply. */
  const fromOutcome = (
    outcome: Outcome,
    action: Action,
    decision?: 'approve' | 'deny' | 'cancel',
    refusalPrefix = '',
  ): Reply => {
    const request = outcome.request;
    const reply: Reply = {
      status: outcome.status ?? 'failed',
      action: request?.action ?? action,
      ...(decision === undefined ? {} : { decision }),
      ...(outcome.redelivered ? { redelivered: true as const } : {}),
      text: '',
      exitCode: exitCode(outcome),
    };
    if (request) {
      reply.record = request;
      reply.requestId = request.id;
      reply.target = request.target;
      if (request.result) reply.result = request.result;
    }
    if (outcome.error) reply.error = { ...outcome.error, ...vendorDetails(request?.error) };
    const lines: string[] = [];
    if (outcome.refusal || !request) {
      lines.push(`${refusalPrefix}${outcome.error?.message ?? 'not done'}`);
      if (outcome.error?.hint) lines.push(outcome.error.hint);
    } else {
      lines.push(requestStateText(request, label(request.target)));
      if (outcome.error && request.status !== 'rejected') {
        lines.push(`${outcome.error.code}: ${outcome.error.message}`);
        if (outcome.error.hint) lines.push(outcome.error.hint);
      }
    }
    if (outcome.explanation && (outcome.status === 'rejected' || outcome.refusal)) {
      reply.policy = outcome.explanation.text;
      lines.push(outcome.explanation.text);
    } else if (request?.status === 'rejected' && request.explanation) {
      reply.policy = request.explanation;
      lines.push(request.explanation);
    }
    reply.text = lines.join('\n');
    return reply;
  };

  const runVendor = async (command: VendorCommand, actor: Actor, options: HandleOptions): Promise<Reply> => {
    const resolved = resolveTarget(command, config.targets);
    if (!resolved.ok) return errorReply(resolved.error, ExitCode.usage, { action: command.action });
    const target = resolved.target.name;
    const { target: _omit, ...call } = command;
    if (options.dryRun) {
      const decision = evaluate(config.policy, {
        action: call.action,
        target,
        subject: subjectOf(call),
        actor,
      });
      const request = client(target).describe(call);
      const rejected = decision.decision === 'reject';
      return {
        status: rejected ? 'rejected' : 'dry-run',
        action: call.action,
        target,
        request,
        policy: decision.explanation.text,
        text: [
          `Dry run: nothing was sent. ${label(target)} would receive:`,
          '',
          requestText(request),
          '',
          decision.explanation.text,
        ].join('\n'),
        exitCode: rejected ? ExitCode.rejected : ExitCode.ok,
      };
    }
    const outcome = await workflow().submit({
      target,
      call,
      actor,
      ...(options.deliveryKey === undefined ? {} : { deliveryKey: options.deliveryKey }),
      ...(options.origin === undefined ? {} : { origin: options.origin }),
    });
    return fromOutcome(outcome, call.action);
  };

  /**
   * An approve, deny or cancel as a reply. A store that cannot be written (`store_busy`,
   * `store_full`, …) is an answer with that code and its hint, not an internal error; the
   * request is unchanged.
   */
  const decide = async (
    decision: 'approve' | 'deny' | 'cancel',
    work: () => Promise<Outcome>,
    refusalPrefix: string,
  ): Promise<Reply> => {
    try {
      return fromOutcome(await work(), decision, decision, refusalPrefix);
    } catch (error) {
      if (!(error instanceof DomainopsError)) throw error;
      return errorReply(error, ExitCode.failure, { action: decision, decision });
    }
  };

  const runMeta = async (command: MetaCommand, actor: Actor): Promise<Reply> => {
    switch (command.action) {
      case 'approve':
        return app.approve(command.id, actor);
      case 'deny':
        return app.deny(command.id, actor, command.reason);
      case 'cancel':
        return app.cancel(command.id, actor);
      default:
        break;
    }
    const decision = evaluate(config.policy, { action: command.action, actor });
    if (decision.decision === 'reject') {
      return {
        status: 'rejected',
        action: command.action,
        error: { code: decision.code, message: decision.reason },
        policy: decision.explanation.text,
        text: `Not allowed: ${decision.reason}\n${decision.explanation.text}`,
        exitCode: ExitCode.rejected,
      };
    }
    if (decision.decision === 'approval') {
      // Answering at once would skip the approval the rule asks for, and a command answered by
      // domainops itself cannot wait for one: refused (check-config points such rules out).
      const reason = `rule "${decision.rule.name}" asks for approval, but ${command.action} is answered at once and cannot wait for one`;
      return {
        status: 'rejected',
        action: command.action,
        error: {
          code: 'approval_not_supported',
          message: reason,
          hint: `list ${command.action} in a rule with approval: none`,
        },
        policy: decision.explanation.text,
        text: `Not allowed: ${reason}\n${decision.explanation.text}`,
        exitCode: ExitCode.rejected,
      };
    }
    const ok = (text: string, result: unknown): Reply => ({
      status: 'succeeded',
      action: command.action,
      result,
      text,
      exitCode: ExitCode.ok,
    });
    switch (command.action) {
      case 'help': {
        const text = helpText(command.topic);
        return ok(text, { text });
      }
      case 'targets': {
        const targets = Object.values(config.targets).map((t) => ({
          name: t.name,
          vendor: t.vendor,
          label: targetLabel(t),
        }));
        const text =
          targets.length === 0 ? 'No targets are configured.' : targets.map((t) => `${t.label}`).join('\n');
        return ok(text, { targets });
      }
      case 'whoami': {
        const groups = Object.entries(config.policy.groups)
          .map(([g]) => g)
          .filter((g) => principalMatches(config.policy.groups, g, actor));
        return ok(
          `You are ${describeActor(actor)}; groups: ${groups.length ? groups.join(', ') : '(none)'}.`,
          {
            actor,
            groups,
          },
        );
      }
      case 'pending': {
        const requests = await workflow().pending();
        return ok(pendingText(requests), { requests });
      }
      case 'audit': {
        const events = await workflow().audit(command.limit ?? 20);
        return ok(auditText(events), { events });
      }
    }
  };

  const app: App = {
    config,
    async handle(text, actor, options = {}) {
      const parsed = parseCommand(text);
      if (!parsed.ok) return errorReply(parsed.error, ExitCode.usage);
      const command: Command = parsed.command;
      if (options.dryRun && !isVendorCommand(command) && !DRY_RUN_META.has(command.action)) {
        // A dry run stores nothing and sends nothing: approve, deny and cancel would decide (and
        // may run) a request, and pending and audit read the store (expiring overdue requests).
        const error = new DomainopsError(
          'dry_run_unsupported',
          `--dry-run previews the vendor request of ${VENDOR_ACTIONS.join(', ')}; ${command.action} has none`,
          { hint: `run \`${command.action}\` without --dry-run` },
        );
        return errorReply(error, ExitCode.usage, { action: command.action });
      }
      try {
        return isVendorCommand(command)
          ? await runVendor(command, actor, options)
          : await runMeta(command, actor);
      } catch (error) {
        if (error instanceof VendorError || error instanceof DomainopsError) {
          return errorReply(error, ExitCode.failure, { action: command.action });
        }
        throw error;
      }
    },
    approve(id, actor) {
      return decide('approve', () => workflow().approve(id, actor), 'Not approved: ');
    },
    deny(id, actor, reason) {
      return decide('deny', () => workflow().deny(id, actor, reason), 'Not denied: ');
    },
    cancel(id, actor) {
      return decide('cancel', () => workflow().cancel(id, actor), 'Not cancelled: ');
    },
    explain(text, actor) {
      const parsed = parseCommand(text);
      if (!parsed.ok) return errorReply(parsed.error, ExitCode.usage);
      const command = parsed.command;
      if (command.action === 'approve' || command.action === 'deny' || command.action === 'cancel') {
        // Not decided by the rules' requesters (see decisions.ts): say who may, not "no rule allows".
        const text =
          command.action === 'cancel'
            ? `cancel is not decided by the policy rules: the requester of ${command.id} may cancel it while it is pending, and so may its eligible approvers.`
            : `${command.action} is not decided by the policy rules: the approvers named by the rule that matches request ${command.id} may ${command.action} it while it is pending (its requester never can); the policy is checked again when an approval arrives.`;
        return {
          status: 'succeeded',
          action: command.action,
          result: { decision: 'approvers', text },
          policy: text,
          text,
          exitCode: ExitCode.ok,
        };
      }
      let target: string | undefined;
      let subject: string | undefined;
      if (isVendorCommand(command)) {
        const resolved = resolveTarget(command, config.targets);
        if (!resolved.ok) return errorReply(resolved.error, ExitCode.usage, { action: command.action });
        target = resolved.target.name;
        subject = subjectOf(command);
      }
      const e = explain(config.policy, {
        action: command.action,
        actor,
        ...(target === undefined ? {} : { target }),
        ...(subject === undefined ? {} : { subject }),
      });
      return {
        status: e.decision === 'reject' ? 'rejected' : 'succeeded',
        action: command.action,
        ...(target === undefined ? {} : { target }),
        result: e,
        policy: e.text,
        text: e.text,
        exitCode: e.decision === 'reject' ? ExitCode.rejected : ExitCode.ok,
      };
    },
    replyFor(record) {
      return fromOutcome(outcomeOf(record), record.action);
    },
    workflow,
    async close() {
      flow?.close();
      await store?.close();
      await http.close();
    },
  };
  return app;
}

/** Vendor fields of a stored request error, for the JSON document. */
function vendorDetails(error: RequestError | undefined): Record<string, unknown> {
  if (!error) return {};
  const out: Record<string, unknown> = {};
  if (error.vendor !== undefined) out.vendor = error.vendor;
  if (error.status !== undefined) out.status = error.status;
  if (error.requestId !== undefined) out.requestId = error.requestId;
  return out;
}
