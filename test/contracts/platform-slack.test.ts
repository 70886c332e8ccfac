/**
 * The platform contract (test/contracts/platform.ts) for Slack in HTTP mode: signed slash
 * commands and Approve/Deny clicks to `POST /slack/events`, answers read from the Slack Web API
 * fake (posts, card updates, ephemeral answers).
 */
import { parseConfig } from '../../src/config/load.ts';
import { startRuntime } from '../../src/runtime.ts';
import { createLogger } from '../../src/server/logger.ts';
import { type SlackCall, startSlackFake } from '../fakes/slack-api.ts';
import {
  BOT_TOKEN,
  buttons,
  click,
  clickPayload,
  type Delivery,
  deliver,
  SIGNING_SECRET,
  slashCommand,
  USERS,
} from '../platforms/slack/helpers.ts';
import { type CardView, type Decision, type PlatformHarness, platformContract } from './platform.ts';

/** What the bot showed: messages, card updates, answers only one person sees. */
const SHOWING = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'respond']);

const text = (call: SlackCall): string =>
  `${String(call.args.text ?? '')}\n${JSON.stringify(call.args.blocks ?? [])}`;

const slack: PlatformHarness = {
  name: 'slack',
  async start({ yaml, env, clock, sweepInterval }) {
    const fake = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
    const config = parseConfig(
      `${yaml}chat:\n  slack: { botToken: env:SLACK_BOT_TOKEN, signingSecret: env:SLACK_SIGNING_SECRET, apiUrl: ${fake.apiUrl} }\n`,
      '/tmp/domainops-contract-slack.yaml',
      { ...env, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET },
    );
    // No `platforms` override: the runtime picks the Slack module because `chat.slack` is set.
    const runtime = await startRuntime({
      config,
      clock,
      sweepInterval,
      logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    });
    const userOf = (email: string): string => USERS.find((u) => u.email === email)!.id;

    /** The top-level message that posted the approval card of `requestId`. */
    const posted = (requestId: string): SlackCall | undefined =>
      fake
        .callsTo('chat.postMessage')
        .find((c) => c.args.thread_ts === undefined && buttons(c.args.blocks)[0]?.value === requestId);

    return {
      runtime,
      command: (person, command) => slashCommand(fake, userOf(person), command),
      click(person, requestId, decision) {
        const card = posted(requestId);
        if (!card?.response?.ts) throw new Error(`no Slack card for ${requestId}`);
        const where = { channel: String(card.args.channel), ts: String(card.response.ts) };
        return click(clickPayload(fake, userOf(person), decision, requestId, where));
      },
      async deliver(delivery) {
        const answer = await deliver(runtime.url, delivery as Delivery);
        if (answer.status !== 200)
          throw new Error(`Slack delivery answered ${answer.status}: ${answer.text}`);
      },
      // Every listener's work is tracked by the chat service: its drain is enough.
      settled: async () => undefined,
      shown: async () => fake.calls.filter((c) => SHOWING.has(c.method)).map(text),
      async card(requestId): Promise<CardView | undefined> {
        const card = posted(requestId);
        if (card === undefined) return undefined;
        const ts = card.response?.ts;
        const latest =
          fake
            .callsTo('chat.update')
            .findLast((c) => c.args.ts === ts && c.args.channel === card.args.channel) ?? card;
        return {
          buttons: buttons(latest.args.blocks).map((b) => b.action_id.replace(/^domainops_/, '') as Decision),
          text: text(latest),
        };
      },
      async stop() {
        await runtime.stop();
        await fake.close();
      },
    };
  },
};

platformContract(slack);
