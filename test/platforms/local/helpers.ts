import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../../src/core/clock.ts';
import { createPlaygroundPlatform } from '../../../src/platforms/local/index.ts';
import { type Runtime, startRuntime } from '../../../src/runtime.ts';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.ts';
import { createLogger } from '../../../src/server/logger.ts';

export interface Playground {
  runtime: Runtime;
  sandbox: Sandbox;
  url: string;
  stop(): Promise<void>;
}

/**
 * The sandbox and a runtime with only the playground, on a free port, with a store in a fresh
 * temporary folder. `sandboxFlag: false` keeps the fakes but tells the platform the targets
 * are real (what a config with real vendors looks like to it).
 */
export async function startPlayground(
  options: {
    sandboxFlag?: boolean;
    host?: string;
    expires?: number;
    sweepInterval?: number;
    /** The runtime's clock (default: real time). */
    clock?: Clock;
  } = {},
): Promise<Playground> {
  const dir = mkdtempSync(join(tmpdir(), 'domainops-playground-'));
  const sandbox = await startSandbox({
    env: {},
    store: join(dir, 'playground.db'),
    ...(options.host === undefined ? {} : { host: options.host }),
  });
  const config = { ...sandbox.config, server: { ...sandbox.config.server, port: 0 } };
  if (options.expires !== undefined) {
    // Every approval rule's requests expire after `expires` ms.
    const expires = options.expires;
    const rules = config.policy.rules.map((rule) =>
      rule.approval.kind === 'required' ? { ...rule, approval: { ...rule.approval, expires } } : rule,
    );
    config.policy = { ...config.policy, rules };
  }
  const runtime = await startRuntime({
    config,
    logger: createLogger({ level: 'silent' }),
    platforms: [createPlaygroundPlatform],
    ...(options.sweepInterval === undefined ? {} : { sweepInterval: options.sweepInterval }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.sandboxFlag === false ? {} : { sandbox }),
  });
  // A listener on 0.0.0.0 is reached through 127.0.0.1.
  const url = runtime.url.replace('0.0.0.0', '127.0.0.1');
  return {
    runtime,
    sandbox,
    url,
    async stop() {
      await runtime.stop();
      if (options.sandboxFlag === false) await sandbox.close();
    },
  };
}

/** POSTs JSON to the playground API the way the page does (same origin). */
export async function post(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
