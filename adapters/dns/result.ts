/**
 * What a DNS check found: the `result` of `dns-check` in the JSON document
 * (`{ ready, record: { name, type, value, prefix? }, servers: [ { nameserver, address, status, values } ] }`),
 * and the table the precheck of validate/verify refuses with.
 */

/** What one nameserver address serves at the record name. */
export type DnsServerStatus = 'served' | 'missing' | 'other-value' | 'error';

/** The record the vendor expects. */
export type ExpectedRecord = {
  /** The owner name, without a trailing dot. */
  name: string;
  type: 'TXT';
  /**
   * The value to find; null when domainops does not know it (a Webex domain without a stored
   * token). Results stored by earlier versions may lack it: read it with `== null`.
   */
  value: string | null;
  /**
   * Only values that start with this count (Webex: `cisco-ci-domain-verification=`): other TXT
   * records at the same name (SPF, other vendors' tokens) are neither the record nor a stale copy.
   */
  prefix?: string;
};

/** One address of one authoritative nameserver, and what it serves. */
export type DnsServerCheck = {
  /** The nameserver's name, as the zone's NS set gives it (no trailing dot). */
  nameserver: string;
  /** One of its IPv4 or IPv6 addresses; empty when its name has none. */
  address: string;
  status: DnsServerStatus;
  /** The TXT values it serves at the name (each record's character-strings joined), the relevant ones. */
  values: string[];
  /** The name's CNAME at this server, when it answered with one (followed). */
  cname?: string;
  /** For `error`: what went wrong (`timed out after 3 s`, `SERVFAIL`, `not authoritative`). */
  error?: string;
};

/** One DNS check of one record. */
export type DnsCheck = {
  /** True only when every address of every authoritative nameserver serves the value. */
  ready: boolean;
  record: ExpectedRecord;
  /** The zone the record is in (found by walking the labels up with SOA queries). */
  zone?: string;
  servers: DnsServerCheck[];
  /** Why no nameserver could be asked, when none could (no zone found, resolvers not answering). */
  problem?: string;
};

/** Where a `--wait` is, on its progress card. */
export type DnsWaiting = {
  /** The check of this round (1 for the first). */
  round: number;
  /** When the wait started and when it gives up (epoch ms). */
  since: number;
  until: number;
  /** What is sent once the record is served (`validate`, `verify`). */
  next: string;
};

/** The `dns-check` result: a check of the domain's challenge record. */
export type DnsCheckResult = DnsCheck & {
  action: 'dns-check';
  /** The domain the command named. */
  domain: string;
  /** Set on the interim results of `--wait` (progress), never on a stored final result. */
  waiting?: DnsWaiting;
};

/** How many addresses have each status. */
export function statusCounts(servers: readonly DnsServerCheck[]): Record<DnsServerStatus, number> {
  const counts: Record<DnsServerStatus, number> = { served: 0, missing: 0, 'other-value': 0, error: 0 };
  for (const s of servers) counts[s.status] += 1;
  return counts;
}

/**
 * What is wrong, in one clause: `` `_yc-domain-validation.corp.ru` TXT is not served by every
 * authoritative nameserver of corp.ru: 1 of 4 addresses serve it ``, or why it could not be checked
 * (the record's name in backticks: cards show it as code).
 */
export function notServedText(check: DnsCheck): string {
  const { record } = check;
  if (check.problem !== undefined)
    return `the DNS of \`${record.name}\` could not be checked: ${check.problem}`;
  const n = check.servers.length;
  const served = statusCounts(check.servers).served;
  return `\`${record.name}\` ${record.type} is not served by every authoritative nameserver of ${check.zone ?? 'its zone'}: ${served} of ${n} ${n === 1 ? 'address serves' : 'addresses serve'} it`;
}

/** `45 s`, `10 min`, `4 min 30 s`: a wait as people read it. */
export function humanSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}
