import type { Fact, Section } from './cards/model.ts';
import { type Grammar, MAX_BATCH } from './grammar/index.ts';
import { displayDomain } from './grammar/normalize.ts';
import type { ResultView, TargetBase, VendorCall, VendorModule, VendorResult } from './ports.ts';

/**
 * What cards and text need to know of the modules: how a target is named, how a vendor result
 * reads, which commands exist. Built once per pipeline from the config and its composition.
 */
export interface Presenter {
  readonly grammar: Grammar;
  /** The configured targets by name. */
  readonly targets: Readonly<Record<string, TargetBase>>;
  /** The most subjects a batch command takes (the config's `batch.max`). */
  readonly batchMax: number;
  /** `prod (Example org 1eb6…)`; the bare name of a target that is not configured (any more). */
  label(target: string): string;
  /** A successful result as card sections (by its vendor module). */
  view(result: VendorResult, target: string): ResultView;
  /** The noun of a command's subject: `Domain` or `Email`. */
  subjectNoun(action: string): string;
  /** A subject as people read it: a domain's Unicode form beside its punycode. */
  subject(action: string, subject: string): string;
  /**
   * What a request works on, as titles say it: its subject, or for a batch how many and the
   * first few (`3 domains: a.com, b.com, c.com`; `50 domains: a.com, b.com, c.com and 47 more`).
   */
  subjects(request: { action: string; subject: string; items?: readonly { subject: string }[] }): string;
  /** Facts a request card adds for its call's options (the flags it was given). */
  callFacts(call: VendorCall): Fact[];
  /** What approving this call does, when its command warns about it. */
  callWarning(call: VendorCall): string | undefined;
  /**
   * What approving a request does, for every call it makes (a batch: each item's): one entry per
   * distinct warning, the same words about another subject counting as the same warning. Empty
   * when the command warns about none of them.
   */
  requestWarnings(request: WarnedRequest): RequestWarning[];
}

/** What `requestWarnings` reads of a request. */
export interface WarnedRequest {
  action: string;
  subject: string;
  call: VendorCall;
  items?: readonly { subject: string; call: VendorCall }[];
}

/**
 * One warning of a request: its words for the first subject it applies to, and every subject
 * (in item order) it applies to the same way (`subjects[0]` is the one the words name).
 */
export interface RequestWarning {
  text: string;
  subjects: string[];
}

/**
 * A request's warnings, each item's call warned about, grouped by their words with the item's
 * own subject left out: `replaces the roles of carol@…` and `… of bob@…` are one warning that
 * applies to both.
 */
export function groupWarnings(
  calls: readonly { subject: string; call: VendorCall }[],
  warn: (call: VendorCall) => string | undefined,
): RequestWarning[] {
  const groups = new Map<string, RequestWarning>();
  for (const { subject, call } of calls) {
    const text = warn(call);
    if (text === undefined) continue;
    const shape = subject === '' ? text : text.split(subject).join('\u0000');
    const group = groups.get(shape);
    if (group === undefined) groups.set(shape, { text, subjects: [subject] });
    else group.subjects.push(subject);
  }
  return [...groups.values()];
}

export function createPresenter(
  grammar: Grammar,
  vendors: readonly VendorModule[],
  targets: Readonly<Record<string, TargetBase>>,
  options: { batchMax?: number } = {},
): Presenter {
  const moduleOf = (vendor: string | undefined) => vendors.find((m) => m.vendor === vendor);
  const subject = (action: string, subject: string): string =>
    grammar.byAction(action)?.args[0]?.kind === 'domain' ? displayDomain(subject) : subject;
  return {
    grammar,
    targets,
    batchMax: options.batchMax ?? MAX_BATCH,
    label(name) {
      const target = Object.hasOwn(targets, name) ? targets[name] : undefined;
      const module = moduleOf(target?.vendor);
      return target && module ? module.label(target) : name;
    },
    view(result, target) {
      // The target's own module first: a command several modules run (dns-check) has a view in each.
      const own = Object.hasOwn(targets, target) ? moduleOf(targets[target]?.vendor) : undefined;
      const runs = own?.commands.some((c) => c.action === result.action) === true;
      const module = runs ? own : moduleOf(grammar.vendorOf(result.action));
      if (module) return module.view(result, target);
      return { title: `Done: ${result.action}`, tone: 'success', sections: [] };
    },
    subjectNoun(action) {
      return grammar.byAction(action)?.args[0]?.kind === 'email' ? 'Email' : 'Domain';
    },
    subject,
    subjects(request) {
      const items = request.items;
      if (items === undefined) return subject(request.action, request.subject);
      const noun = grammar.byAction(request.action)?.args[0]?.kind === 'email' ? 'emails' : 'domains';
      const first = items.slice(0, 3).map((item) => subject(request.action, item.subject));
      const more = items.length > 3 ? ` and ${items.length - 3} more` : '';
      return `${items.length} ${noun}: ${first.join(', ')}${more}`;
    },
    callWarning(call) {
      return grammar.byAction(call.action)?.callWarning?.(call);
    },
    requestWarnings(request) {
      const warn = grammar.byAction(request.action)?.callWarning;
      if (warn === undefined) return [];
      return groupWarnings(request.items ?? [{ subject: request.subject, call: request.call }], warn);
    },
    callFacts(call) {
      const spec = grammar.byAction(call.action);
      return spec?.callFacts?.(call) ?? [];
    },
  };
}

/** A view's sections as plain text: how the CLI prints a result. */
export function sectionsText(sections: readonly Section[]): string {
  const lines: string[] = [];
  for (const section of sections) {
    switch (section.kind) {
      case 'text':
        lines.push(
          typeof section.text === 'string' ? section.text : section.text.map((s) => s.text).join(''),
        );
        break;
      case 'context':
        lines.push(section.text);
        break;
      case 'facts':
        for (const fact of section.facts) lines.push(`${fact.label}: ${fact.value}`);
        break;
      case 'list':
        lines.push(
          `${section.title}: ${section.items.length === 0 ? (section.empty ?? '(none)') : section.items.join(', ')}${section.more ? ` and ${section.more} more` : ''}`,
        );
        break;
      case 'code':
        lines.push(section.label === undefined ? `  ${section.value}` : `${section.label}: ${section.value}`);
        break;
    }
  }
  return lines.join('\n');
}
