/**
 * The built-in vendor sandbox: the fake of every vendor module the example config of manifest/
 * has targets of, each seeded with believable state by its module, and the config pointed at
 * them. `domainops start` runs it when there is no config file, so a new user sees the whole
 * pipeline with no accounts. Which vendors there are, and what each fake needs, is the vendor
 * modules' business (`VendorModule.sandbox`): this file names none of them.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { type SandboxDns, startSandboxDns } from '../../adapters/dns/sandbox-dns.ts';
import { parseConfig } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import { ConfigError } from '../core/errors.ts';
import type { RunningVendorSandbox } from '../core/ports.ts';
import { type Composition, modules as defaultModules } from '../modules.ts';

/** The example config the sandbox serves. */
export const EXAMPLE_CONFIG = fileURLToPath(
  new URL('../../manifest/domainops.example.yaml', import.meta.url),
);

/** Where the playground keeps its requests, relative to the working directory. */
export const PLAYGROUND_STORE = './data/playground.db';

/**
 * Starts the playground's store afresh: deletes the SQLite file at `path` and its journal
 * files. The fakes keep their state in memory and begin from their seed at every start, so
 * requests and audit kept from an earlier run would describe vendor state that is gone (a
 * domain unclaimed that is claimed again, pending requests whose cards are gone): the store
 * starts over with them. Returns whether there was anything to delete.
 */
export function resetPlaygroundStore(path: string): boolean {
  let found = false;
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (!existsSync(file)) continue;
    rmSync(file, { force: true });
    found = true;
  }
  return found;
}

/** Share of vendor requests answered 429 while rate limiting is on. */
export const RATE_LIMIT_SHARE = 1 / 3;

export interface SandboxOptions {
  /** The environment: `PORT` overrides the port, `DOMAINOPS_SANDBOX_RATELIMIT=on` starts with 429s on. */
  env?: NodeJS.ProcessEnv;
  /** Overrides `server.host` of the example config (127.0.0.1). */
  host?: string;
  /** Overrides the store path (tests use a temporary folder). Default `./data/playground.db`. */
  store?: string;
  /** Overrides the config file the sandbox serves (default: the example in manifest/). */
  configFile?: string;
  /** The modules whose fakes serve the targets (default: the composition domainops runs with). */
  modules?: Composition;
}

export interface Sandbox {
  /** The served config with every target aimed at the fakes. */
  config: Config;
  /** The absolute path of the playground's store (the config's `store:`). */
  store: string;
  /** The running fake of each vendor the config has targets of, by `vendor:` name. */
  vendors: Readonly<Record<string, RunningVendorSandbox>>;
  /**
   * The sandbox's DNS: resolver and nameserver of every zone, serving the TXT records the fakes
   * count as published (`dns:` of the config points at it).
   */
  dns: SandboxDns;
  /** Switches 429 answers (Retry-After: 1) on or off for a share of requests to every fake. */
  ratelimit(on: boolean): void;
  close(): Promise<void>;
}

type TargetConfig = Readonly<Record<string, unknown>>;

/** Starts the fakes, seeds them and builds the config that points at them. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const env = options.env ?? process.env;
  const modules = options.modules ?? defaultModules;
  const file = options.configFile ?? EXAMPLE_CONFIG;
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const targets = (doc.toJS() as { targets?: Record<string, TargetConfig> } | null)?.targets ?? {};

  // The targets of each vendor, by name. A target naming no module is left to the config loader.
  const byVendor = new Map<string, Record<string, TargetConfig>>();
  for (const [name, target] of Object.entries(targets)) {
    const vendor = target?.vendor;
    if (typeof vendor !== 'string' || !modules.vendors.some((m) => m.vendor === vendor)) continue;
    byVendor.set(vendor, { ...byVendor.get(vendor), [name]: target });
  }

  const vendors: Record<string, RunningVendorSandbox> = {};
  let dns: SandboxDns | undefined;
  const close = async (): Promise<void> => {
    await Promise.allSettled([...Object.values(vendors).map((v) => v.close()), dns?.close()]);
  };
  const started = await Promise.allSettled(
    modules.vendors
      .filter((m) => byVendor.has(m.vendor))
      .map(async (m) => {
        const own = byVendor.get(m.vendor)!;
        if (m.sandbox === undefined) {
          throw new ConfigError(
            Object.keys(own).map((name) => ({
              path: `targets.${name}.vendor`,
              message: `vendor ${m.vendor} has no built-in sandbox`,
            })),
            `the sandbox can serve only targets of vendors with a sandbox: remove these from ${file}, or give the ${m.vendor} module a sandbox`,
          );
        }
        vendors[m.vendor] = await m.sandbox.start(own);
      }),
  );

  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    // One DNS for every fake: what a vendor counts as published is what a DNS check finds.
    dns = await startSandboxDns(() => Object.values(vendors).flatMap((v) => v.publishedTxt?.() ?? []));
    const secrets: Record<string, string> = {};
    const issuer: Record<string, string> = {};
    for (const [vendor, running] of Object.entries(vendors)) {
      for (const [name, value] of Object.entries(running.env)) {
        if (Object.hasOwn(issuer, name))
          throw new Error(`the sandboxes of vendors ${issuer[name]} and ${vendor} both issue ${name}`);
        issuer[name] = vendor;
        secrets[name] = value;
      }
      for (const [name, fields] of Object.entries(running.targets)) {
        if (byVendor.get(vendor)?.[name] === undefined)
          throw new Error(
            `the sandbox of vendor ${vendor} set fields of target ${name}, which is not its own`,
          );
        for (const [key, value] of Object.entries(fields)) doc.setIn(['targets', name, key], value);
      }
    }
    const store = resolve(options.store ?? PLAYGROUND_STORE);
    doc.set('store', store);
    // The playground is the only chat platform of the sandbox.
    doc.delete('chat');
    if (options.host !== undefined) doc.setIn(['server', 'host'], options.host);
    // dns-check, the precheck of validate/verify and --wait ask the sandbox's DNS, at a playground pace.
    doc.set('dns', {
      resolvers: dns.settings.resolvers.map((r) => `${r.host}:${r.port}`),
      port: dns.settings.port,
      timeout: '1s',
      interval: '2s',
      wait: '1m',
    });
    const config = parseConfig(String(doc), file, { ...env, ...secrets }, modules);

    const ratelimit = (on: boolean): void => {
      const limit = on ? { share: RATE_LIMIT_SHARE, retryAfter: '1' } : undefined;
      for (const running of Object.values(vendors)) running.rateLimit(limit);
    };
    if (/^(1|on|true|yes)$/i.test(env.DOMAINOPS_SANDBOX_RATELIMIT ?? '')) ratelimit(true);
    return { config, store, vendors, dns, ratelimit, close };
  } catch (error) {
    await close();
    throw error;
  }
}
