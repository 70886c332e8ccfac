import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { configPath, loadConfig } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import { ConfigError, DomainopsError, ExitCode } from '../core/errors.ts';
import type { CliIo } from './index.ts';

/** Throws the listen error (EADDRINUSE, …) when `host:port` cannot be listened on; port 0 always can. */
async function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/**
 * `domainops start`. With a config file: its targets and chat platforms (the playground when
 * none is configured). With no config file at all: the example config of manifest/ against the
 * built-in vendor sandbox, so a new user sees domainops work with no accounts or credentials.
 * The sandbox begins from its seed at every start, and so does the playground's store: each
 * start is a fresh playground. Runs until SIGTERM or SIGINT, then shuts down gracefully.
 */
export async function startCommand(configOption: string | undefined, io: CliIo): Promise<number> {
  const file = configPath(configOption, io.env);
  const explicit = configOption !== undefined || Boolean(io.env.DOMAINOPS_CONFIG);
  let config: Config;
  let sandbox: { close(): Promise<void> } | undefined;
  /** Clears the playground's store; true when there was one. */
  let startAfresh: (() => boolean) | undefined;
  try {
    if (!explicit && !existsSync(file)) {
      const { startSandbox, resetPlaygroundStore } = await import('../sandbox/index.ts');
      const started = await startSandbox({ env: io.env });
      config = started.config;
      sandbox = started;
      startAfresh = () => resetPlaygroundStore(started.store);
      io.stderr(
        `No ${file}: starting the playground with the example config against the built-in vendor SANDBOX.`,
      );
      if (/^(1|on|true|yes)$/i.test(io.env.DOMAINOPS_SANDBOX_RATELIMIT ?? '')) {
        io.stderr(
          'Sandbox rate-limit mode is on (DOMAINOPS_SANDBOX_RATELIMIT): one vendor request in three is answered 429 with Retry-After: 1, and retried.',
        );
      }
    } else {
      config = loadConfig(file, io.env);
      // Fail fast on a secret that does not resolve, before any platform connects.
      for (const secret of config.secrets) secret.reveal();
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}${error.hint ? `\n${error.hint}` : ''}`);
      return ExitCode.failure;
    }
    throw error;
  }
  const { startRuntime } = await import('../runtime.ts');
  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  try {
    if (startAfresh) {
      // Never the store of a domainops that is still running there: it would lose its data.
      await ensurePortFree(config.server.host, config.server.port);
      if (startAfresh()) {
        io.stderr(
          `Starting afresh: the sandbox begins from its seed at every start, so the playground's requests and audit (${config.store.location}) were cleared with it.`,
        );
      }
    }
    runtime = await startRuntime({ config, ...(sandbox ? { sandbox } : {}) });
  } catch (error) {
    // A store that cannot be opened (corrupt, read-only, busy, …) or a port in use: the code, what
    // is wrong and what to do, not a stack trace.
    await sandbox?.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const where = `${config.server.host}:${config.server.port}`;
      io.stderr(
        code === 'EADDRINUSE'
          ? `domainops could not start: port ${config.server.port} on ${config.server.host} is taken by another process; set PORT or server.port to a free port`
          : `domainops could not start: cannot listen on ${where} (${code}); set server.host and PORT or server.port to an address this host may use`,
      );
      return ExitCode.failure;
    }
    if (error instanceof DomainopsError) {
      io.stderr(
        `domainops could not start: ${error.code}: ${error.message}${error.hint ? `\n${error.hint}` : ''}`,
      );
      return ExitCode.failure;
    }
    throw error;
  }
  io.stderr(`domainops is listening on ${runtime.url}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      runtime.stop().then(resolve, resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  return ExitCode.ok;
}
