import type { TargetBase } from '../ports.ts';
import type { Action } from '../vocabulary.ts';
import type { Secret } from './secret.ts';

export interface HttpSettings {
  connectTimeout: number;
  timeout: number;
  retries: number;
  maxRetryAfter: number;
}

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
  chat: ChatConfigs;
  /** Every secret reference in the file, for check-config and start-up checks. */
  secrets: Secret[];
}
