import type { TargetBase } from '../ports.ts';
import type { Action } from '../vocabulary.ts';
import type { Secret } from './secret.ts';

export interface HttpSettings {
  connectTimeout: number;
  timeout: number;
  retries: number;
  maxRetryAfter: number;
  /**
   * Connections open at once to one vendor origin (default 32, DEFAULT_HTTP_CONNECTIONS); more
   * requests at the same moment wait for one of them.
   */
  connections?: number;
}

/** `http.connections` when the config does not say. */
export const DEFAULT_HTTP_CONNECTIONS = 32;

/** One DNS server to ask: an IP address (v4 or v6) and a UDP/TCP port. */
export interface DnsServerAddress {
  host: string;
  port: number;
}

/** The `dns:` section: how `dns-check`, the precheck of validate/verify and `--wait` ask DNS. */
export interface DnsSettings {
  /** Recursive resolvers for the zone walk and nameserver addresses; empty: the system's. */
  resolvers: DnsServerAddress[];
  /** The port of the authoritative nameservers (53; tests serve on another). */
  port: number;
  /** How long one DNS query waits for its answer (ms). */
  timeout: number;
  /** Between two checks of `--wait` (ms). */
  interval: number;
  /** How long `--wait` waits at most (ms). */
  wait: number;
  /** Whether validate/verify check DNS once before asking the vendor (`--skip-dns-check` skips it). */
  precheck: boolean;
  /**
   * Whether the nameservers' IPv6 addresses are asked too (true, the default). False on a host
   * without IPv6, which could never reach them: only the IPv4 addresses are asked.
   */
  ipv6?: boolean;
}

/** The `dns:` defaults: the system's resolvers, port 53, 3 s queries, a check every 10 s for 10 min. */
export const DNS_DEFAULTS: DnsSettings = {
  resolvers: [],
  port: 53,
  timeout: 3_000,
  interval: 10_000,
  wait: 600_000,
  precheck: true,
  ipv6: true,
};

/** The `batch:` section: how commands with several subjects run. */
export interface BatchSettings {
  /** How many items of one batch call the vendor at the same time (1 to 16). */
  concurrency: number;
  /** The most subjects one command takes (1 to 100). */
  max: number;
}

/** The `batch:` defaults: 4 items at a time, up to 100 subjects. */
export const BATCH_DEFAULTS: BatchSettings = { concurrency: 4, max: 100 };

export type Approval =
  | { kind: 'none' }
  | { kind: 'required'; approvers: string[]; count: number; expires: number };

export interface PolicyRule {
  /** `name` from the config, or `rule N` (1-based). */
  name: string;
  index: number;
  actions: Action[];
  domains?: string[];
  targets?: string[];
  requesters: string[];
  approval: Approval;
  /** `required`: a command this rule decides must give `because <why>`. */
  reason?: 'optional' | 'required';
  /**
   * Where the approval card (or, without approval, the outcome card) is posted besides where the
   * request was typed: `<platform>:<id>` entries, emails and groups (a direct message to each
   * member), as written and checked by the loader (../policy/notify.ts).
   */
  notify?: string[];
}

export interface PolicyConfig {
  groups: Record<string, string[]>;
  rules: PolicyRule[];
}

/**
 * The `chat:` section: one member per configured platform, typed by the platform module that
 * reads it (each module adds its member to this interface).
 */
// biome-ignore lint/suspicious/noEmptyInterface: platform modules merge their members into it
export interface ChatConfigs {}

/**
 * The `store:` setting, as the store modules take it (`accepts`, `open`): a string in the file
 * (a path, `:memory:`, a URL, or `env:NAME` naming a variable that holds one) or
 * `{ url, password, lease }`.
 */
export interface StoreSetting {
  /**
   * Where the store is: an absolute path, `:memory:`, or a URL a store module recognises. Never
   * holds a password (one written in the URL is moved to `password`), so it may be printed and
   * logged.
   */
  location: string;
  /** Where `location` came from when the file does not hold it: `env DATABASE_URL`. */
  from?: string;
  /**
   * The password a database server asks for: `password:` (env:/file:), or the one the URL
   * carried. Never shown: String(), JSON and inspect say [REDACTED].
   */
  password?: Pick<Secret, 'reveal' | 'source'>;
  /** The password was written inside the URL in the config file itself (check-config warns). */
  inlinePassword?: boolean;
  /** How long a silent replica's executing request waits before it is reported unknown (ms). */
  lease: number;
}

/** A loaded, validated domainops.yaml. */
export interface Config {
  /** The file it was read from (absolute), for messages. */
  source: string;
  /** The `store:` setting: where the store is, and how to reach it. */
  store: StoreSetting;
  targets: Record<string, TargetBase>;
  policy: PolicyConfig;
  server: { host: string; port: number };
  http: HttpSettings;
  dns: DnsSettings;
  batch: BatchSettings;
  chat: ChatConfigs;
  /** Every secret reference in the file, for check-config and start-up checks. */
  secrets: Secret[];
}
