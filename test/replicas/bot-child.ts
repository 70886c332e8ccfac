/**
 * One bot replica as an OS process of its own, for processes.test.ts: loads the config file named
 * by argv[2] (its secrets from the environment), starts the runtime with the platforms the config
 * names, and logs JSON lines on stdout at debug level. Its first line of its own says where it
 * listens (`child ready`). SIGTERM stops it gracefully; the test also kills one with SIGKILL.
 */
import { loadConfig } from '../../src/config/load.ts';
import { startRuntime } from '../../src/runtime.ts';
import { createLogger } from '../../src/server/logger.ts';

const config = loadConfig(process.argv[2]!);
const logger = createLogger({ level: 'debug', env: { LOG_FORMAT: 'json' } });
const runtime = await startRuntime({ config, logger });
logger.info({ url: runtime.url, owner: runtime.app.workflow().owner }, 'child ready');
process.on('SIGTERM', () => {
  void runtime.stop().then(() => process.exit(0));
});
