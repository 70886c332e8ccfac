import { createHttpClient } from '../adapters/index.ts';
import { type App, createApp } from './app.ts';
import type { Config } from './config/types.ts';
import { type ChatService, createChatService } from './core/chat.ts';
import { type Clock, systemClock } from './core/clock.ts';
import {
  configuredPlatforms,
  type Platform,
  type PlatformDeps,
  type PlatformFactory,
} from './core/platform.ts';
import type { RequestStore } from './core/requests/store.ts';
import { type Composition, modules as defaultModules } from './modules.ts';
import { createHttpServer, type HttpServer } from './server/http-server.ts';
import { createLogger, type Logger } from './server/logger.ts';
import { createMetrics } from './server/metrics.ts';

export type { PlatformDeps, PlatformFactory } from './core/platform.ts';

export interface RuntimeOptions {
  config: Config;
  logger?: Logger;
  /** The built-in vendor sandbox is serving the targets; closed with the runtime. */
  sandbox?: { close(): Promise<void> };
  /** The modules to run with (default: src/modules.ts); tests compose their own. */
  modules?: Composition;
  /** Overrides which platforms start (tests); by default the modules' platforms `config.chat` names. */
  platforms?: PlatformFactory[];
  /**
   * How often overdue approvals are expired and executing requests whose lease ran out are
   * reported unknown (default 30 s, or half the lease when that is shorter), in the clock's time.
   */
  sweepInterval?: number;
  /**
   * How often the changes other processes made to the store are read (default 500 ms of real
   * time: other processes do not share a test's clock).
   */
  followInterval?: number;
  /**
   * The one clock of the process (default: real time): request times and expiry, the expiry
   * sweep's waits, vendor retry waits, token lifetimes, operation polling. Tests pass one they move.
   */
  clock?: Clock;
  /** How long shutdown waits for in-flight commands (default 25 s). */
  drainTimeout?: number;
  /** A store to use instead of opening `config.store` (tests); closed with the runtime. */
  store?: RequestStore;
}

export interface Runtime {
  url: string;
  app: App;
  chat: ChatService;
  platforms: Platform[];
  server: HttpServer;
  /** Graceful stop: no new events, in-flight commands finish (up to the drain timeout), store closed. */
  stop(): Promise<void>;
}

/**
 * The platforms `config.chat` asks for: each platform module whose `chat.<name>` section is
 * present, or the fallback (the playground) when none is. A module loads its platform's code
 * only when created, so a process never loads a platform it does not run.
 */
export function platformsFor(config: Config, modules: Composition = defaultModules): PlatformFactory[] {
  return configuredPlatforms(modules.platforms, config.chat).map((m) => (deps) => m.create(deps));
}

