/**
 * The ports that modules plug into. The core names no vendor, chat platform or store: each of
 * those is a module (adapters/<vendor>/, src/platforms/<name>/, src/stores/<name>/) that the
 * one composition root (src/modules.ts) hands to the core.
 */
import type { z } from 'zod';
import type { Section, Tone } from './cards/model.ts';

export type { Section, Tone } from './cards/model.ts';

/** A vendor request as it goes on the wire (after auth is applied, before redaction). */
export interface PreparedRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT';
  /** Full URL, query included. */
  url: string;
  headers: Record<string, string>;
  /** Serialised body exactly as sent (JSON text or form-encoded text). */
  body?: string;
  /** False for requests with side effects: never retried once they may have reached the vendor. */
  idempotent: boolean;
}

/** A request with secrets replaced by `[REDACTED]`: what dry runs print and errors carry. */
export type RedactedRequest = Omit<PreparedRequest, 'idempotent'>;

/**
 * The vendor-facing part of a command, built by the vendor module's command spec from what the
 * grammar parsed (`{ action: 'unverify', domain: 'abc.com', removePending: true }`). Stored
 * with the request as JSON; only its own module reads the other members.
 */
export type VendorCall = { readonly action: string } & { readonly [member: string]: unknown };

/** What a vendor call returned, normalised by its module; stored as JSON; `action` names the call. */
export type VendorResult = { readonly action: string } & { readonly [member: string]: unknown };

/** The part of every configured target the core reads. */
export interface TargetBase {
  /** The configured name (`prod`). */
  readonly name: string;
  /** The module that runs it (`vendor:` in the config). */
  readonly vendor: string;
}

/** A flag of a command: `--remove-pending`. */
export interface FlagSpec {
  /** Written with its dashes, lower case. */
  readonly name: string;
  readonly summary: string;
  /**
   * Flags of the same command this one cannot be given with (either side may name the other):
   * a command with both is a usage error that says to use one of them.
   */
  readonly excludes?: readonly string[];
}

/** One vendor command: its grammar entry, help text and policy action name in one place. */
export interface VendorCommandSpec {
  /** The canonical name; the policy's `actions:` use it. Lower case letters, digits and `-`. */
  readonly action: string;
  readonly aliases?: readonly string[];
  /** What the one argument is (the grammar validates and normalises it), or `none`. */
  readonly subject: 'domain' | 'email' | 'none';
  readonly flags?: readonly FlagSpec[];
  readonly summary: string;
  readonly description: string;
  /** Whether it removes something at the vendor (what policies usually put behind an approval). */
  readonly destructive: boolean;
  /**
   * Whether it changes something at the vendor. A command with a `domain` or `email` subject that
   * changes something takes a batch of subjects (`unclaim a.com b.com`: one request, one
   * approval, one outcome per subject); a read (`changes: false`: it only looks) takes one.
   * Default: true.
   */
  readonly changes?: boolean;
  readonly example: string;
  /** The vendor call for a normalised subject (empty for `none`) and the flags given (names with dashes). */
  call(subject: string, flags: ReadonlySet<string>): VendorCall;
  /** Facts a request card shows for the call's options (`Remove pending: yes`). */
  facts?(call: VendorCall): import('./cards/model.ts').Fact[];
  /** A warning the approval card shows above its buttons: what approving this call does. */
  warning?(call: VendorCall): string | undefined;
}

/** Plain-text card sections (see src/core/cards/model.ts) that show a result on every platform. */
export interface ResultView {
  title: string;
  tone: Tone;
  sections: Section[];
}

/** Reads a secret reference (`env:NAME`, `file:PATH`) lazily; `path` names the config field. */
export type SecretFactory = (ref: string, path: string) => import('./config/secret.ts').Secret;

/** One config issue: the field path (`targets.x.orgId`) and what is wrong. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** A typed client for one configured target. */
export interface VendorClient {
  readonly vendor: string;
  readonly target: string;
  /**
   * The first request `execute` would send for this call, secrets redacted. Built by the same
   * code as the real request; needs no token and makes no network call.
   */
  describe(call: VendorCall): RedactedRequest;
  /** Performs the call. Throws a VendorError (a DomainopsError with `vendor`) on any failure. */
  execute(call: VendorCall, options?: ExecuteOptions): Promise<VendorResult>;
}

/** What the core gives a vendor call besides the call itself. */
export interface ExecuteOptions {
  signal?: AbortSignal;
  /**
   * A long call (one that waits for something, such as a DNS record to be served) reports where
   * it is: an interim result, shown with the module's `view` on the request's progress card.
   * Cheap to call often: the core stores and shows it at a bounded rate.
   */
  progress?(interim: VendorResult): void;
  /** What earlier requests of the same target found (the core reads the store). */
  history?: CallHistory;
}

/** Earlier results of one target, read from the store. */
export interface CallHistory {
  /** The result of the latest succeeded request of `action` on `subject` (a domain or email), if any. */
  lastResult(action: string, subject: string): Promise<VendorResult | undefined>;
}

/** Target configs as written in domainops.yaml (`vendor:` included), by target name. */
export type TargetConfigs = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/**
 * The built-in sandbox part of a vendor: a local fake of its API that the playground runs when
 * there is no config file, and that the vendor contract tests run every module against.
 */
export interface VendorSandbox {
  /**
   * Starts the fake on 127.0.0.1, seeded with believable state for `targets` (this vendor's
   * targets of the config the sandbox serves), and issues the credentials it accepts.
   */
  start(targets: TargetConfigs): Promise<RunningVendorSandbox>;
}

