import { createHmac, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { WebexFake } from '../../../adapters/webex-identity/sandbox.ts';
import { parseConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/types.ts';
import type { Clock } from '../../../src/core/clock.ts';
import { createSlackPlatform } from '../../../src/platforms/slack/index.ts';
import { type PlatformFactory, type Runtime, startRuntime } from '../../../src/runtime.ts';
import { createLogger } from '../../../src/server/logger.ts';
import type { FakeSlackUser, SlackFake } from '../../fakes/slack-api.ts';

export const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
export const BOT_TOKEN = 'xoxb-fake-bot-token-never-logged';
export const APP_TOKEN = 'xapp-1-fake-app-token-never-logged';
export const SIGNING_SECRET = 'fake-signing-secret-never-logged';

export const USERS: FakeSlackUser[] = [
  { id: 'U0ALICE', name: 'alice', email: 'alice@corp.com', realName: 'Alice Admin' },
  { id: 'U0BOB', name: 'bob', email: 'bob@corp.com', realName: 'Bob Admin' },
  { id: 'U0NOMAIL', name: 'ghost' },
];

/**
 * A config with one Webex target (the sandbox fake) and Slack in HTTP or Socket Mode.
 * `unverifyExpires` gives `unverify` requests their own (short) expiry.
 */
export function slackConfig(
  webex: WebexFake,
  slack: SlackFake,
  mode: 'http' | 'socket',
  options: { unverifyExpires?: string } = {},
): Config {
  const unverify =
    options.unverifyExpires === undefined
      ? ''
      : `
    - actions: [unverify]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: ${options.unverifyExpires} }`;
  const auth =
    mode === 'socket' ? 'appToken: env:SLACK_APP_TOKEN' : 'signingSecret: env:SLACK_SIGNING_SECRET';
  return parseConfig(
    `
store: ":memory:"
server: { host: 127.0.0.1, port: 0 }
http: { retries: 0, timeout: 10s }
targets:
  webex-prod:
    vendor: webex
    orgId: ${ORG}
    apiUrl: ${webex.apiUrl}
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups: { admins: [alice@corp.com, bob@corp.com] }
  rules:
    - actions: [help, whoami, pending, targets, audit]
      requesters: [admins]
      approval: none${unverify}
    - actions: [unclaim, unverify]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
chat:
  slack: { botToken: env:SLACK_BOT_TOKEN, ${auth}, apiUrl: ${slack.apiUrl} }
`,
    '/tmp/domainops-slack-test.yaml',
    {
      WEBEX_IDENTITY_TOKEN: webex.issueAccessToken(),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
    },
  );
}

/** Starts the runtime with only the Slack platform (and any `extra` platforms beside it). */
export function startSlackRuntime(
  config: Config,
  logLines?: string[],
  options: { sweepInterval?: number; clock?: Clock; extra?: PlatformFactory[] } = {},
): Promise<Runtime> {
  const stream =
    logLines === undefined
      ? undefined
      : new Writable({
          write(chunk, _encoding, done) {
            logLines.push(...String(chunk).split('\n').filter(Boolean));
            done();
          },
        });
  const level = logLines === undefined ? (process.env.TEST_LOG_LEVEL ?? 'silent') : 'debug';
  return startRuntime({
    config,
    platforms: [createSlackPlatform, ...(options.extra ?? [])],
    ...(options.sweepInterval === undefined ? {} : { sweepInterval: options.sweepInterval }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    logger: createLogger(stream === undefined ? { level } : { level, stream }),
  });
}

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`, as Slack signs requests. */
export function sign(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface Delivery {
  body: string;
  contentType: string;
}

/** A slash command as Slack posts it (form encoded). */
export function slashCommand(slack: SlackFake, user: string, text: string, channel = 'C0OPS'): Delivery {
  const form = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: slack.teamId,
    team_domain: 'fake',
    channel_id: channel,
    channel_name: 'identity-ops',
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/domainops',
    text,
    api_app_id: 'A0APP',
    response_url: slack.responseUrl(),
    trigger_id: `trigger-${randomUUID()}`,
  });
  return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
}

/** The `block_actions` payload of a click on an Approve/Deny button of the card at channel/ts. */
export function clickPayload(
  slack: SlackFake,
  user: string,
  decision: 'approve' | 'deny',
  requestId: string,
  card: { channel: string; ts: string },
): Record<string, unknown> {
  const actionTs = `${Math.floor(Date.now() / 1000)}.${randomUUID().slice(0, 6)}`;
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: slack.teamId },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: card.ts, channel_id: card.channel, is_ephemeral: false },
    trigger_id: `trigger-${randomUUID()}`,
    team: { id: slack.teamId, domain: 'fake' },
    channel: { id: card.channel, name: 'identity-ops' },
    message: { type: 'message', ts: card.ts, text: 'Approval needed', bot_id: 'B0BOT' },
    response_url: slack.responseUrl(),
    actions: [
      {
        type: 'button',
        action_id: `domainops_${decision}`,
        block_id: 'domainops_decision',
        text: { type: 'plain_text', text: decision === 'approve' ? 'Approve' : 'Deny' },
        value: requestId,
        action_ts: actionTs,
      },
    ],
  };
}

export function click(payload: Record<string, unknown>): Delivery {
  return {
    body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    contentType: 'application/x-www-form-urlencoded',
  };
}

/** An Events API envelope (`event_callback`) around `event`. */
export function eventCallback(
  slack: SlackFake,
  event: Record<string, unknown>,
  eventId = `Ev${randomUUID().slice(0, 8)}`,
) {
  return {
    token: 'legacy-verification-token',
    team_id: slack.teamId,
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: slack.teamId, user_id: slack.botUserId, is_bot: true }],
    event: { event_ts: `${Date.now() / 1000}`, ts: `${Date.now() / 1000}`, team: slack.teamId, ...event },
  };
}

export function json(value: unknown): Delivery {
  return { body: JSON.stringify(value), contentType: 'application/json' };
}

/** Posts a delivery to `/slack/events`, signed unless told otherwise; returns status, body and time taken. */
export async function deliver(
  url: string,
  delivery: Delivery,
  options: { timestamp?: number; signature?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string; ms: number }> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const started = performance.now();
  const res = await fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': delivery.contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? sign(delivery.body, timestamp),
      ...options.headers,
    },
    body: delivery.body,
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

/** The Approve/Deny buttons in a card's blocks. */
export function buttons(blocks: unknown): { action_id: string; value: string }[] {
  const list = Array.isArray(blocks) ? (blocks as Record<string, unknown>[]) : [];
  return list
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements as { action_id: string; value: string }[]) ?? []);
}

/** Vendor calls the Webex fake received that change something (POST …/actions/…). */
export function vendorActions(webex: WebexFake): number {
  return webex.requests.filter((r) => r.method === 'POST' && r.path.includes('/actions/')).length;
}
