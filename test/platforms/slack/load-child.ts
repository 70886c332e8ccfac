/**
 * Run by lazy-load.test.ts in a fresh Node process: records every module Node loads (through
 * module.registerHooks), then imports what `domainops start` imports, opens a SQLite store
 * through the composition and creates the Slack platform in HTTP mode (nothing is contacted),
 * then opens (and closes, unconnected) a PostgreSQL store, and prints which of the packages a
 * Slack-only process should not load were loaded at each step, as JSON.
 */
import { registerHooks } from 'node:module';

const loaded: string[] = [];
registerHooks({
  load(url, context, nextLoad) {
    loaded.push(url);
    return nextLoad(url, context);
  },
});

const count = (pattern: RegExp): number => loaded.filter((url) => pattern.test(url)).length;
const snapshot = () => ({
  express: count(/\/node_modules\/express\//),
  pg: count(/\/node_modules\/pg\//),
  opentelemetry: count(/\/node_modules\/@opentelemetry\//),
  boltApp: count(/\/node_modules\/@slack\/bolt\/dist\/App\.js$/),
  boltIndex: count(/\/node_modules\/@slack\/bolt\/dist\/index\.js$/),
});

await import('../../../src/cli/index.ts');
await import('../../../src/runtime.ts');
const { modules } = await import('../../../src/modules.ts');
const { parseConfig } = await import('../../../src/config/load.ts');
const { createLogger } = await import('../../../src/server/logger.ts');
const { createMetrics } = await import('../../../src/server/metrics.ts');
const { systemClock } = await import('../../../src/core/clock.ts');
createMetrics(async () => 0);

const config = parseConfig(
  `store: ":memory:"
targets: {}
chat:
  slack: { botToken: env:BOT, signingSecret: env:SECRET, apiUrl: http://127.0.0.1:9/api }
`,
  '/tmp/domainops.yaml',
  { BOT: 'xoxb-1', SECRET: 'secret' },
);
const sqlite = modules.stores.find((s) => s.accepts(config.store))!;
await sqlite.open(config.store, { clock: systemClock }).close();
const slack = modules.platforms.find((p) => p.name === 'slack')!;
// Created, not started: nothing is contacted.
await slack.create({
  config,
  chat: { app: { clock: systemClock } } as never,
  logger: createLogger({ level: 'silent' }),
  sandbox: false,
});
const slackOnly = snapshot();

const postgres = modules.stores.find((s) => s.name === 'postgres')!;
const pgSetting = { ...config.store, location: 'postgres://nobody@127.0.0.1:9/none' };
await postgres.open(pgSetting, { clock: systemClock }).close();
const withPostgres = snapshot();

process.stdout.write(`${JSON.stringify({ total: loaded.length, slackOnly, withPostgres })}\n`);
process.exit(0);
