import type { Clock } from './clock.ts';
import type { Config } from './config/types.ts';
import { DomainopsError, ExitCode, VendorFailure } from './errors.ts';
import {
  type Command,
  type Grammar,
  isVendorCommand,
  type MetaCommand,
  type VendorCommand,
} from './grammar/index.ts';
import { type Actor, describeActor } from './policy/actor.ts';
import { evaluateBatch } from './policy/batch.ts';
import { knownToPolicy, principalMatches } from './policy/match.ts';
import { evaluate, explain } from './policy/policy.ts';
import type { CallHistory, RedactedRequest, TargetBase, VendorClient, VendorModule } from './ports.ts';
import { createPresenter, type Presenter } from './present.ts';
import type { Decision, Reply, ReplyError } from './reply.ts';
import { batchResult } from './requests/batch.ts';
import { approvalDigest, requestDigest } from './requests/digest.ts';
import type { LeaseRenewal, RunHooks } from './requests/execution.ts';
import type { RequestError, RequestRecord } from './requests/model.ts';
import { exitCode, type Outcome, outcomeOf } from './requests/outcome.ts';
import type { RequestStore } from './requests/store.ts';
import { createWorkflow, type Workflow } from './requests/workflow.ts';
import {
  auditText,
  type CommandStyle,
  pendingText,
  progressText,
  requestStateText,
  requestText,
} from './text.ts';

export interface PipelineOptions {
  /** The composition's vendor modules and the grammar their commands make. */
  modules: { readonly vendors: readonly VendorModule[]; readonly grammar: Grammar };
  /** The client of a configured target (the composition root makes it with the shared HTTP layer). */
  client(target: TargetBase): VendorClient;
  /** Opens the store on first use. */
  store(): RequestStore;
  clock: Clock;
  /** Told of every request this process expires (the sweep's or one found overdue on access). */
  onExpired?: (record: RequestRecord) => void;
  /** Told when a vendor call finished but its result could not be stored (reported as outcome unknown). */
  onResultNotStored?: (request: RequestRecord, error: unknown) => void;
  /** Told when such a result was stored later, in the background. */
  onLateResult?: (record: RequestRecord) => void;
  /** Told of every renewal of a lease on an executing request (the lease renewals of /metrics). */
  onLeaseRenewal?: (outcome: LeaseRenewal) => void;
  /** How texts write the commands to type next (default: as typed in chat). */
  commandStyle?: CommandStyle;
  /** Called by close() after the store is closed (the composition closes its HTTP layer). */
  onClose?: () => Promise<void>;
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
  /**
   * Told of every progress change while the command runs in this call (a batch item finished,
   * a long vendor call's interim result): the command line prints each on stderr.
   */
  onProgress?: (note: ProgressNote) => void;
}

/** A progress change of a request running in this process, in words. */
export interface ProgressNote {
  requestId: string;
  /** One line: `3/50 done: 2 succeeded, 1 failed`, or a long call's interim result. */
  text: string;
  /** The request as the run sees it now. */
  record: RequestRecord;
}

/** What an approve hears while the request it completes runs. */
export interface RunOptions {
  onProgress?: (note: ProgressNote) => void;
}

