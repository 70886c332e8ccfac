/**
 * A DNS check as card sections: the record, a summary by status, one line per nameserver
 * address (renderers show as many as fit, then "and N more"; the JSON document has them all),
 * and how to check again (what to do about a record not served is the error's hint). Values are cut in the lines: a TXT value can be long, and the card has
 * to stay within Block Kit's and Adaptive Cards' limits at 8 nameservers with two addresses each.
 */
import type { ResultView, Section } from '../../src/core/ports.ts';
import type { DnsCheck, DnsCheckResult, DnsServerCheck, DnsServerStatus } from './result.ts';
import { humanSpan, statusCounts } from './result.ts';

/** Characters of a served value a line shows at most. */
const VALUE_MAX = 60;

const STATUS_WORDS: Record<DnsServerStatus, string> = {
  served: 'served',
  missing: 'missing',
  'other-value': 'other value',
  error: 'error',
};

function cut(value: string): string {
  return value.length > VALUE_MAX ? `${value.slice(0, VALUE_MAX - 1)}…` : value;
}

/** `ns1.corp.ru 192.0.2.53: other value "4f1c…"`. */
function serverLine(s: DnsServerCheck): string {
  const where = s.address === '' ? s.nameserver : `${s.nameserver} ${s.address}`;
  const via = s.cname === undefined ? '' : ` (CNAME ${s.cname})`;
  let what: string = STATUS_WORDS[s.status];
  if (s.status === 'other-value' && s.values.length > 0) {
    const shown = s.values.slice(0, 2).map((v) => `"${cut(v)}"`);
    what += ` ${shown.join(', ')}${s.values.length > 2 ? ` and ${s.values.length - 2} more` : ''}`;
  }
  if (s.error !== undefined) what += `: ${s.error}`;
  return `${where}${via}: ${what}`;
}

/** The counts of each status, the ones that occur. */
function summary(check: DnsCheck): Section {
  const counts = statusCounts(check.servers);
  const n = check.servers.length;
  const facts = [
    ...(check.zone === undefined ? [] : [{ label: 'Zone', value: check.zone }]),
    { label: 'Served', value: `${counts.served} of ${n} ${n === 1 ? 'address' : 'addresses'}` },
  ];
  for (const status of ['missing', 'other-value', 'error'] as const) {
    if (counts[status] > 0) {
      facts.push({
        label: `${STATUS_WORDS[status][0]!.toUpperCase()}${STATUS_WORDS[status].slice(1)}`,
        value: String(counts[status]),
      });
    }
  }
  return { kind: 'facts', facts };
}

/** The record the vendor expects, each part copyable. */
function recordSections(check: DnsCheck): Section[] {
  const { record } = check;
  const sections: Section[] = [
    { kind: 'code', label: 'Record name', value: record.name },
    { kind: 'code', label: 'Record type', value: record.type },
  ];
  if (record.value != null) sections.push({ kind: 'code', label: 'Record value', value: record.value });
  return sections;
}

export interface DnsViewWords {
  /** The command to run the check again (`dns-check corp.ru in yc-sso`). */
  again: string;
}

/** A DNS check for the person in chat; `waiting` results show where the `--wait` is. */
export function dnsCheckView(result: DnsCheckResult, words: DnsViewWords): ResultView {
  const { record } = result;
  const sections: Section[] = [];
  const n = result.servers.length;
  const served = statusCounts(result.servers).served;
  let title: string;
  if (result.waiting !== undefined) {
    const w = result.waiting;
    title = `Waiting for DNS: ${served} of ${n} nameserver addresses serve ${record.name}`;
    sections.push({
      kind: 'text',
      text: `Checked ${w.round} ${w.round === 1 ? 'time' : 'times'}; domainops checks again until every address serves the record (up to ${humanSpan(w.until - w.since)}), then runs ${w.next}.`,
    });
  } else if (result.ready) {
    title = `${record.name} is served by every nameserver of ${result.zone ?? 'its zone'}`;
    sections.push({
      kind: 'text',
      text: `Every authoritative nameserver address (${n}) serves the ${record.type} record.`,
    });
  } else if (record.value == null) {
    title = `No record to check for ${result.domain}`;
  } else if (result.problem !== undefined) {
    title = `Could not check ${record.name}`;
  } else {
    title = `${record.name} is not served everywhere yet: ${served} of ${n} addresses`;
  }
  if (result.problem !== undefined) sections.push({ kind: 'text', text: `DNS: ${result.problem}.` });
  sections.push(...recordSections(result));
  if (record.value == null && record.prefix !== undefined) {
    sections.push({
      kind: 'context',
      text: `The ${record.prefix}… records each nameserver serves at ${record.name} are listed below.`,
    });
  }
  if (n > 0) {
    sections.push(summary(result));
    sections.push({ kind: 'list', title: 'Nameservers', items: result.servers.map(serverLine) });
  }
  sections.push({
    kind: 'context',
    text: `Each address was asked directly, recursion off. Check again: ${words.again}`,
  });
  return {
    title,
    tone: result.ready ? 'success' : result.waiting !== undefined ? 'info' : 'warning',
    sections,
  };
}
