/**
 * The bound on commands in flight (COMMANDS_IN_FLIGHT, src/core/chat.ts) seen from Slack, HTTP
 * mode: with every slot taken by a vendor command the vendor holds, a further command is still
 * acked at once and waits; `help` is still answered in its ack; once the vendor answers, the
 * waiting command runs and is answered. The vendor holds its answers at a gate: no real waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../../adapters/webex-identity/sandbox.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { COMMANDS_IN_FLIGHT } from '../../../src/core/chat.ts';
import type { Runtime } from '../../../src/runtime.ts';
import { type SlackFake, startSlackFake } from '../../fakes/slack-api.ts';
import { createGate } from '../../helpers/gate.ts';
import {
  BOT_TOKEN,
  deliver,
  ORG,
  SIGNING_SECRET,
  slashCommand,
  startSlackRuntime,
  USERS,
} from './helpers.ts';

const DOMAINS = Array.from({ length: COMMANDS_IN_FLIGHT + 1 }, (_, i) => `d${i}.com`);
const UNCLAIM = /\/actions\/unclaimDomain$/;

let webex: WebexFake;
let slack: SlackFake;
let runtime: Runtime;

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: DOMAINS } } });
  slack = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
  const config = parseConfig(
    `
store: ":memory:"
server: { host: 127.0.0.1, port: 0 }
http: { retries: 0, timeout: 10s, connections: 256 }
targets:
  webex-prod: { vendor: webex, orgId: ${ORG}, apiUrl: ${webex.apiUrl}, auth: { accessToken: env:WEBEX_IDENTITY_TOKEN } }
policy:
  groups: { admins: [alice@corp.com, bob@corp.com] }
  rules:
    - { actions: [help, unclaim], requesters: [admins], approval: none }
chat:
  slack: { botToken: env:SLACK_BOT_TOKEN, signingSecret: env:SLACK_SIGNING_SECRET, apiUrl: ${slack.apiUrl} }
`,
    '/tmp/domainops-slack-bound.yaml',
    {
      WEBEX_IDENTITY_TOKEN: webex.issueAccessToken(),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
    },
  );
  runtime = await startSlackRuntime(config);
});

afterAll(async () => {
  await runtime?.stop();
  await Promise.all([slack?.close(), webex?.close()]);
});

/** Waits until `check` holds, one turn of the event loop at a time (no timers). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 50_000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
}

describe('Slack, HTTP mode, with every command slot taken', () => {
  it('acks a further command at once, answers help in its ack, and runs the command once a slot frees', async () => {
    const gate = createGate();
    webex.fault({ kind: 'hold', until: () => gate.wait() }, { path: UNCLAIM, times: COMMANDS_IN_FLIGHT });
    const unclaims = () => webex.requests.filter((r) => UNCLAIM.test(r.path));
    const from = slack.calls.length;

    const acks = await Promise.all(
      DOMAINS.slice(0, COMMANDS_IN_FLIGHT).map((d) =>
        deliver(runtime.url, slashCommand(slack, 'U0ALICE', `unclaim ${d} in webex-prod`)),
      ),
    );
    expect(acks.every((a) => a.status === 200 && a.text.includes('Working on'))).toBe(true);
    await until(() => unclaims().length === COMMANDS_IN_FLIGHT);
    expect(runtime.chat.commands()).toEqual({ running: COMMANDS_IN_FLIGHT, waiting: 0 });

    // One more: acked at once, and waiting.
    const last = DOMAINS[COMMANDS_IN_FLIGHT]!;
    const ack = await deliver(runtime.url, slashCommand(slack, 'U0BOB', `unclaim ${last} in webex-prod`));
    expect(ack.status).toBe(200);
    expect(ack.text).toContain('Working on');
    await until(() => runtime.chat.commands().waiting === 1);

    // help is answered in its ack, past the queue.
    const help = await deliver(runtime.url, slashCommand(slack, 'U0BOB', 'help'));
    expect(JSON.parse(help.text)).toMatchObject({ response_type: 'ephemeral' });
    expect(help.text).not.toContain('Working on');
    expect(runtime.chat.commands()).toEqual({ running: COMMANDS_IN_FLIGHT, waiting: 1 });
    expect(unclaims()).toHaveLength(COMMANDS_IN_FLIGHT);

    gate.open();
    await until(() => unclaims().length === COMMANDS_IN_FLIGHT + 1);
    expect(JSON.parse(unclaims().at(-1)!.body)).toEqual({ domain: last });
    expect(await runtime.chat.drain(10_000)).toBe(true);
    // Every command was answered (the answers go to the response URL or the channel).
    const answers = slack.calls
      .slice(from)
      .filter((c) => ['chat.postMessage', 'chat.postEphemeral', 'respond'].includes(c.method));
    expect(answers).toHaveLength(COMMANDS_IN_FLIGHT + 1);
    expect(runtime.chat.commands()).toEqual({ running: 0, waiting: 0 });
  });
});