/** The pipeline every platform uses: parse → policy → store → vendor adapter → store → reply. */
export interface App {
  readonly config: Config;
  /** The modules' words for targets, results and commands (cards and text use it). */
  readonly present: Presenter;
  readonly clock: Clock;
  /** Handles one line of the chat grammar from a person the platform identified. */
  handle(text: string, actor: Actor, options?: HandleOptions): Promise<Reply>;
  approve(id: string, actor: Actor, options?: RunOptions): Promise<Reply>;
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

/** Commands that reveal nothing about the organization: anyone the platform identified may run them. */
export const OPEN_TO_ALL: ReadonlySet<string> = new Set(['help', 'whoami']);

/** Commands domainops answers itself that touch neither the store nor a vendor: fine in a dry run. */
const DRY_RUN_META: ReadonlySet<string> = new Set(['help', 'targets', 'whoami']);

function errorReply(error: DomainopsError, exit: ExitCode, action?: string): Reply {
  const hint = error.hint ? `\n${error.hint}` : '';
  return {
    kind: 'error',
    status: 'failed',
    ...(action === undefined ? {} : { action }),
    error: error.toJSON(),
    text: `${error.message}${hint}`,
    exitCode: exit,
  };
}

/** Creates the pipeline for a loaded config. Opens nothing until it is first used. */
export function createPipeline(config: Config, options: PipelineOptions): App {
  const { grammar } = options.modules;
  const { clock } = options;
  const present = createPresenter(grammar, options.modules.vendors, config.targets, {
    batchMax: config.batch.max,
  });
  const parseOptions = { batchMax: config.batch.max };
  const clients = new Map<string, VendorClient>();
  const client = (name: string): VendorClient => {
    let c = clients.get(name);
    if (!c) {
      const target = Object.hasOwn(config.targets, name) ? config.targets[name] : undefined;
      if (!target) throw new DomainopsError('unknown_target', `no target named ${name}`);
      c = options.client(target);
      clients.set(name, c);
    }
    return c;
  };

  let store: RequestStore | undefined;
  let flow: Workflow | undefined;
  /** What earlier requests of a target found, for a vendor call that asks (`ExecuteOptions.history`). */
  const history = (target: string): CallHistory => ({
    async lastResult(action, subject) {
      const record = await store?.lastResult({ target, action, subject });
      if (record === undefined) return undefined;
      // A batch keeps each item's result with the item.
      if (record.items !== undefined) {
        return record.items.find((item) => item.subject === subject && item.status === 'succeeded')?.result;
      }
      return record.result;
    },
  });
  const workflow = (): Workflow => {
    if (!flow) {
      store ??= options.store();
      flow = createWorkflow({
        policy: config.policy,
        store,
        execute: (target, call, execution) =>
          client(target).execute(call, { ...execution, history: history(target) }),
        now: clock.now,
        rebuild: (record) => {
          if (record.items !== undefined) {
            const all = record.items.map((item) => client(record.target).describe(item.call));
            return { redacted: all[0]!, digest: approvalDigest(all), all };
          }
          const redacted = client(record.target).describe(record.call);
          return { redacted, digest: requestDigest(redacted) };
        },
        batch: { concurrency: config.batch.concurrency },
        ...(options.onExpired ? { onExpired: options.onExpired } : {}),
        ...(options.onResultNotStored ? { onResultNotStored: options.onResultNotStored } : {}),
        ...(options.onLateResult ? { onLateResult: options.onLateResult } : {}),
        // Leases on executing requests: as long as the store setting says, renewed on the clock.
        lease: config.store.lease,
        wait: (ms, signal) => clock.sleep(ms, signal),
        ...(options.onLeaseRenewal ? { onLeaseRenewal: options.onLeaseRenewal } : {}),
      });
    }
    return flow;
  };

  /** A workflow outcome as a reply. */
  const fromOutcome = (outcome: Outcome, action: string, decision?: Decision, refusalPrefix = ''): Reply => {
    const stored = outcome.request;
    // Someone the policy names nowhere is told the short reason only: the policy's own words name
    // its rules and groups (the stored request and the audit keep them).
    const outsider =
      stored?.status === 'rejected' &&
      stored.error?.code === 'policy_rejected' &&
      !knownToPolicy(config.policy, stored.requester);
    const generic = outsider
      ? {
          code: stored.error!.code,
          message: `${describeActor(stored.requester)} may not run ${stored.action}`,
        }
      : undefined;
    const request = generic && stored ? { ...stored, error: { ...stored.error!, ...generic } } : stored;
    const error: ReplyError | undefined = outcome.error
      ? { ...outcome.error, ...(generic ?? {}), ...vendorDetails(request?.error) }
      : undefined;
    const base = {
      status: outcome.status ?? 'failed',
      action: request?.action ?? action,
      ...(request ? { requestId: request.id, target: request.target } : {}),
      ...(request?.reason === undefined ? {} : { reason: request.reason }),
      ...(request?.request !== undefined && request.approval !== undefined
        ? { request: request.request }
        : {}),
      ...(request?.requests !== undefined && request.approval !== undefined
        ? { requests: request.requests }
        : {}),
      ...(request?.result ? { result: request.result } : {}),
      ...(request !== undefined && request.items !== undefined && ran(request)
        ? { result: batchResult(request) }
        : {}),
      ...(error ? { error } : {}),
      exitCode: exitCode(outcome),
    } as const;
    const lines: string[] = [];
    let policy: string | undefined;
    if (outcome.refusal || !request) {
      lines.push(`${refusalPrefix}${outcome.error?.message ?? 'not done'}`);
      if (outcome.error?.hint) lines.push(outcome.error.hint);
    } else {
      lines.push(requestStateText(request, present, clock.now(), options.commandStyle));
      if (outcome.error && request.status !== 'rejected') {
        lines.push(`${outcome.error.code}: ${outcome.error.message}`);
        if (outcome.error.hint) lines.push(outcome.error.hint);
      }
    }
    if (outcome.explanation && (outcome.status === 'rejected' || outcome.refusal)) {
      policy = outcome.explanation.text;
    } else if (request?.status === 'rejected' && request.explanation) {
      policy = request.explanation;
    }
    // The rule-by-rule trace names groups and rules: only for people the policy knows.
    if (policy !== undefined && request && !knownToPolicy(config.policy, request.requester))
      policy = undefined;
    if (policy !== undefined) lines.push(policy);
    const common = { ...base, ...(policy === undefined ? {} : { policy }), text: lines.join('\n') };
    if (outcome.refusal && decision !== undefined) {
      return {
        ...common,
        kind: 'refusal',
        decision,
        refusal: outcome.refusal,
        error: error ?? { code: 'not_done', message: 'not done' },
        ...(request ? { record: request } : {}),
      };
    }
    if (!request) {
      return { ...common, kind: 'error', error: error ?? { code: 'not_done', message: 'not done' } };
    }
    return {
      ...common,
      kind: 'request',
      record: request,
      ...(decision === undefined ? {} : { decision }),
      ...(outcome.redelivered ? { redelivered: true as const } : {}),
    };
  };

  /** The run hooks that turn progress into notes for `onProgress`. */
  const hooksFor = (onProgress: ((note: ProgressNote) => void) | undefined): RunHooks =>
    onProgress === undefined
      ? {}
      : {
          onProgress: (update) =>
            onProgress({
              requestId: update.record.id,
              text: progressText(update.record, present, update.interim),
              record: update.record,
            }),
        };

  const runVendor = async (command: VendorCommand, actor: Actor, options: HandleOptions): Promise<Reply> => {
    const resolved = grammar.resolveTarget(command, config.targets);
    if (!resolved.ok) return errorReply(resolved.error, ExitCode.usage, command.action);
    const target = resolved.target.name;
    const { call, subject, items } = command;
    // The exact requests an approval binds to (one per item of a batch), built as they are sent.
    const requests: RedactedRequest[] =
      items === undefined
        ? [client(target).describe(call)]
        : items.map((item) => client(target).describe(item.call));
    const batch = items === undefined ? {} : { requests };
    if (options.dryRun) {
      const decision = evaluateBatch(config.policy, {
        action: call.action,
        target,
        subjects: items === undefined ? [subject] : items.map((item) => item.subject),
        actor,
        ...(command.reason === undefined ? {} : { reason: command.reason }),
      });
      const request = requests[0]!;
      const rejected = decision.decision === 'reject';
      const shown =
        items === undefined
          ? [requestText(request)]
          : requests.map((r, i) => `${i + 1} of ${requests.length}: ${items[i]!.subject}\n${requestText(r)}`);
      return {
        kind: 'dry-run',
        status: rejected ? 'rejected' : 'dry-run',
        action: call.action,
        target,
        ...(command.reason === undefined ? {} : { reason: command.reason }),
        request,
        ...batch,
        policy: decision.explanation.text,
        // The decision first: a rejected dry run must not read as if it would be sent.
        text: [
          decision.explanation.text,
          '',
          `Dry run: nothing was sent. ${present.label(target)} would receive${rejected ? ', if the policy allowed it' : ''}:`,
          '',
          shown.join('\n\n'),
        ].join('\n'),
        exitCode: rejected ? ExitCode.rejected : ExitCode.ok,
      };
    }
    // The exact request an approval binds to: shown on the approval card, its digest stored.
    const outcome = await workflow().submit(
      {
        target,
        call,
        subject,
        actor,
        ...(command.reason === undefined ? {} : { reason: command.reason }),
        request: {
          redacted: requests[0]!,
          digest: approvalDigest(requests),
          ...(items === undefined ? {} : { all: requests }),
        },
        ...(items === undefined ? {} : { items, flags: command.flags }),
        ...(options.deliveryKey === undefined ? {} : { deliveryKey: options.deliveryKey }),
        ...(options.origin === undefined ? {} : { origin: options.origin }),
      },
      hooksFor(options.onProgress),
    );
    return fromOutcome(outcome, call.action);
  };

  /**
   * An approve, deny or cancel as a reply. A store that cannot be written (`store_busy`,
   * `store_full`, …) is an answer with that code and its hint, not an internal error; the
   * request is unchanged.
   */
  const decide = async (
    decision: Decision,
    work: () => Promise<Outcome>,
    refusalPrefix: string,
  ): Promise<Reply> => {
    try {
      return fromOutcome(await work(), decision, decision, refusalPrefix);
    } catch (error) {
      if (!(error instanceof DomainopsError)) throw error;
      return errorReply(error, ExitCode.failure, decision);
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
    const decision = OPEN_TO_ALL.has(command.action)
      ? ({ decision: 'allow' } as const)
      : evaluate(config.policy, { action: command.action, actor });
    if (decision.decision === 'reject') {
      const known = knownToPolicy(config.policy, actor);
      const reason = known ? decision.reason : `${describeActor(actor)} may not run ${command.action}`;
      return {
        kind: 'rejected',
        status: 'rejected',
        action: command.action,
        error: { code: decision.code, message: reason },
        ...(known ? { policy: decision.explanation.text } : {}),
        text: known ? `Not allowed: ${reason}\n${decision.explanation.text}` : `Not allowed: ${reason}`,
        exitCode: ExitCode.rejected,
      };
    }
    if (decision.decision === 'approval') {
      // Answering at once would skip the approval the rule asks for, and a command answered by
      // domainops itself cannot wait for one: refused (check-config points such rules out).
      const reason = `rule "${decision.rule.name}" asks for approval, but ${command.action} is answered at once and cannot wait for one`;
      return {
        kind: 'rejected',
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
    const ok = (text: string, result: unknown, answer: import('./reply.ts').MetaAnswer): Reply => ({
      kind: 'meta',
      status: 'succeeded',
      action: command.action,
      result,
      answer,
      text,
      exitCode: ExitCode.ok,
    });
    switch (command.action) {
      case 'help': {
        const text = grammar.help(command.topic, parseOptions);
        const known = command.topic === undefined ? undefined : grammar.find(command.topic);
        return ok(
          text,
          { text },
          {
            topic: 'help',
            ...(known
              ? { command: known.action }
              : command.topic === undefined
                ? {}
                : { unknown: command.topic }),
          },
        );
      }
      case 'targets': {
        const targets = Object.values(config.targets).map((t) => ({
          name: t.name,
          vendor: t.vendor,
          label: present.label(t.name),
        }));
        const text =
          targets.length === 0 ? 'No targets are configured.' : targets.map((t) => `${t.label}`).join('\n');
        return ok(text, { targets }, { topic: 'targets' });
      }
      case 'whoami': {
        const groups = Object.entries(config.policy.groups)
          .map(([g]) => g)
          .filter((g) => principalMatches(config.policy.groups, g, actor));
        return ok(
          `You are ${describeActor(actor)}; groups: ${groups.length ? groups.join(', ') : '(none)'}.`,
          { actor, groups },
          { topic: 'whoami', actor, groups },
        );
      }
      case 'pending': {
        // The oldest page and how many wait in all: the others are counted, not read.
        const { requests, total } = await workflow().pendingPage();
        return ok(
          pendingText(requests, total, options.commandStyle),
          { requests, total },
          { topic: 'pending', requests, total },
        );
      }
      case 'audit': {
        const events = await workflow().audit(command.limit ?? 20);
        return ok(auditText(events), { events }, { topic: 'audit', events });
      }
    }
  };

  const app: App = {
    config,
    present,
    clock,
    async handle(text, actor, options = {}) {
      const parsed = grammar.parse(text, parseOptions);
      if (!parsed.ok) return errorReply(parsed.error, ExitCode.usage);
      const command: Command = parsed.command;
      if (options.dryRun && !isVendorCommand(command) && !DRY_RUN_META.has(command.action)) {
        // A dry run stores nothing and sends nothing: approve, deny and cancel would decide (and
        // may run) a request, and pending and audit read the store (expiring overdue requests).
        const error = new DomainopsError(
          'dry_run_unsupported',
          `--dry-run previews the vendor request of ${grammar.vendorActions.join(', ')}; ${command.action} has none`,
          { hint: `run \`${command.action}\` without --dry-run` },
        );
        return errorReply(error, ExitCode.usage, command.action);
      }
      try {
        return isVendorCommand(command)
          ? await runVendor(command, actor, options)
          : await runMeta(command, actor);
      } catch (error) {
        if (error instanceof VendorFailure) return errorReply(error, ExitCode.vendor, command.action);
        if (error instanceof DomainopsError) return errorReply(error, ExitCode.failure, command.action);
        throw error;
      }
    },
    approve(id, actor, options = {}) {
      return decide(
        'approve',
        () => workflow().approve(id, actor, hooksFor(options.onProgress)),
        'Not approved: ',
      );
    },
    deny(id, actor, reason) {
      return decide('deny', () => workflow().deny(id, actor, reason), 'Not denied: ');
    },
    cancel(id, actor) {
      return decide('cancel', () => workflow().cancel(id, actor), 'Not cancelled: ');
    },
    explain(text, actor) {
      const parsed = grammar.parse(text, parseOptions);
      if (!parsed.ok) return errorReply(parsed.error, ExitCode.usage);
      const command = parsed.command;
      if (command.action === 'approve' || command.action === 'deny' || command.action === 'cancel') {
        // Not decided by the rules' requesters: say who may, not "no rule allows".
        const id = 'id' in command ? command.id : '';
        const text =
          command.action === 'cancel'
            ? `cancel is not decided by the policy rules: the requester of ${id} may cancel it while it is pending, and so may its eligible approvers.`
            : `${command.action} is not decided by the policy rules: the approvers named by the rule that matches request ${id} may ${command.action} it while it is pending (its requester never can); the policy is checked again when an approval arrives.`;
        return {
          kind: 'meta',
          // Nothing was decided or stored: an explanation is a dry run of the policy.
          status: 'dry-run',
          action: command.action,
          result: { decision: 'approvers', text },
          answer: { topic: 'explain' },
          policy: text,
          text,
          exitCode: ExitCode.ok,
        };
      }
      let target: string | undefined;
      let subject: string | undefined;
      let subjects: string[] | undefined;
      let reason: string | undefined;
      if (isVendorCommand(command)) {
        const resolved = grammar.resolveTarget(command, config.targets);
        if (!resolved.ok) return errorReply(resolved.error, ExitCode.usage, command.action);
        target = resolved.target.name;
        subject = command.subject;
        subjects = command.items?.map((item) => item.subject);
        reason = command.reason;
      }
      // The question exec asks, `because …` included: a rule that needs a reason refuses the
      // command without one, here as there.
      const question = {
        action: command.action,
        actor,
        ...(target === undefined ? {} : { target }),
        ...(reason === undefined ? {} : { reason }),
      };
      // A batch is decided as a whole: every item by the same rule.
      const e =
        subjects === undefined
          ? explain(config.policy, { ...question, ...(subject === undefined ? {} : { subject }) })
          : evaluateBatch(config.policy, { ...question, subjects }).explanation;
      return {
        kind: 'meta',
        // Nothing is stored or sent: `dry-run`, like `exec --dry-run`; `rejected` (exit 3) when
        // exec would refuse the command. `result.decision` says what exec would get.
        status: e.decision === 'reject' ? 'rejected' : 'dry-run',
        action: command.action,
        ...(target === undefined ? {} : { target }),
        result: e,
        answer: { topic: 'explain' },
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
      await store?.close();
      await options.onClose?.();
    },
  };
  return app;
}

/** Whether a request has run or is running: a batch's items then have outcomes to show. */
function ran(record: RequestRecord): boolean {
  return ['approved', 'executing', 'succeeded', 'failed', 'unknown'].includes(record.status);
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
