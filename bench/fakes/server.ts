/**
 * The fakes process of the bench: the vendor fakes of the modules (adapters/<vendor>/sandbox.ts,
 * started for the bench's targets), a lean Slack Web API fake and the Webex messaging calls the
 * bot framework makes at start, all on loopback ports, in a process of their own so that their
 * work does not share an event loop with the load generator or with domainops. Forked by
 * bench/lib/procs.ts; told what to do over IPC.
 */
import { startWebexSandbox } from '../../adapters/webex-identity/sandbox.ts';
import { startYandexSandbox } from '../../adapters/yandex-org/sandbox.ts';
import type { FakesCommand, FakesInfo } from '../lib/procs.ts';
import { BOT_TOKEN, TARGETS, USERS } from '../lib/setup.ts';
import { startSlackFake } from './slack-api.ts';
import { startWebexApi } from './webex-api.ts';

const of = (vendor: string) =>
  Object.fromEntries(Object.entries(TARGETS).filter(([, t]) => t.vendor === vendor));

const webex = await startWebexSandbox(of('webex'));
const yandex = await startYandexSandbox(of('yandex'));
const slack = await startSlackFake({ botToken: BOT_TOKEN, users: USERS });
const webexApi = await startWebexApi();
const vendors = { webex, yandex };

// The fakes record every request; the bench never reads them, so they are dropped now and then.
const forget = setInterval(() => {
  webex.fake.requests.length = 0;
  yandex.fake.requests.length = 0;
  webexApi.server.requests.length = 0;
}, 1000);

const info: FakesInfo = {
  targets: { ...webex.targets, ...yandex.targets } as Record<string, Record<string, unknown>>,
  env: { ...webex.env, ...yandex.env },
  slackApiUrl: slack.apiUrl,
  webexApiUrl: webexApi.apiUrl,
  webexU2cUrl: webexApi.u2cUrl,
  vendors: { webex: webex.url, yandex: yandex.url },
  pid: process.pid,
};

process.on('message', (message: FakesCommand & { id: number }) => {
  let value: unknown = null;
  switch (message.type) {
    case 'slow':
      // Every request from now on waits this long before it is answered.
      vendors[message.vendor].fake.fault(
        { kind: 'slow', ms: message.ms },
        { times: Number.MAX_SAFE_INTEGER },
      );
      break;
    case 'fast':
      webex.fake.clearFaults();
      yandex.fake.clearFaults();
      break;
    case 'slackCalls':
      value = { ...slack.calls };
      break;
    case 'reset':
      for (const key of Object.keys(slack.calls)) delete slack.calls[key];
      break;
  }
  process.send?.({ type: 'answer', id: message.id, value });
});

process.on('disconnect', () => {
  clearInterval(forget);
  void Promise.allSettled([webex.close(), yandex.close(), slack.close(), webexApi.server.close()]).then(() =>
    process.exit(0),
  );
});

process.send?.({ type: 'ready', info });
