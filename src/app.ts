/**
 * The pipeline as domainops runs it: the core's pipeline (src/core/pipeline.ts) with the
 * composition's vendor modules, the one shared vendor HTTP layer and the store the config names.
 */
import {
  createDnsChecker,
  createHttpClient,
  type DnsChecker,
  type HttpClient,
  type Sleep,
} from '../adapters/index.ts';
import { type Clock, systemClock } from './core/clock.ts';
import type { Config, StoreSetting } from './core/config/types.ts';
import { ConfigError } from './core/errors.ts';
import { type App, createPipeline } from './core/pipeline.ts';
import type { LeaseRenewal } from './core/requests/execution.ts';
import type { RequestRecord } from './core/requests/model.ts';
import type { RequestStore } from './core/requests/store.ts';
import { type Composition, modules as defaultModules } from './modules.ts';
import { type StoreObserver, timedStore } from './stores/timed.ts';

export type { App, HandleOptions } from './core/pipeline.ts';
export type { Reply, ReplyStatus } from './core/reply.ts';
export { replyDocument } from './core/reply.ts';

export interface AppOptions {
  /** The modules to run with (tests compose their own). */
  modules?: Composition;
  /** The shared vendor HTTP layer; tests pass one aimed at local fakes. */
  http?: HttpClient;
  /** The DNS checker of dns-check and the precheck of validate/verify (default: from `dns:`). */
  dns?: DnsChecker;
  /** The process clock; `now` and `sleep` override parts of it. */
  clock?: Clock;
  now?: () => number;
  sleep?: Sleep;
  /** How texts write the commands to type next: `cli` for the command line. */
  commandStyle?: 'chat' | 'cli';
  /** A store to use instead of opening `config.store`. */
  store?: RequestStore;
  /** Told of every store operation and how long it took (the store latency of /metrics). */
  onStoreOperation?: StoreObserver;
  /** Told of every request this process expires (the sweep's or one found overdue on access). */
  onExpired?: (record: RequestRecord) => void;
  /** Told when a vendor call finished but its result could not be stored (reported as outcome unknown). */
  onResultNotStored?: (request: RequestRecord, error: unknown) => void;
  /** Told when such a result was stored later, in the background. */
  onLateResult?: (record: RequestRecord) => void;
  /** Told of every renewal of a lease on an executing request (the lease renewals of /metrics). */
  onLeaseRenewal?: (outcome: LeaseRenewal) => void;
}

/**
 * Opens the store the `store:` setting names, with the first store module that accepts it;
 * `observe` hears of every operation and how long it took (the store latency of /metrics).
 */
export function openStore(
  setting: StoreSetting,
  modules: Composition,
  clock: Clock,
  observe?: StoreObserver,
): RequestStore {
  const module = modules.stores.find((s) => s.accepts(setting));
  if (!module) {
    throw new ConfigError([
      {
        path: 'store',
        // The location never holds a password (src/config/store.ts moves it out).
        message: `no store module takes "${setting.location}" (${modules.stores.map((s) => s.name).join(', ')})`,
      },
    ]);
  }
  const store = module.open(setting, { clock });
  return observe ? timedStore(store, observe) : store;
}

/** Creates the pipeline for a loaded config. Opens nothing until it is first used. */
export function createApp(config: Config, options: AppOptions = {}): App {
  const modules = options.modules ?? defaultModules;
  const base = options.clock ?? systemClock;
  const clock: Clock = { now: options.now ?? base.now, sleep: options.sleep ?? base.sleep };
  // Retry waits and Retry-After dates go by the same clock as everything else.
  const http = options.http ?? createHttpClient(config.http, { now: clock.now, sleep: clock.sleep });
  const dns = options.dns ?? createDnsChecker(config.dns);
  return createPipeline(config, {
    modules,
    clock,
    client: (target) => {
      const module = modules.vendors.find((m) => m.vendor === target.vendor);
      if (!module)
        throw new ConfigError([{ path: `targets.${target.name}.vendor`, message: 'no such vendor module' }]);
      return module.createClient(target, { http, clock, dns });
    },
    store: () => {
      if (!options.store) return openStore(config.store, modules, clock, options.onStoreOperation);
      return options.onStoreOperation ? timedStore(options.store, options.onStoreOperation) : options.store;
    },
    ...(options.onExpired ? { onExpired: options.onExpired } : {}),
    ...(options.onResultNotStored ? { onResultNotStored: options.onResultNotStored } : {}),
    ...(options.onLateResult ? { onLateResult: options.onLateResult } : {}),
    ...(options.onLeaseRenewal ? { onLeaseRenewal: options.onLeaseRenewal } : {}),
    ...(options.commandStyle ? { commandStyle: options.commandStyle } : {}),
    onClose: () => http.close(),
  });
}
