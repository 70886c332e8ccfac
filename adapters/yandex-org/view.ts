import { cardTime } from '../../src/core/cards/common.ts';
import type { Span } from '../../src/core/cards/model.ts';
import type { ResultView, Section, Tone } from '../../src/core/ports.ts';
import { dnsCheckView } from '../dns/view.ts';
import type { YandexDomain } from '../types.ts';
import type { YandexResult } from './commands.ts';

/** At most this many challenges are shown; Yandex returns one or two. */
const MAX_CHALLENGES = 5;

const STATUS_TONE: Record<string, Tone> = {
  VALID: 'success',
  VALIDATING: 'info',
  NEED_TO_VALIDATE: 'warning',
  INVALID: 'danger',
  DELETING: 'warning',
};

/** The Domain statuses in words (Organization Manager API, `Domain.Status`). */
const STATUS_WORDS: Record<string, string> = {
  VALID: 'is valid',
  VALIDATING: 'is being validated',
  NEED_TO_VALIDATE: 'needs validation',
  INVALID: 'is invalid',
  DELETING: 'is being deleted',
};

/** `Domain.Status` in the order of the vendor's enum. */
const STATUS_ORDER = ['NEED_TO_VALIDATE', 'VALIDATING', 'VALID', 'INVALID', 'DELETING'];

/** A vendor timestamp as cards show times; the vendor's text when it is not a date. */
function when(value: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : cardTime(ms);
}

/** The status in words, then the vendor's own value in monospace (what its console and API show). */
function statusSection(status: string): Section {
  const words = STATUS_WORDS[status] ?? 'is in an unknown state';
  return {
    kind: 'text',
    text: [
      { text: 'Status: ' },
      { text: words.replace(/^is /, ''), style: 'bold' },
      { text: ' (' },
      { text: status, style: 'code' },
      { text: ')' },
    ],
  };
}

/** Status code and times, when Yandex gave them. */
function domainFacts(domain: YandexDomain): Section[] {
  const facts = [];
  if (domain.statusCode !== undefined) facts.push({ label: 'Status code', value: domain.statusCode });
  if (domain.validatedAt !== undefined)
    facts.push({ label: 'Validated at', value: when(domain.validatedAt) });
  if (domain.createdAt !== undefined) facts.push({ label: 'Created at', value: when(domain.createdAt) });
  if (domain.deletionProtection === true) facts.push({ label: 'Deletion protection', value: 'on' });
  return facts.length > 0 ? [{ kind: 'facts', facts }] : [];
}

/**
 * The DNS records to publish, each name and value copyable, after `lead` (what to do with them);
 * nothing for a valid domain.
 */
function challengeSections(domain: YandexDomain, status: string, lead: Span[]): Section[] {
  const challenges = domain.challenges.filter((c) => c.dnsChallenge !== undefined);
  const sections: Section[] = [];
  if (status !== 'VALID' && challenges.length > 0) sections.push({ kind: 'text', text: lead });
  challenges.slice(0, MAX_CHALLENGES).forEach((c, i) => {
    const record = c.dnsChallenge!;
    const n = challenges.length > 1 ? ` ${i + 1}` : '';
    sections.push({
      kind: 'facts',
      facts: [
        { label: `Challenge${n}`, value: `${c.type ?? 'DNS_TXT'}, ${c.status ?? 'status unknown'}` },
        { label: 'Record type', value: record.type ?? 'TXT' },
      ],
    });
    sections.push({ kind: 'code', label: 'Record name', value: record.name ?? '' });
    sections.push({ kind: 'code', label: 'Record value', value: record.value ?? '' });
  });
  if (challenges.length > MAX_CHALLENGES) {
    sections.push({ kind: 'context', text: `and ${challenges.length - MAX_CHALLENGES} more challenges` });
  }
  return sections;
}

function domainView(domain: YandexDomain, target: string): ResultView {
  const status = domain.status ?? 'UNKNOWN';
  const words = STATUS_WORDS[status] ?? 'is in an unknown state';
  const sections: Section[] = [
    statusSection(status),
    ...domainFacts(domain),
    ...challengeSections(domain, status, [
      { text: 'Publish this DNS record, then run ' },
      { text: `validate ${domain.domain} in ${target}`, style: 'code' },
      { text: ' again.' },
    ]),
  ];
  return { title: `${domain.domain} ${words}`, tone: STATUS_TONE[status] ?? 'info', sections };
}

