import type { Clock } from '../src/core/clock.ts';
import type { TargetBase, VendorModule } from '../src/core/ports.ts';
import type { DnsChecker } from './dns/check.ts';
import type { HttpClient } from './http.ts';

/** What every vendor client of this folder takes from the process. */
export interface AdapterDeps {
  /** The one shared HTTP layer (adapters/http.ts). */
  http: HttpClient;
  /** Token expiry, operation deadlines and the waits between polls. */
  clock: Clock;
  /**
   * The DNS checker of `dns-check`, the precheck of validate/verify and `--wait`
   * (adapters/dns/check.ts), with the `dns:` settings.
   */
  dns: DnsChecker;
}

/** A vendor module built on the shared HTTP layer. */
export type AdapterModule<T extends TargetBase> = VendorModule<T, AdapterDeps>;
