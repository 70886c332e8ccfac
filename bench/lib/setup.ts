/**
 * What the benches share: the targets and people, the Slack request signing and slash command
 * bodies (as Slack sends them), and the domainops.yaml each process runs with, aimed at the fakes.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { FakesInfo } from './procs.ts';

export const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
export const FEDERATION = 'bpfbench00000000000';

/** The bench's targets before the fakes aim them (the fakes process gets the same list). */
export const TARGETS: Record<string, Record<string, unknown>> = {
  'webex-prod': { vendor: 'webex', orgId: ORG },
  'yc-sso': { vendor: 'yandex', federationId: FEDERATION },
};

export const BOT_TOKEN = 'xoxb-bench-bot-token';
export const SIGNING_SECRET = 'bench-signing-secret';
export const WEBEX_BOT_TOKEN = 'bench_webex_bot_token';
export const WEBEX_WEBHOOK_SECRET = 'bench-webex-webhook-secret';

/** People in Slack (the fake's users.info) and in the policy. */
export const USERS = ['alice', 'bob', 'carol', 'dave'].map((name) => ({
  id: `U0${name.toUpperCase()}`,
  name,
  email: `${name}@corp.com`,
}));

/**
 * Commands that go to a vendor run at once here (no approval), so that every command of the
 * bench goes the whole way: policy, store, vendor, store, card.
 */
export const POLICY = {
  groups: { admins: USERS.map((u) => u.email) },
  rules: [
    {
      name: 'bench',
      actions: ['help', 'whoami', 'pending', 'audit', 'targets', 'domain', 'unverify'],
      requesters: ['admins'],
      approval: 'none',
    },
  ],
};

/** A fresh temporary folder for one bench's stores, configs and logs. */
export function workdir(name: string): string {
  return mkdtempSync(join(tmpdir(), `domainops-bench-${name}-`));
}

/** Removes a bench's folder (kept with BENCH_KEEP=1, to read the logs). */
export function removeWorkdir(dir: string): void {
  if (process.env.BENCH_KEEP === '1') console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

/** The targets aimed at the running fakes. */
export function aimedTargets(info: FakesInfo): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(TARGETS).map(([name, target]) => [name, { ...target, ...info.targets[name] }]),
  );
}

/** The credential a target's `auth` names (`env:NAME`), as the fake issued it. */
export function issuedCredential(
  target: Record<string, unknown> | undefined,
  env: Record<string, string>,
): string {
  const auth = (target?.auth ?? {}) as Record<string, unknown>;
  for (const value of Object.values(auth)) {
    if (typeof value === 'string' && value.startsWith('env:') && env[value.slice(4)] !== undefined)
      return env[value.slice(4)]!;
  }
  throw new Error('the fake issued no credential for the target');
}

export interface BotConfig {
  /** The file to pass as --config. */
  file: string;
  /** The environment the process needs (the secrets the file names). */
  env: NodeJS.ProcessEnv;
}

/** Writes a domainops.yaml for a process on `port` with its store in `dir`, and the env it needs. */
export function writeBotConfig(
  dir: string,
  info: FakesInfo,
  options: { name: string; port: number; slack?: boolean; webex?: boolean },
): BotConfig {
  const chat: Record<string, unknown> = {};
  if (options.slack)
    chat.slack = {
      botToken: 'env:SLACK_BOT_TOKEN',
      signingSecret: 'env:SLACK_SIGNING_SECRET',
      apiUrl: info.slackApiUrl.replace(/\/$/, ''),
    };
  if (options.webex)
    chat.webex = {
      botToken: 'env:WEBEX_BOT_TOKEN',
      webhookUrl: 'https://bot.example.com/webex/events',
      webhookSecret: 'env:WEBEX_WEBHOOK_SECRET',
      apiUrl: info.webexApiUrl,
    };
  const config = {
    store: process.env.BENCH_STORE === 'memory' ? ':memory:' : join(dir, `${options.name}.db`),
    server: { host: '127.0.0.1', port: options.port },
    targets: aimedTargets(info),
    policy: POLICY,
    ...(Object.keys(chat).length > 0 ? { chat } : {}),
  };
  const file = join(dir, `${options.name}.yaml`);
  writeFileSync(file, stringify(config));
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(),
    ...info.env,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    WEBEX_BOT_TOKEN: WEBEX_BOT_TOKEN,
    WEBEX_WEBHOOK_SECRET: WEBEX_WEBHOOK_SECRET,
    // The Webex SDK finds its services here (read when the framework loads).
    HYDRA_SERVICE_URL: info.webexApiUrl,
    U2C_SERVICE_URL: info.webexU2cUrl,
  };
  return { file, env };
}

/** The environment a child process starts from: ours, less anything that would change what it runs. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'DOMAINOPS_CONFIG',
    'PORT',
    'LOG_FORMAT',
    'DOMAINOPS_SANDBOX_RATELIMIT',
    'NODE_OPTIONS',
    'NODE_COMPILE_CACHE',
    'NODE_DISABLE_COMPILE_CACHE',
    'MALLOC_ARENA_MAX',
  ])
    delete env[name];
  env.LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
  return env;
}

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`, as Slack signs requests. */
export function sign(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/**
 * A signed slash command as Slack posts it (form encoded) with a fresh trigger id, so that no
 * two deliveries of the bench look like a retry of each other.
 */
export function slashCommand(
  text: string,
  user: { id: string; name: string },
  responseBase: string,
): { method: 'POST'; path: string; headers: Record<string, string>; body: string } {
  const trigger = randomUUID();
  const body = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0BENCH',
    team_domain: 'bench',
    channel_id: 'C0OPS',
    channel_name: 'identity-ops',
    user_id: user.id,
    user_name: user.name,
    command: '/domainops',
    text,
    api_app_id: 'A0APP',
    response_url: `${responseBase}respond/${trigger}`,
    trigger_id: `trigger-${trigger}`,
  }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    method: 'POST',
    path: '/slack/events',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': sign(body, timestamp),
    },
    body,
  };
}