/** A vendor fake started by `VendorSandbox.start`. */
export interface RunningVendorSandbox {
  /** The fake's root URL: `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  /**
   * What to set in each target given to `start`, by target name: the fields that aim it at the
   * fake (URLs, and whatever else the fake needs, such as faster polling), and an `auth` whose
   * secrets are `env:` references to `env`. Each field replaces the configured one.
   */
  readonly targets: TargetConfigs;
  /**
   * The credentials the fake issued, by environment variable name. They exist only in the
   * environment handed to the config loader, never in the process environment.
   */
  readonly env: Readonly<Record<string, string>>;
  /** From now on answers 429 with `Retry-After` to a share (0–1] of requests; undefined stops it. */
  rateLimit(limit: { share: number; retryAfter?: string } | undefined): void;
  /**
   * The DNS TXT records the fake counts as published now (`{ name, value }`): the sandbox's DNS
   * server serves them, so that what the vendor finds and what a DNS check finds agree.
   */
  publishedTxt?(): readonly { name: string; value: string }[];
  /** The fake itself (its state, the requests it received, scripted faults), for tests. */
  readonly fake: unknown;
  close(): Promise<void>;
}

/**
 * A vendor module: adapters/<vendor>/index.ts exports one. `D` is what its client needs from
 * the process (the shared HTTP layer, the clock); the composition root passes it, the core never
 * creates clients itself.
 */
// biome-ignore lint/suspicious/noExplicitAny: a module's own deps type is its business
export interface VendorModule<T extends TargetBase = any, D = any> {
  /** The `vendor:` value of its targets (`example`). */
  readonly vendor: string;
  /** The vendor's name for people (`Example Identity`). */
  readonly title: string;
  readonly commands: readonly VendorCommandSpec[];
  /** The schema of one target's config, `vendor:` excluded (the composition adds the literal). */
  readonly targetSchema: z.ZodType;
  /** The typed target from the parsed config; secrets are references, read when first needed. */
  buildTarget(name: string, parsed: unknown, secret: SecretFactory): T;
  /** `prod (Example org 1eb6…)`: how people see the target. */
  label(target: T): string;
  /** The vendor-side id alone (`org 1eb6…`, `tenant example.console…`), for check-config. */
  reference(target: T): string;
  /** The URLs domainops connects to for the target, by config path (`targets.x.apiUrl`). */
  urls(target: T): [string, string][];
  /** Notes `check-config` prints about a target that still loads (`note: ` is added). */
  notes?(target: T): string[];
  createClient(target: T, deps: D): VendorClient;
  /** A successful result as card sections, for every platform and for plain text. */
  view(result: VendorResult, target: string): ResultView;
  /** The built-in sandbox: a local fake of the vendor's API. */
  readonly sandbox?: VendorSandbox;
}

/** The `chat.<name>` section a platform module reads. */
export interface PlatformConfigPart {
  readonly schema: z.ZodType;
  /** The typed config from the parsed section; `issue` reports a problem the schema cannot see. */
  build(parsed: unknown, secret: SecretFactory, issue: (issue: ConfigIssue) => void): unknown;
}

/**
 * A chat platform module: src/platforms/<name>/module.ts exports one. It stays small: the
 * platform itself (its SDK, its handlers) is imported by `create` only, so a process loads only
 * the platforms it runs.
 */
export interface PlatformModule {
  /** `chat`: the `chat.<name>` key, the `platform` of its actors and the JSON document's `cards.<name>`. */
  readonly name: string;
  /** Principals of this platform in the policy are `<name>:<id>`; false when people are known by email. */
  readonly platformIds: boolean;
  /**
   * The `chat.<name>` section; the platform runs when the section is present. Absent for a
   * platform that needs no settings.
   */
  readonly config?: PlatformConfigPart;
  /** Runs when no platform is configured (`chat:` names none): the built-in web chat. */
  readonly fallback?: boolean;
  /** Creates the platform; loads its code on call (`await import(…)`), not when the module is imported. */
  create(deps: import('./platform.ts').PlatformDeps): Promise<import('./platform.ts').Platform>;
  /** The card in this platform's wire format, for the JSON document's `cards.<name>`. */
  renderCard?(card: import('./cards/model.ts').Card): unknown;
  /** The URLs of its config by path (`[path, url]`), for check-config's plain-http notes. */
  urls?(config: unknown): [string, string][];
  /** How it is set up, for check-config (`Socket Mode, /domainops`). */
  summary?(config: unknown): string;
  /** The notify destinations it takes (`<name>:<id>` in a rule's notify); absent: none. */
  readonly routing?: import('./platform.ts').PlatformRouting;
}

/** A store module: src/stores/<name>/index.ts exports one. */
export interface StoreModule {
  readonly name: string;
  /** Whether this module serves the `store:` setting (by its location: a path, a URL). */
  accepts(setting: import('./config/types.ts').StoreSetting): boolean;
  /** Opens (and migrates) the store. */
  open(
    setting: import('./config/types.ts').StoreSetting,
    options: { clock: import('./clock.ts').Clock },
  ): import('./requests/store.ts').RequestStore;
  /**
   * What `domainops check-config` says about the store: whether it can be reached and used
   * (a server is connected to; nothing is created), as lines to print. Never prints a password.
   */
  check?(
    setting: import('./config/types.ts').StoreSetting,
    options: { clock: import('./clock.ts').Clock },
  ): Promise<StoreCheck>;
}

/** The store part of `domainops check-config`. */
export interface StoreCheck {
  /** False when domainops could not use the store as configured. */
  ok: boolean;
  /** What was found (`schema 1 of 1`, `role may read and write the tables`), and notes (`note: …`). */
  lines: string[];
}

/** Every module of one composition: what src/modules.ts hands to the core. */
export interface Modules {
  readonly vendors: readonly VendorModule[];
  readonly platforms: readonly PlatformModule[];
  readonly stores: readonly StoreModule[];
}
