import { cardTime } from '../../src/core/cards/common.ts';
import type { ResultView, Section, Tone } from '../../src/core/ports.ts';
import type { VendorResult, YandexDomain } from '../types.ts';

type YandexResult = Extract<VendorResult, { action: 'validate' | 'domain' }>;

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

/** A vendor timestamp as cards show times; the vendor's text when it is not a date. */
function when(value: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : cardTime(ms);
}

function domainView(domain: YandexDomain, target: string): ResultView {
  const status = domain.status ?? 'UNKNOWN';
  const words = STATUS_WORDS[status] ?? 'is in an unknown state';
  const sections: Section[] = [];
  // The words for people, the vendor's own value in monospace (what its console and API show).
  sections.push({
    kind: 'text',
    text: [
      { text: 'Status: ' },
      { text: words.replace(/^is /, ''), style: 'bold' },
      { text: ' (' },
      { text: status, style: 'code' },
      { text: ')' },
    ],
  });
  const facts = [];
  if (domain.statusCode !== undefined) facts.push({ label: 'Status code', value: domain.statusCode });
  if (domain.validatedAt !== undefined)
    facts.push({ label: 'Validated at', value: when(domain.validatedAt) });
  if (domain.createdAt !== undefined) facts.push({ label: 'Created at', value: when(domain.createdAt) });
  if (facts.length > 0) sections.push({ kind: 'facts', facts });

  const challenges = domain.challenges.filter((c) => c.dnsChallenge !== undefined);
  if (status !== 'VALID' && challenges.length > 0) {
    sections.push({
      kind: 'text',
      text: [
        { text: 'Publish this DNS record, then run ' },
        { text: `validate ${domain.domain} in ${target}`, style: 'code' },
        { text: ' again.' },
      ],
    });
  }
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
  return { title: `${domain.domain} ${words}`, tone: STATUS_TONE[status] ?? 'info', sections };
}

/** What a successful Yandex call found, for the person in chat. `target` is the target's name. */
export function yandexView(result: YandexResult, target: string): ResultView {
  return domainView(result.domain, target);
}
