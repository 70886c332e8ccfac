import { batchUsage } from '../grammar/table.ts';
import { type Actor, describeActor } from '../policy/actor.ts';
import type { RequestRecord } from '../requests/model.ts';
import type { AuditEvent } from '../requests/store.ts';
import { auditWords } from '../text.ts';
import { type CardContext, cardTime, cardTimeFrom, labelOf } from './common.ts';
import type { Card, Fact, Section } from './model.ts';

/**
 * The `pending` command: each open request listed on one line, oldest first (renderers cut long
 * lists). `total`: how many wait in all, when `records` are the oldest of them: the title counts
 * every one, and those beyond the list are counted under it.
 */
export function cardForPending(
  records: readonly RequestRecord[],
  context: CardContext,
  total = records.length,
): Card {
  if (records.length === 0 && total <= 0) {
    return { kind: 'pending', title: 'Nothing is waiting for approval', tone: 'info', sections: [] };
  }
  const items = records.map((r) => {
    const got = r.approvals.length;
    const need = r.approval?.count ?? 0;
    const expires = r.approval ? `, expires ${cardTimeFrom(r.approval.expiresAt, context.now)}` : '';
    return `${r.id}: ${r.action} ${context.present.subjects(r)} in ${r.target}, by ${describeActor(r.requester)}, ${got} of ${need} approvals${expires}`;
  });
  const more = Math.max(0, total - records.length);
  const sections: Section[] = [
    {
      kind: 'list',
      title: more === 0 ? 'Oldest first' : `Oldest first: the first ${records.length} of ${total}`,
      items,
      ...(more > 0 ? { more } : {}),
    },
  ];
  sections.push({ kind: 'context', text: 'Decide with: approve <id>, or deny <id> [reason]' });
  const count = records.length + more;
  return {
    kind: 'pending',
    title: `${count} ${count === 1 ? 'request' : 'requests'} waiting for approval`,
    tone: 'info',
    sections,
  };
}

/** The `audit` command: newest first, so a cut list keeps the latest events. */
export function cardForAudit(events: readonly AuditEvent[]): Card {
  if (events.length === 0) {
    return { kind: 'audit', title: 'The audit trail is empty', tone: 'info', sections: [] };
  }
  const items = [...events].reverse().map((e) => {
    const who = e.actor.email ?? `${e.actor.platform}:${e.actor.id}`;
    return `${cardTime(e.at)} ${e.requestId} ${auditWords(e)}, by ${who} (${e.actor.platform})`;
  });
  return {
    kind: 'audit',
    title: `Audit trail: ${events.length} ${events.length === 1 ? 'event' : 'events'}`,
    tone: 'info',
    sections: [{ kind: 'list', title: 'Newest first', items }],
  };
}

/** `help` without a topic lists every command; with one, explains it (from the command table). */
export function cardForHelp(context: CardContext, topic?: string): Card {
  const { grammar } = context.present;
  const spec = topic === undefined ? undefined : grammar.find(topic.trim());
  if (spec === undefined) {
    const sections: Section[] = [];
    if (topic !== undefined && topic.trim() !== '') {
      sections.push({
        kind: 'text',
        text: `There is no command "${[...topic.trim()].slice(0, 40).join('')}".`,
      });
    }
    sections.push({
      kind: 'list',
      title: 'Commands',
      items: grammar.commands.map((c) => `${c.usage}: ${c.summary}`),
    });
    sections.push({
      kind: 'context',
      text: 'in <target> may be left out when exactly one configured target can run the command. Type help <command> for details.',
    });
    return { kind: 'help', title: 'domainops commands', tone: 'info', sections };
  }
  const facts: Fact[] = [];
  if (spec.vendor !== null) {
    facts.push({ label: 'Runs on', value: `${spec.vendor} targets` });
    facts.push({
      label: 'Destructive',
      value: spec.destructive ? 'yes: usually needs another admin to approve' : 'no',
    });
  }
  if (spec.aliases.length > 0) facts.push({ label: 'Aliases', value: spec.aliases.join(', ') });
  const several = batchUsage(spec);
  const sections: Section[] = [
    { kind: 'code', label: 'Usage', value: spec.usage },
    ...(several === undefined
      ? []
      : [
          {
            kind: 'code' as const,
            label: `Or several at once (up to ${context.present.batchMax}, one approval for all)`,
            value: several,
          },
        ]),
    { kind: 'text', text: spec.description },
  ];
  if (spec.flags.length > 0) {
    sections.push({
      kind: 'list',
      title: 'Options',
      items: spec.flags.map((f) => `${f.name}: ${f.summary}`),
    });
  }
  if (facts.length > 0) sections.push({ kind: 'facts', facts });
  sections.push({ kind: 'code', label: 'Example', value: spec.example });
  return { kind: 'help', title: `help ${spec.action}: ${spec.summary}`, tone: 'info', sections };
}

/** The `targets` command: each configured target with its vendor id and the commands it runs. */
export function cardForTargets(context: CardContext): Card {
  const { targets, grammar } = context.present;
  const names = Object.keys(targets);
  if (names.length === 0) {
    return { kind: 'targets', title: 'No targets are configured', tone: 'warning', sections: [] };
  }
  const facts = names.map((name) => {
    const vendor = targets[name]!.vendor;
    const actions = grammar.vendorActions.filter((a) =>
      (grammar.byAction(a)?.vendors ?? [grammar.vendorOf(a)]).includes(vendor),
    );
    return { label: labelOf(name, context), value: actions.join(', ') };
  });
  return {
    kind: 'targets',
    title: `${names.length} ${names.length === 1 ? 'target' : 'targets'}`,
    tone: 'info',
    sections: [{ kind: 'facts', facts }],
  };
}

/** The `whoami` command: the identity the platform gave and the policy groups it is in. */
export function cardForWhoami(actor: Actor, groups: readonly string[]): Card {
  const facts: Fact[] = [
    { label: 'You are', value: describeActor(actor) },
    { label: 'Platform', value: actor.platform },
  ];
  if (actor.name !== undefined) facts.push({ label: 'Name', value: actor.name });
  facts.push({ label: 'Groups', value: groups.length > 0 ? groups.join(', ') : '(none)' });
  return {
    kind: 'whoami',
    title: 'Who you are to domainops',
    tone: 'info',
    sections: [
      { kind: 'facts', facts },
      { kind: 'context', text: 'Your identity comes from the platform, never from message text.' },
    ],
  };
}