/** A domain just added: the record that proves ownership, and the command to run once it is published. */
function addedView(domain: YandexDomain, operationId: string, target: string): ResultView {
  const status = domain.status ?? 'UNKNOWN';
  const sections: Section[] = [statusSection(status), ...domainFacts(domain)];
  const records = challengeSections(domain, status, [
    { text: 'To prove you own it, publish this DNS record at your DNS provider, then run ' },
    { text: `validate ${domain.domain} in ${target}`, style: 'code' },
    { text: '.' },
  ]);
  if (records.length > 0) sections.push(...records);
  else if (status !== 'VALID') {
    sections.push({
      kind: 'text',
      text: [
        { text: 'Yandex gave no DNS record yet: run ' },
        { text: `domain ${domain.domain} in ${target}`, style: 'code' },
        { text: ' in a moment to see it.' },
      ],
    });
  }
  sections.push({ kind: 'context', text: `Operation ${operationId}` });
  return {
    title: `Added ${domain.domain} to ${target}`,
    tone: status === 'VALID' ? 'success' : 'info',
    sections,
  };
}

/** One line per domain: the name, the status in words and the vendor's value. */
function listItem(domain: YandexDomain): string {
  const status = domain.status ?? 'UNKNOWN';
  const words = (STATUS_WORDS[status] ?? 'is in an unknown state').replace(/^is /, '');
  const protection = domain.deletionProtection === true ? ', protected from deletion' : '';
  return `${domain.domain}: ${words} (${status})${protection}`;
}

/** Every domain of the federation or userpool; renderers show as many as fit, then "and N more". */
function listView(domains: readonly YandexDomain[], pages: number, target: string): ResultView {
  const n = domains.length;
  const sections: Section[] = [];
  if (n > 0) {
    const counts = new Map<string, number>();
    for (const d of domains) counts.set(d.status ?? 'UNKNOWN', (counts.get(d.status ?? 'UNKNOWN') ?? 0) + 1);
    // In the order of the vendor's enum; values it may add later go last.
    const rank = (status: string): number => {
      const i = STATUS_ORDER.indexOf(status);
      return i === -1 ? STATUS_ORDER.length : i;
    };
    const statuses = [...counts.keys()].sort((a, b) => rank(a) - rank(b));
    sections.push({
      kind: 'facts',
      facts: statuses.map((status) => {
        const words = (STATUS_WORDS[status] ?? 'in an unknown state').replace(/^is /, '');
        return {
          label: `${words[0]!.toUpperCase()}${words.slice(1)} (${status})`,
          value: String(counts.get(status)),
        };
      }),
    });
  }
  sections.push({
    kind: 'list',
    title: 'Domains',
    items: domains.map(listItem),
    empty: `None yet: add one with add-domain <domain> in ${target}.`,
  });
  if (n > 0) {
    sections.push({
      kind: 'text',
      text: [
        { text: "A domain's DNS record: " },
        { text: `domain <domain> in ${target}`, style: 'code' },
        { text: '.' },
      ],
    });
  }
  if (pages > 1) sections.push({ kind: 'context', text: `Yandex listed them in ${pages} pages.` });
  return {
    title: n === 0 ? `No domains in ${target}` : `${n} ${n === 1 ? 'domain' : 'domains'} in ${target}`,
    tone: 'info',
    sections,
  };
}

/** A domain deleted from the federation or userpool. */
function deletedView(domain: string, operationId: string, target: string): ResultView {
  return {
    title: `Deleted ${domain} from ${target}`,
    tone: 'success',
    sections: [
      {
        kind: 'text',
        text: [
          { text: `${domain} is no longer a domain of ${target}. To use it again, run ` },
          { text: `add-domain ${domain} in ${target}`, style: 'code' },
          { text: ' and validate it anew.' },
        ],
      },
      { kind: 'context', text: `Operation ${operationId}` },
    ],
  };
}

/** What a successful Yandex call found, for the person in chat. `target` is the target's name. */
export function yandexView(result: YandexResult, target: string): ResultView {
  switch (result.action) {
    case 'add-domain':
      return addedView(result.domain, result.operationId, target);
    case 'list-domains':
      return listView(result.domains, result.pages, target);
    case 'delete-domain':
      return deletedView(result.domain, result.operationId, target);
    case 'dns-check':
      return dnsCheckView(result, { again: `dns-check ${result.domain} in ${target}` });
    default:
      return domainView(result.domain, target);
  }
}
