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

/** A loaded, validated domainops.yaml. */
export interface Config {
  /** The file it was read from (absolute), for messages. */
  source: string;
  /** The `store:` setting: a path (absolute) or a URL the store modules recognise. */
  store: string;
  targets: Record<string, TargetBase>;
  policy: PolicyConfig;
  server: { host: string; port: number };
  http: HttpSettings;
  chat: ChatConfigs;
  /** Every secret reference in the file, for check-config and start-up checks. */
  secrets: Secret[];
}
