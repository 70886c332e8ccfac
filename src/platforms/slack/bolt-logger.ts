import { createRequire } from 'node:module';
import type { Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../server/logger.ts';

// From Bolt's App module, not its index (which also loads express): see ./index.ts.
const { LogLevel } = createRequire(import.meta.url)(
  '@slack/bolt/dist/App.js',
) as typeof import('@slack/bolt/dist/App.js');

/**
 * Bolt's logger interface over our structured logger, so Bolt, its Web API client and the Socket
 * Mode client log as JSON with the rest. Bolt's level is ours; `setLevel` from Bolt is ignored.
 */
export function boltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ platform: 'slack', component: 'bolt' });
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]): void => {
      if (!log.isLevelEnabled(level)) return;
      const err = msg.find((m) => m instanceof Error);
      const text = msg
        .filter((m) => m !== err)
        .map((m) => (typeof m === 'string' ? m : JSON.stringify(m)))
        .join(' ');
      if (err) log[level]({ err }, text);
      else log[level](text);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: () => {},
    setName: () => {},
    getLevel: () => (log.isLevelEnabled('debug') ? LogLevel.DEBUG : LogLevel.INFO),
  };
}
