import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDnsChecker, type DnsChecker } from '../../adapters/dns/check.ts';
import { createHttpClient, type HttpClient, type Sleep } from '../../adapters/http.ts';
import type { Target, VendorClient } from '../../adapters/types.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { HttpSettings } from '../../src/config/types.ts';
import { systemClock } from '../../src/core/clock.ts';
import { DNS_DEFAULTS } from '../../src/core/config/types.ts';
import { modules } from '../../src/modules.ts';

/**
 * A DNS checker for clients whose tests are about something else: the precheck of validate and
 * verify is off, and a check that runs anyway asks nobody (no resolver is configured).
 */
export const NO_DNS: DnsChecker = createDnsChecker(
  { ...DNS_DEFAULTS, precheck: false },
  { systemResolvers: () => [] },
);

/** The client of a target, made by its vendor module as the app makes it. */
export function createVendorClient(
  target: Target,
  deps: { http: HttpClient; now?: () => number; sleep?: Sleep; dns?: DnsChecker },
): VendorClient {
  const module = modules.vendors.find((m) => m.vendor === target.vendor)!;
  const clock = { now: deps.now ?? systemClock.now, sleep: deps.sleep ?? systemClock.sleep };
  return module.createClient(target, { http: deps.http, clock, dns: deps.dns ?? NO_DNS }) as VendorClient;
}

export const FAST_HTTP: HttpSettings = {
  connectTimeout: 1_000,
  timeout: 2_000,
  retries: 3,
  maxRetryAfter: 10_000,
};

/** An HTTP client whose sleeps are recorded and return at once. */
export function fastHttp(settings: Partial<HttpSettings> = {}): { http: HttpClient; sleeps: number[] } {
  const sleeps: number[] = [];
  const http = createHttpClient(
    { ...FAST_HTTP, ...settings },
    {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    },
  );
  return { http, sleeps };
}

/** A target from a YAML snippet (the body of `targets.<name>`), through the real config loader. */
export function targetFrom(
  name: string,
  yaml: string,
  env: Record<string, string> = {},
  dir = tmpdir(),
): Target {
  const indented = yaml
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  const config = parseConfig(`targets:\n  ${name}:\n${indented}\n`, join(dir, 'domainops.yaml'), env);
  return config.targets[name] as Target;
}

/** Writes a file in a fresh temp folder and returns its path. */
export function tempFile(name: string, content: string | Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'domainops-adapters-'));
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** Asserts that a promise rejects and returns the error for further checks. */
export async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown> & Error;
  }
  throw new Error('expected a rejection');
}

/** Everything a VendorError would show anywhere: message, hint, JSON and the redacted request. */
export function everythingShown(error: unknown): string {
  const e = error as Error & { hint?: unknown; request?: unknown; toJSON?: () => unknown };
  return [e.message, String(e.hint), JSON.stringify(e), JSON.stringify(e.request ?? null)].join('\n');
}
