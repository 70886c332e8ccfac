/**
 * Run by lazy-load.test.ts in a fresh Node process: records every module Node loads (ESM and
 * CommonJS, through module.registerHooks), imports the core entry points and the composition (whose
 * Webex module renders cards without the framework), then creates the Webex platform through its
 * module, and prints which Webex framework / SDK files were loaded at each step as JSON.
 */
import { registerHooks } from 'node:module';

const loaded: string[] = [];
registerHooks({
  load(url, context, nextLoad) {
    loaded.push(url);
    return nextLoad(url, context);
  },
});

const WEBEX = /\/node_modules\/(webex-node-bot-framework|webex|@webex\/[^/]+)\//;
const webexFiles = (): number => loaded.filter((url) => WEBEX.test(url)).length;
const BOLT = /\/node_modules\/@slack\//;
const boltFiles = (): number => loaded.filter((url) => BOLT.test(url)).length;

await import('../../../src/runtime.ts');
await import('../../../src/cli/index.ts');
await import('../../../src/app.ts');
const { modules } = await import('../../../src/modules.ts');
const afterCore = webexFiles();
// Nor Slack's Bolt: its module, too, loads it only when creating the platform.
const boltAfterCore = boltFiles();

const webex = modules.platforms.find((p) => p.name === 'webex')!;
webex.renderCard?.({ kind: 'help', title: 'Help', tone: 'info', sections: [] });
const afterImport = webexFiles();

const { parseConfig } = await import('../../../src/config/load.ts');
const { createLogger } = await import('../../../src/server/logger.ts');
const config = parseConfig('targets: {}\nchat:\n  webex: { botToken: env:BOT }\n', '/tmp/domainops.yaml', {
  BOT: 'x_y_z',
});
// The platform is only created, not started: nothing is contacted.
await webex.create({
  config,
  chat: {} as never,
  logger: createLogger({ level: 'silent' }),
  sandbox: false,
});
const afterCreate = webexFiles();

process.stdout.write(
  `${JSON.stringify({ total: loaded.length, afterCore, afterImport, afterCreate, boltAfterCore, boltAfterCreate: boltFiles() })}\n`,
);
process.exit(0);
