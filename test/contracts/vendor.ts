/**
 * The vendor contract: what every vendor module promises, checked against the module's own
 * sandbox fake (`VendorModule.sandbox`). Generic: what differs between vendors is a small
 * fixture (`VendorContract`, one per module in test/contracts/vendors/).
 *
 * For every action of the module:
 * - the sample call succeeds against the seeded sandbox, and the dry run (`describe`) is exactly
 *   the request the fake received: method, URL, body and every header it shows, with the
 *   credential present on the wire and redacted in the dry run;
 * - every error status the vendor documents, scripted into the fake, is a VendorError of this
 *   vendor with the documented code, outcome and a hint, carrying the dry-run request and no
 *   credential.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createDnsChecker } from '../../adapters/dns/check.ts';
import { type SandboxDns, startSandboxDns } from '../../adapters/dns/sandbox-dns.ts';
import { createHttpClient } from '../../adapters/http.ts';
import { REDACTED } from '../../adapters/redact.ts';
import { isScriptableFake, type RecordedRequest, type ScriptableFake } from '../../adapters/sandbox-http.ts';
import type { VendorErrorCode } from '../../adapters/vendor-error.ts';
import { parseConfig } from '../../src/config/load.ts';
import { VendorFailure } from '../../src/core/errors.ts';
import type {
  RedactedRequest,
  RunningVendorSandbox,
  VendorCall,
  VendorClient,
  VendorModule,
} from '../../src/core/ports.ts';
import { type Composition, modules as defaultModules } from '../../src/modules.ts';

/** One error status as the vendor documents it, and what domainops makes of it. */
export interface DocumentedError {
  status: number;
  code: VendorErrorCode;
  /** A part of the hint the person in chat is shown. */
  hint: string;
  /** `unknown` when the vendor may have acted (default `failed`). */
  outcome?: 'failed' | 'unknown';
  /** Only for these actions (default: every action of the module). */
  actions?: readonly string[];
  /** The error body as the vendor sends it (default: the fake's vendor-shaped body for the status). */
  body?: string;
  /** `Retry-After` of the answer, as sent. */
  retryAfter?: string;
  /** The vendor's own message the error must carry. */
  vendorMessage?: string;
  /** Told apart in the test name (`gRPC 9 FAILED_PRECONDITION`). */
  label?: string;
}

/** What the contract needs to know about one vendor module. */
export interface VendorContract {
  /** The module's `vendor:` name. */
  vendor: string;
  /**
   * A target as written in domainops.yaml, without what the module's sandbox sets (URLs, auth):
   * the sandbox aims it at the fake and seeds the fake for it.
   */
  target: Readonly<Record<string, unknown>>;
  /** One call per action, as a command gives it: the subject and flags; each succeeds in the sandbox. */
  samples: Readonly<Record<string, { subject: string; flags?: readonly string[] }>>;
  /** Every error status the vendor documents for these calls. */
  errors: readonly DocumentedError[];
  /**
   * Actions that ask DNS, not the vendor (Webex `dns-check`): their dry run names the DNS query
   * (a `dns:` URI, RFC 4501), the fake receives nothing, and no vendor status applies. Their
   * sample may find the record not served (a `failed` outcome): nothing was sent either way.
   */
  dnsOnly?: readonly string[];
}

const TARGET = 'contract';

/** Statuses every HTTP vendor answers: a refused credential, a refused caller, throttling. */
const ALWAYS_DOCUMENTED = [401, 403, 429];

/** The request as the dry run shows it and as the fake received it are the same request. */
function expectSameRequest(
  shown: RedactedRequest,
  received: RecordedRequest | undefined,
  base: string,
  secrets: readonly string[],
): void {
  expect(received, 'the fake received no request').toBeDefined();
  const wire = received!;
  expect(wire.method).toBe(shown.method);
  expect(`${base}${wire.path}`).toBe(shown.url);
  expect(wire.body).toBe(shown.body ?? '');
  const headers = Object.fromEntries(Object.entries(shown.headers).map(([k, v]) => [k.toLowerCase(), v]));
  expect(wire.headers['content-type'], 'content-type').toBe(headers['content-type']);
  for (const [name, value] of Object.entries(headers)) {
    if (name !== 'authorization') expect(wire.headers[name], name).toBe(value);
  }
  // The credential: on the wire in full, in the dry run with its scheme only.
  const redacted = headers.authorization;
  expect(redacted, 'the dry run shows no Authorization header').toBeDefined();
  expect(redacted).toContain(REDACTED);
  expect(wire.headers.authorization, 'the fake received no Authorization header').toBeDefined();
  expect(wire.headers.authorization).not.toContain(REDACTED);
  expect(secrets.map((secret) => redacted!.replace(REDACTED, secret))).toContain(wire.headers.authorization);
  for (const secret of secrets) expect(JSON.stringify(shown)).not.toContain(secret);
}

