/** What the terminal shows: one line per command, a paced vendor as a retry, readable lines on a terminal. */
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { type Runtime, startRuntime } from '../../src/runtime.ts';
import { createLogger, prettyLogs } from '../../src/server/logger.ts';
import { capturedLogger, ORG, webexConfig } from './helpers.ts';

const TOKEN = 'wx-identity-token-for-logging';
let webex: WebexFake;
let runtime: Runtime;
let lines: string[] = [];

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['abc.com'] } } });
  webex.state.accessTokens.add(TOKEN);
  const config = {
    ...webexConfig(webex.apiUrl, TOKEN),
    http: { connectTimeout: 2000, timeout: 5000, retries: 2, maxRetryAfter: 60_000 },
  };
  const captured = capturedLogger();
  lines = captured.lines;
  // Retry-After waits go through the runtime clock: this one lets short waits pass at once
  // (the sweep's 30 s wait stays a real timer, cancelled at stop).
  const clock = {
    now: () => Date.now(),
    sleep: (ms: number, signal?: AbortSignal) =>
      ms <= 5000 ? Promise.resolve() : delay(ms, undefined, signal ? { signal } : {}),
  };
  runtime = await startRuntime({ config, platforms: [], logger: captured.logger, clock });
});

afterAll(async () => {
  await runtime?.stop();
  await webex?.close();
});

const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the log of a running bot', () => {
  it('has one info line per command: who, what, where, outcome, duration, request id', async () => {
    const alice = { platform: 'local', id: 'alice@corp.com', email: 'alice@corp.com' };
    const asked = await runtime.chat.message({ text: 'unclaim abc.com', actor: alice });
    const line = parsed().find((l) => l.command === 'unclaim' && l.outcome === 'pending');
    expect(line).toMatchObject({
      level: 30,
      who: 'alice@corp.com',
      command: 'unclaim',
      target: 'webex-prod',
      outcome: 'pending',
      requestId: asked?.reply.requestId,
      msg: 'unclaim in webex-prod: pending',
    });
    expect(typeof line?.ms).toBe('number');
  });

  it('logs a 429 that succeeds after its retry as a retry at info, not as a failure', async () => {
    webex.fault({ kind: 'status', status: 429, retryAfter: '1' });
    const bob = { platform: 'local', id: 'bob@corp.com', email: 'bob@corp.com' };
    const alice = { platform: 'local', id: 'alice@corp.com', email: 'alice@corp.com' };
    const asked = await runtime.chat.message({ text: 'unclaim abc.com', actor: alice });
    const done = await runtime.chat.decide({
      decision: 'approve',
      requestId: asked!.reply.requestId!,
      actor: bob,
    });
    expect(done?.reply.status).toBe('succeeded');
    const all = parsed();
    const retry = all.find(
      (l) => typeof l.msg === 'string' && l.msg.includes('answered 429: retrying in 1.0 s'),
    );
    expect(retry).toMatchObject({ level: 30 });
    expect(all.some((l) => l.msg === 'vendor call failed')).toBe(false);
  });
});

describe('readable lines', () => {
  it('are written with LOG_FORMAT=pretty, still scrubbed of secrets', () => {
    let out = '';
    const stream = new Writable({
      write(chunk, _e, done) {
        out += String(chunk);
        done();
      },
    });
    const logger = createLogger({ stream, env: { LOG_FORMAT: 'pretty' } });
    logger.info({ requestId: 'r-12345678', token: 'x' }, 'unclaim in webex-prod: pending');
    expect(out).toMatch(/\d\d:\d\d:\d\d\]? INFO: unclaim in webex-prod: pending/);
    expect(out).toContain('requestId');
    expect(out).not.toMatch(/^\{/);
    expect(out).toContain('[REDACTED]');
  });

  it('are the default on a terminal only; JSON elsewhere and with LOG_FORMAT=json', () => {
    const other = new Writable({ write: (_c, _e, done) => done() });
    expect(prettyLogs({}, other)).toBe(false);
    expect(prettyLogs({ LOG_FORMAT: 'pretty' }, other)).toBe(true);
    expect(prettyLogs({ LOG_FORMAT: 'json' }, process.stdout)).toBe(false);
  });
});
