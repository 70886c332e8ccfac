/**
 * The platform contract (test/contracts/platform.ts) for the local playground: commands and
 * decisions through its JSON API (`/api/command`, `/api/decide`, with a delivery key), what it
 * showed read from `/api/history`. The playground runs because no `chat:` platform is configured;
 * people may pick who they are because the vendors are a sandbox and it listens on loopback.
 */
import { randomUUID } from 'node:crypto';
import { parseConfig } from '../../src/config/load.ts';
import { startRuntime } from '../../src/runtime.ts';
import { createLogger } from '../../src/server/logger.ts';
import { post } from '../platforms/local/helpers.ts';
import { type CardView, type Decision, type PlatformHarness, platformContract } from './platform.ts';

interface HistoryEntry {
  as: string;
  kind: string;
  text: string;
  reply: { requestId?: string };
  cards: { webex: { actions?: { type: string; data?: { domainops?: string } }[] } };
}

interface Call {
  path: '/api/command' | '/api/decide';
  body: Record<string, unknown>;
}

const text = (e: HistoryEntry): string =>
  `${e.kind} ${e.as}: ${e.text}\n${JSON.stringify(e.reply)}\n${JSON.stringify(e.cards)}`;

const local: PlatformHarness = {
  name: 'local',
  async start({ yaml, env, clock, sweepInterval }) {
    const config = parseConfig(yaml, '/tmp/domainops-contract-local.yaml', env);
    // No `platforms` override: with no `chat:` platform configured the runtime runs the fallback.
    const runtime = await startRuntime({
      config,
      clock,
      sweepInterval,
      logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      // The vendor is a sandbox fake: the playground lets people pick who they are.
      sandbox: { close: async () => undefined },
    });
    const history = async (): Promise<HistoryEntry[]> =>
      ((await (await fetch(`${runtime.url}/api/history`)).json()) as { entries: HistoryEntry[] }).entries;

    return {
      runtime,
      command: (person, command): Call => ({
        path: '/api/command',
        body: { as: person, text: command, key: randomUUID() },
      }),
      click: (person, requestId, decision): Call => ({
        path: '/api/decide',
        body: { as: person, decision, requestId, key: randomUUID() },
      }),
      async deliver(delivery) {
        const { path, body } = delivery as Call;
        const answer = await post(runtime.url, path, body);
        if (answer.status !== 200)
          throw new Error(`${path} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
      },
      // The API answers once the command is handled; what it set off is drained by the chat service.
      settled: async () => undefined,
      shown: async () => (await history()).map(text),
      async card(requestId): Promise<CardView | undefined> {
        const latest = (await history()).findLast((e) => e.reply.requestId === requestId);
        if (latest === undefined) return undefined;
        const actions = latest.cards.webex.actions ?? [];
        return {
          buttons: actions
            .filter((a) => a.type === 'Action.Submit')
            .map((a) => a.data?.domainops as Decision),
          text: text(latest),
        };
      },
      stop: () => runtime.stop(),
    };
  },
};

platformContract(local);
