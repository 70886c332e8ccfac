/** F5 Distributed Cloud: the tenant's domain-owner privilege. */

import type { AdapterModule } from '../module.ts';
import { createF5Client } from './client.ts';
import { F5_COMMANDS, type F5Result } from './commands.ts';
import type { F5Target } from './target.ts';
import { buildF5Target, f5Label, f5Reference, f5TargetSchema, f5Urls } from './target.ts';
import { f5View } from './view.ts';

export const f5xc: AdapterModule<F5Target> = {
  vendor: 'f5xc',
  title: 'F5 XC',
  commands: F5_COMMANDS,
  targetSchema: f5TargetSchema,
  buildTarget: buildF5Target,
  label: f5Label,
  reference: f5Reference,
  urls: f5Urls,
  createClient: (target, { http }) => createF5Client(target, http),
  view: (result, target) => f5View(result as F5Result, target),
  // Loaded only when the sandbox starts: a production process never loads the fake.
  sandbox: { start: async (targets) => (await import('./sandbox.ts')).startF5Sandbox(targets) },
};
