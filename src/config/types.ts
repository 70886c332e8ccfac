import type { Action } from '../commands/model.ts';
import type { Secret } from './secret.ts';

export interface WebexTarget {
  name: string;
  vendor: 'webex';
  orgId: string;
  /** Base URL including `/v1`, no trailing slash. */
  apiUrl: string;
  auth:
    | { kind: 'accessToken'; accessToken: Secret }
    | {
        kind: 'refreshToken';
        clientId: string;
        clientSecret: Secret;
        refreshToken: Secret;
        tokenUrl: string;
      };
}

export interface F5Target {
  name: string;
  vendor: 'f5xc';
  /** `https://<tenant>.console.ves.volterra.io`, no trailing slash. */
  tenantUrl: string;
  auth: { kind: 'apiToken'; apiToken: Secret } | { kind: 'p12'; p12: Secret; passphrase: Secret };
}

export interface YandexTarget {
  name: string;
  vendor: 'yandex';
  /** A SAML federation or an IdP userpool: the same domain methods under different paths. */
  scope: { kind: 'federation'; id: string } | { kind: 'userpool'; id: string };
  apiUrl: string;
  operationUrl: string;
  operationPoll: { interval: number; maxInterval: number; timeout: number };
  auth:
    | { kind: 'iamToken'; iamToken: Secret }
    | {
        kind: 'serviceAccountKey';
        serviceAccountKey: Secret;
        iamUrl: string;
        /** The JWT `aud`; when not set, derived from `iamUrl` (adapters/auth/yandex-iam.ts). */
        audience?: string;
      };
}

export type Target = WebexTarget | F5Target | YandexTarget;

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

export interface SlackConfig {
  botToken: Secret;
  signingSecret?: Secret;
  appToken?: Secret;
  command: string;
  apiUrl: string;
}

export interface WebexChatConfig {
  botToken: Secret;
  webhookUrl?: string;
  webhookSecret?: Secret;
  apiUrl: string;
}

export interface Config {
  /** The file it was read from (absolute), for messages. */
  source: string;
  /** Absolute path of the SQLite store. */
  store: string;
  targets: Record<string, Target>;
  policy: PolicyConfig;
  server: { host: string; port: number };
  http: HttpSettings;
  chat: { slack?: SlackConfig; webex?: WebexChatConfig };
  /** Every secret reference in the file, for check-config and start-up checks. */
  secrets: Secret[];
}