/** Defines the contract tests of one vendor module. */
export function vendorContract(
  module: VendorModule,
  contract: VendorContract,
  composition: Composition = defaultModules,
): void {
  const actions = module.commands.map((c) => c.action);

  describe(`vendor module ${module.vendor}`, () => {
    let running: RunningVendorSandbox | undefined;
    let fake: ScriptableFake;
    let client: VendorClient;
    let secrets: string[];
    let dns: SandboxDns | undefined;
    // One retry, and waits that return at once: retried statuses are answered twice.
    const http = createHttpClient(
      { connectTimeout: 1_000, timeout: 5_000, retries: 1, maxRetryAfter: 10_000 },
      { sleep: async () => {}, random: () => 0.5 },
    );
    const clock = { now: () => Date.now(), sleep: async () => {} };

    const callFor = (action: string): VendorCall => {
      const spec = module.commands.find((c) => c.action === action)!;
      const sample = contract.samples[action]!;
      return spec.call(sample.subject, new Set(sample.flags ?? []));
    };

    beforeAll(async () => {
      if (module.sandbox === undefined) return;
      running = await module.sandbox.start({ [TARGET]: { ...contract.target, vendor: module.vendor } });
      if (!isScriptableFake(running.fake)) {
        throw new Error(
          `the sandbox fake of vendor ${module.vendor} does not record requests or take scripted faults: build it on adapters/sandbox-http.ts`,
        );
      }
      fake = running.fake;
      secrets = Object.values(running.env);
      const target = { ...contract.target, vendor: module.vendor, ...running.targets[TARGET] };
      const config = parseConfig(
        stringify({ targets: { [TARGET]: target } }),
        join(tmpdir(), 'domainops.yaml'),
        { ...running.env },
        composition,
      );
      // The sandbox's DNS serves what the fake published; the precheck of validate/verify is off
      // (it reads before it sends: the dry run is the request that changes something).
      dns = await startSandboxDns(() => running?.publishedTxt?.() ?? []);
      const checker = createDnsChecker({
        ...config.dns,
        ...dns.settings,
        timeout: 1_000,
        precheck: false,
      });
      client = module.createClient(config.targets[TARGET]!, { http, clock, dns: checker });
    });
    afterEach(() => fake?.clearFaults());
    afterAll(async () => {
      await http.close();
      await running?.close();
      await dns?.close();
    });

    it('has a sandbox, and the fixture has one sample call per action', () => {
      expect(module.sandbox, `vendor ${module.vendor} has no sandbox`).toBeDefined();
      expect(Object.keys(contract.samples).sort()).toEqual([...actions].sort());
      for (const action of actions) {
        if (contract.dnsOnly?.includes(action)) continue;
        const statuses = contract.errors
          .filter((e) => e.actions === undefined || e.actions.includes(action))
          .map((e) => e.status);
        for (const status of ALWAYS_DOCUMENTED) expect(statuses, `${action}: ${status}`).toContain(status);
        expect(
          statuses.some((s) => s >= 500),
          `${action}: a 5xx`,
        ).toBe(true);
      }
      for (const e of contract.errors) for (const a of e.actions ?? []) expect(actions).toContain(a);
    });

    describe.each(actions.filter((a) => contract.dnsOnly?.includes(a)))('%s (asks DNS only)', (action) => {
      it('the dry run is the DNS query, and the vendor receives nothing', async () => {
        const call = callFor(action);
        const shown = client.describe(call);
        expect(shown.url.startsWith('dns:'), shown.url).toBe(true);
        for (const secret of secrets) expect(JSON.stringify(shown)).not.toContain(secret);
        const before = fake.requests.length;
        const outcome = await client.execute(call).then(
          (result) => result.action,
          (error: unknown) => error,
        );
        if (typeof outcome !== 'string') {
          expect(outcome).toBeInstanceOf(VendorFailure);
          expect((outcome as VendorFailure).outcome).toBe('failed');
        } else expect(outcome).toBe(action);
        expect(fake.requests.length).toBe(before);
      });
    });

    describe.each(actions.filter((a) => !contract.dnsOnly?.includes(a)))('%s', (action) => {
      it('the dry run is the request the vendor receives, its credential redacted', async () => {
        const call = callFor(action);
        const shown = client.describe(call);
        const before = fake.requests.length;
        const result = await client.execute(call);
        expect(result.action).toBe(action);
        expectSameRequest(shown, fake.requests[before], running!.url, secrets);
      });

      const documented = contract.errors.filter((e) => e.actions === undefined || e.actions.includes(action));
      for (const e of documented) {
        const name = `HTTP ${e.status}${e.label ? ` (${e.label})` : ''} is ${e.code}${e.outcome === 'unknown' ? ', outcome unknown' : ''}, with a hint`;
        it(name, async () => {
          fake.fault(
            {
              kind: 'status',
              status: e.status,
              ...(e.body === undefined ? {} : { body: e.body, contentType: 'application/json' }),
              ...(e.retryAfter === undefined ? {} : { retryAfter: e.retryAfter }),
            },
            { times: 10 },
          );
          const call = callFor(action);
          const shown = client.describe(call);
          const before = fake.requests.length;
          const error = await client.execute(call).then(
            () => undefined,
            (failure: unknown) => failure,
          );
          expect(error, 'the call succeeded').toBeInstanceOf(VendorFailure);
          const failure = error as VendorFailure & { vendorMessage?: string; request?: RedactedRequest };
          expect(failure).toMatchObject({
            vendor: module.vendor,
            code: e.code,
            status: e.status,
            outcome: e.outcome ?? 'failed',
          });
          expect(failure.hint, 'no hint').toBeTypeOf('string');
          expect(failure.hint).toContain(e.hint);
          if (e.vendorMessage !== undefined) expect(failure.vendorMessage).toBe(e.vendorMessage);
          expect(failure.request).toEqual(shown);
          expectSameRequest(shown, fake.requests[before], running!.url, secrets);
          const everything = [
            failure.message,
            failure.hint,
            JSON.stringify(failure),
            JSON.stringify(failure.request),
          ];
          for (const secret of secrets) expect(everything.join('\n')).not.toContain(secret);
        });
      }
    });
  });
}
