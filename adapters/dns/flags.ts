/** The DNS flags of the calls that prove a domain by DNS (Yandex validate, Webex verify). */
import type { Fact } from '../../src/core/cards/model.ts';
import type { FlagSpec } from '../../src/core/ports.ts';

/** `--wait` and `--skip-dns-check`: one waits for DNS, the other skips it, so they are not given together. */
export const DNS_FLAGS: readonly FlagSpec[] = [
  {
    name: '--wait',
    summary:
      'check DNS again every dns.interval until every nameserver serves the record (at most dns.wait), then send',
    excludes: ['--skip-dns-check'],
  },
  {
    name: '--skip-dns-check',
    summary: 'send the request without checking DNS first (and without waiting)',
    excludes: ['--wait'],
  },
];

/** `wait` and `skipDnsCheck` of a call, present only when given (older stored calls have neither). */
export function dnsFlags(flags: ReadonlySet<string>): { wait?: true; skipDnsCheck?: true } {
  return {
    ...(flags.has('--wait') ? { wait: true as const } : {}),
    ...(flags.has('--skip-dns-check') ? { skipDnsCheck: true as const } : {}),
  };
}

/** What a request card shows of the DNS flags. */
export function dnsFacts(call: { readonly [member: string]: unknown }): Fact[] {
  if (call.skipDnsCheck === true) return [{ label: 'DNS check', value: 'skipped (--skip-dns-check)' }];
  if (call.wait === true)
    return [{ label: 'DNS check', value: 'waits until every nameserver serves the record' }];
  return [];
}
