/** Yandex Cloud Organization Manager: domains of SAML federations and IdP userpools. */

import type { AdapterModule } from '../module.ts';
import { yandexAuth } from './auth.ts';
import { createYandexClient } from './client.ts';
import { YANDEX_COMMANDS, type YandexResult } from './commands.ts';
import type { YandexTarget } from './target.ts';
import { buildYandexTarget, yandexLabel, yandexReference, yandexTargetSchema, yandexUrls } from './target.ts';
import { yandexView } from './view.ts';

export const yandexOrg: AdapterModule<YandexTarget> = {
  vendor: 'yandex',
  title: 'Yandex',
  commands: YANDEX_COMMANDS,
  targetSchema: yandexTargetSchema,
  buildTarget: buildYandexTarget,
  label: yandexLabel,
  reference: yandexReference,
  urls: yandexUrls,
  createClient: (target, { http, clock, dns }) =>
    createYandexClient(target, {
      http,
      auth: yandexAuth(target, http, clock.now),
      now: clock.now,
      sleep: clock.sleep,
      dns,
    }),
  view: (result, target) => yandexView(result as YandexResult, target),
  // Loaded only when the sandbox starts: a production process never loads the fake.
  sandbox: { start: async (targets) => (await import('./sandbox.ts')).startYandexSandbox(targets) },
};
