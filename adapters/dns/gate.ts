/**
 * What validate and verify do before they ask the vendor: check once that every authoritative
 * nameserver serves the record (the precheck), or check again every `dns.interval` until it does
 * (`--wait`, at most `dns.wait`), reporting each round as progress. A record that is not served
 * is refused here, so the vendor is not sent a request it would fail.
 */
import type { Clock } from '../../src/core/clock.ts';
import type { VendorResult } from '../../src/core/ports.ts';
import type { DnsChecker } from './check.ts';
import type { DnsCheck, DnsCheckResult, ExpectedRecord } from './result.ts';

export interface GateOptions {
  checker: DnsChecker;
  clock: Clock;
  record: ExpectedRecord;
  /** The domain of the command. */
  domain: string;
  /** The vendor call that follows (`validate`), for the progress card. */
  next: string;
  /** `--wait`: check again every interval until served or `dns.wait` is over. */
  wait: boolean;
  /** When a check counts as served (default: `ready`, every address serves the value). */
  accept?: (check: DnsCheck) => boolean;
  /** The refusal when it is not served: thrown, never returned. `waited` after a `--wait` ran out. */
  refuse: (result: DnsCheckResult, waited: boolean) => Error;
  signal?: AbortSignal;
  progress?: (interim: VendorResult) => void;
}

/** The check that let the call go on; throws `refuse(…)` when the record is not served. */
export async function awaitRecord(options: GateOptions): Promise<DnsCheckResult> {
  const { checker, clock, signal } = options;
  const accept = options.accept ?? ((check: DnsCheck) => check.ready);
  const { interval, wait } = checker.settings;
  const since = clock.now();
  const until = since + wait;
  for (let round = 1; ; round++) {
    const check = await checker.check(options.record, signal ? { signal } : {});
    const result: DnsCheckResult = { action: 'dns-check', domain: options.domain, ...check };
    if (accept(check)) return result;
    const left = until - clock.now();
    if (!options.wait || left <= 0) throw options.refuse(result, options.wait);
    options.progress?.({ ...result, waiting: { round, since, until, next: options.next } });
    await clock.sleep(Math.min(interval, left), signal);
  }
}

/** Whether every address serves some value of the record (its value unknown: any counts). */
export function servedAnywhere(check: DnsCheck): boolean {
  return check.servers.length > 0 && check.servers.every((s) => s.status !== 'error' && s.values.length > 0);
}
