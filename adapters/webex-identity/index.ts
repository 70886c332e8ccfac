/** Webex Identity: the domains of a Webex organization (verify-token, verify, claim, unclaim, unverify). */

import type { AdapterModule } from '../module.ts';
import { webexAuth } from './auth.ts';
import { createWebexClient } from './client.ts';
import { WEBEX_COMMANDS } from './commands.ts';
import type { WebexResult } from './result.ts';
import type { WebexTarget } from './target.ts';
import {
  buildWebexTarget,
  webexLabel,
  webexNotes,
  webexReference,
  webexTargetSchema,
  webexUrls,
} from './target.ts';
import { webexView } from './view.ts';

export const webexIdentity: AdapterModule<WebexTarget> = {
  vendor: 'webex',
  title: 'Webex',
  commands: WEBEX_COMMANDS,
  targetSchema: webexTargetSchema,
  buildTarget: buildWebexTarget,
  label: webexLabel,
  reference: webexReference,
  urls: webexUrls,
  notes: webexNotes,
  createClient: (target, { http, clock, dns }) =>
    createWebexClient(target, http, webexAuth(target, http, clock.now), { dns, clock }),
  view: (result, target) => webexView(result as WebexResult, target),
  // Loaded only when the sandbox starts: a production process never loads the fake.
  sandbox: { start: async (targets) => (await import('./sandbox.ts')).startWebexSandbox(targets) },
};
