/**
 * Run by lazy-load.test.ts in a fresh Node process: records every module Node loads (ESM and
 * CommonJS, through module.registerHooks), imports the core entry points, then creates the Webex
 * platform, and prints which Webex framework / SDK files were loaded at each step as JSON.
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

await import('../../../src/runtime.ts');
await import('../../../src/cli/index.ts');
await import('../../../src/app.ts');
const afterCore = webexFiles();

const { createWebexPlatform } = await import('../../../src/platforms/webex/index.ts');
const afterImport = webexFiles();

const { parseConfig } = await import('../../../src/config/load.ts');
const { createLogger } = await import('../../../src/server/logger.ts');
const config = parseConfig('targets: {}\nchat:\n  webex: { botToken: env:BOT }\n', '/tmp/domainops.yaml', {
  BOT: 'x_y_z',
});
// The platform is only created, not started: nothing is contacted.
await createWebexPlatform({
  config,
  chat: {} as never,
  logger: createLogger({ level: 'silent' }),
  sandbox: false,
});
const afterCreate = webexFiles();

process.stdout.write(`${JSON.stringify({ total: loaded.length, afterCore, afterImport, afterCreate })}\n`);
process.exit(0);
