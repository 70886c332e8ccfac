/**
 * The platform contract (test/contracts/platform.ts) for Webex in webhook mode: the real
 * webex-node-bot-framework and Webex SDK aimed at the Webex messaging API fake, signed
 * deliveries to `POST /webex/events`. Webex cannot edit a card: the card's state is the last card
 * in its thread. A file of its own, because the SDK reads its service URLs once, when loaded.
 */
import { parseConfig } from '../../src/config/load.ts';
import type { WebexPlatform } from '../../src/platforms/webex/index.ts';
import { startRuntime } from '../../src/runtime.ts';
import { createLogger } from '../../src/server/logger.ts';
import { type FakeMessage, sparkSignature, startWebexApiFake } from '../fakes/webex-api.ts';
import { type CardView, type Decision, type PlatformHarness, platformContract } from './platform.ts';

const BOT_TOKEN = 'MzFmYWtlYm90dG9rZW4_PF84_1eb65fdf-9643-417f-9974-ad72cae0e10f';
const SECRET = 'whsec-contract-5d4e2f8a1c6b0d3a7c0f0e9b';
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';

type Adaptive = { actions?: { type: string; data?: { domainops?: string; requestId?: string } }[] };
const adaptive = (m: FakeMessage): Adaptive | undefined =>
  m.attachments?.find((a) => a.contentType === ADAPTIVE)?.content as Adaptive | undefined;
const submits = (m: FakeMessage) => adaptive(m)?.actions?.filter((a) => a.type === 'Action.Submit') ?? [];
const text = (m: FakeMessage): string =>
  `${m.markdown ?? m.text ?? ''}\n${JSON.stringify(adaptive(m) ?? {})}`;

const webex: PlatformHarness = {
  name: 'webex',
  async start({ yaml, env, clock, sweepInterval }) {
    const api = await startWebexApiFake();
    // The SDK reads these when it is loaded, which creating the platform does.
    process.env.HYDRA_SERVICE_URL = api.apiUrl;
    process.env.U2C_SERVICE_URL = api.u2cUrl;
    process.env.WEBEX_LOG_LEVEL = 'error';
    const config = parseConfig(
      `${yaml}chat:
  webex:
    botToken: env:WEBEX_BOT_TOKEN
    webhookUrl: https://bot.example.com/webex/events
    webhookSecret: env:WEBEX_WEBHOOK_SECRET
    apiUrl: ${api.apiUrl}
`,
      '/tmp/domainops-contract-webex.yaml',
      { ...env, WEBEX_BOT_TOKEN: BOT_TOKEN, WEBEX_WEBHOOK_SECRET: SECRET },
    );
    // No `platforms` override: the runtime picks the Webex module because `chat.webex` is set.
    const runtime = await startRuntime({
      config,
      clock,
      sweepInterval,
      logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    });
    const platform = runtime.platforms[0] as WebexPlatform;
    const people = {
      'alice@corp.com': api.addPerson('alice@corp.com', 'Alice Admin'),
      'bob@corp.com': api.addPerson('bob@corp.com', 'Bob Admin'),
    };
    const space = api.addRoom('group', Object.values(people));

    /** The top-level message with the approval card of `requestId`. */
    const posted = (requestId: string): FakeMessage | undefined =>
      api.botMessages().find((m) => m.parentId === undefined && submits(m)[0]?.data?.requestId === requestId);

    return {
      runtime,
      command: (person, command) => api.delivery(api.say(space, people[person], command)),
      click(person, requestId, decision) {
        const card = posted(requestId);
        if (card === undefined) throw new Error(`no Webex card for ${requestId}`);
        return api.delivery(api.submit(people[person], card, { domainops: decision, requestId }));
      },
      async deliver(delivery) {
        const raw = JSON.stringify(delivery);
        const response = await fetch(`${runtime.url}/webex/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-spark-signature': sparkSignature(raw, SECRET) },
          body: raw,
        });
        if (response.status !== 200) throw new Error(`Webex delivery answered ${response.status}`);
      },
      settled: () => platform.settled(),
      shown: async () => api.botMessages().map(text),
      async card(requestId): Promise<CardView | undefined> {
        const card = posted(requestId);
        if (card === undefined) return undefined;
        const latest =
          api.botMessages().findLast((m) => m.parentId === card.id && adaptive(m) !== undefined) ?? card;
        return {
          buttons: submits(latest).map((a) => a.data?.domainops as Decision),
          text: text(latest),
        };
      },
      async stop() {
        await runtime.stop();
        await api.close();
      },
    };
  },
};

platformContract(webex);