/** Starts domainops: store recovery, platforms, the HTTP server and the expiry sweep. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config } = options;
  const modules = options.modules ?? defaultModules;
  const logger = options.logger ?? createLogger();
  const clock = options.clock ?? systemClock;
  let app: App | undefined;
  const metrics = createMetrics(
    async () => (app ? await app.workflow().pendingCount() : 0),
    async () => (app ? (await storeHealth()).ok : false),
  );
  const http = createHttpClient(config.http, {
    now: clock.now,
    sleep: clock.sleep,
    observe: (attempt) => {
      metrics.vendorAttempt(attempt);
      // Method, host, path and status only: never headers or bodies, which carry credentials.
      if (attempt.retryIn !== undefined) {
        // A 429 or 503 answered with Retry-After is the vendor pacing us, not a failure.
        logger.info(
          { vendorCall: attempt },
          `${attempt.vendor} answered ${attempt.status}: retrying in ${(attempt.retryIn / 1000).toFixed(1)} s`,
        );
      } else if (attempt.status === 'error' || attempt.status >= 400) {
        logger.warn({ vendorCall: attempt }, 'vendor call failed');
      }
    },
  });
  let chat: ChatService | undefined;
  app = createApp(config, {
    modules,
    http,
    clock,
    ...(options.store ? { store: options.store } : {}),
    // Store latency for /metrics.
    onStoreOperation: (operation, seconds, ok) => metrics.storeOperation(operation, seconds, ok),
    // However a request expires (the sweep, or found overdue on access), its card says so:
    // updated in Slack, a reply in the card's thread in Webex, an entry in the playground.
    onExpired: (record) => {
      logger.info({ requestId: record.id }, 'request expired without enough approvals');
      void chat?.changed([record]);
    },
    // The person was told "outcome unknown"; the result is stored in the background once the store
    // takes writes again, and then shown where the request is (its card, or where it was typed).
    onResultNotStored: (request, error) => {
      logger.error(
        { requestId: request.id, action: request.action, target: request.target, err: error },
        'the vendor call finished but its result could not be stored: reported as outcome unknown; retrying in the background',
      );
    },
    onLateResult: (record) => {
      logger.info({ requestId: record.id, status: record.status }, 'result stored after a store failure');
      void chat?.changed([record]);
    },
    onLeaseRenewal: (outcome) => {
      metrics.leaseRenewal(outcome);
      if (outcome === 'lost') {
        logger.warn(
          'another process reported a request this one is running as unknown (its lease ran out): the result is still stored, marked late',
        );
      }
    },
  });
  const flow = app.workflow();

  /** The store's health; a change is logged once, with its code and hint (the store path for operators). */
  let storeProblem: string | undefined;
  const storeHealth = async () => {
    const health = await flow.health();
    const code = health.ok ? undefined : health.error.code;
    if (code !== storeProblem) {
      if (health.ok) logger.info({ store: config.store }, 'the store takes writes again');
      else {
        const { message, hint } = health.error;
        logger.error({ store: config.store, code, hint }, `store not ready: ${message}`);
      }
      storeProblem = code;
    }
    return health;
  };

  const recovered = await flow.recover();
  for (const request of recovered.unknown) {
    logger.warn(
      { requestId: request.id, action: request.action, target: request.target },
      'request was executing when the process stopped: its outcome is unknown and it will not be run again',
    );
  }
  for (const outcome of recovered.resumed) {
    logger.info({ requestId: outcome.request?.id, status: outcome.status }, 'approved request resumed');
  }

  chat = createChatService(app, {
    logger,
    metrics,
    now: clock.now,
    sandbox: options.sandbox !== undefined,
  });
  const deps: PlatformDeps = { config, chat, logger, sandbox: options.sandbox !== undefined };
  const platforms: Platform[] = [];
  for (const factory of options.platforms ?? platformsFor(config, modules))
    platforms.push(await factory(deps));
  // Every platform hears of changes to requests whose cards it posted (made elsewhere, or expiries).
  chat.attach(platforms);

  const server = createHttpServer({
    routes: platforms.flatMap((p) => p.routes),
    metrics,
    logger,
    ready: async () => {
      // Not ready when the store cannot take writes (full, read-only, deleted or replaced,
      // corrupt, locked for long): commands would fail. The body and the log name the cause and
      // the fix (the store errors' messages never name the file).
      const health = await storeHealth();
      const checks: Record<string, boolean> = { store: health.ok };
      for (const p of platforms) checks[p.name] = p.ready();
      const ok = Object.values(checks).every(Boolean);
      if (health.ok) return { ok, checks };
      const { code, message, hint } = health.error;
      return { ok, checks, storeError: { code, message, ...(hint === undefined ? {} : { hint }) } };
    },
  });
  const url = await server.listen(config.server.host, config.server.port);
  for (const p of platforms) await p.start();
  // Cards of requests that recovery settled (outcome unknown, or resumed and run) show it too;
  // in the background (counted for shutdown), so a slow chat API does not hold up the start.
  void chat.changed([
    ...recovered.unknown,
    ...recovered.resumed.flatMap((outcome) => (outcome.request ? [outcome.request] : [])),
  ]);
  // Changes made by other processes (replicas, the command line) reach the cards posted here.
  const following =
    platforms.length > 0
      ? chat.follow(options.followInterval === undefined ? {} : { interval: options.followInterval })
      : undefined;

  // The expiry sweep waits on the clock, so a test clock drives it. One sweep at a time: the next
  // wait starts when a sweep has finished, and stopping waits for a sweep under way. It also
  // reports executing requests whose lease ran out (their process stopped): every replica
  // checks, each such request is reported once, and often enough that none waits much past its
  // lease.
  const lease = config.store.lease ?? 60_000;
  const sweepInterval = Math.min(options.sweepInterval ?? 30_000, Math.max(1, Math.floor(lease / 2)));
  const sweepStop = new AbortController();
  const sweeping = (async () => {
    for (;;) {
      try {
        await clock.sleep(sweepInterval, sweepStop.signal);
      } catch {
        return; // stopped
      }
      try {
        // Each expiry is reported through onExpired.
        await flow.sweep();
      } catch (error) {
        logger.error({ err: error }, 'expiry sweep failed');
      }
      try {
        const lost = await flow.expireLeases();
        for (const request of lost) {
          logger.warn(
            { requestId: request.id, action: request.action, target: request.target },
            'the process running this request stopped renewing its lease: its outcome is unknown and it will not be run again',
          );
        }
        if (lost.length > 0) void chat.changed(lost);
      } catch (error) {
        logger.error({ err: error }, 'lease check failed');
      }
    }
  })();

  logger.info(
    { url, platforms: platforms.map((p) => p.name), sandbox: options.sandbox !== undefined },
    'domainops started',
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      sweepStop.abort();
      logger.info('stopping: no new events; waiting for commands in flight');
      await Promise.allSettled(platforms.map((p) => p.stop()));
      const closed = server.close();
      // A sweep under way finishes first, so the cards of what it expired are updated in the drain.
      await sweeping;
      await following?.stop();
      const drained = await chat.drain(options.drainTimeout ?? 25_000);
      if (!drained)
        logger.warn('commands still in flight at the drain timeout; their outcome will show as unknown');
      await closed;
      await app.close();
      await options.sandbox?.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  return { url, app, chat, platforms, server, stop };
}
