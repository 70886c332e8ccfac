/**
 * The composition root: the one file that names the vendor, platform and store modules. The
 * core (src/core/) receives them from here; adding a vendor, a platform or a store is a new
 * module and one line below.
 */
import { f5xc } from '../adapters/f5xc/index.ts';
import { webexIdentity } from '../adapters/webex-identity/index.ts';
import { yandexOrg } from '../adapters/yandex-org/index.ts';
import { createGrammar, type Grammar } from './core/grammar/index.ts';
import type { Modules } from './core/ports.ts';
import { localModule } from './platforms/local/module.ts';
import { slackModule } from './platforms/slack/module.ts';
import { webexModule } from './platforms/webex/module.ts';
import { postgresStore } from './stores/postgres/index.ts';
import { sqliteStore } from './stores/sqlite/index.ts';

/** A composition: its modules and the grammar their commands make. */
export interface Composition extends Modules {
  readonly grammar: Grammar;
}

/** Puts modules together (tests compose their own, e.g. with a toy vendor). */
export function compose(modules: Modules): Composition {
  const vendors = new Set<string>();
  for (const m of modules.vendors) {
    if (vendors.has(m.vendor)) throw new Error(`two vendor modules are called ${m.vendor}`);
    vendors.add(m.vendor);
  }
  const platforms = new Set<string>(['cli', 'system']);
  for (const p of modules.platforms) {
    if (platforms.has(p.name)) throw new Error(`a platform module cannot be called ${p.name}`);
    platforms.add(p.name);
  }
  return { ...modules, grammar: createGrammar(modules.vendors) };
}

/** What domainops runs with. */
export const modules: Composition = compose({
  vendors: [webexIdentity, f5xc, yandexOrg],
  platforms: [webexModule, slackModule, localModule],
  stores: [sqliteStore, postgresStore],
});
