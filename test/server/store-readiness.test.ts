/**
 * /readyz and the store: not ready while the store cannot take writes (read-only, full, the
 * file deleted), ready again once it can; the body (`storeError`) and the log name the cause with
 * its code and hint, and `domainops_store_writable` follows.
 */
import { unlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebexFake, type WebexFake } from '../../adapters/webex-identity/sandbox.ts';
import { type Runtime, startRuntime } from '../../src/runtime.ts';
import { type FileStore, fileStore, fillUp } from '../stores/sqlite/store-helpers.ts';
import { capturedLogger, ORG, webexConfig } from './helpers.ts';

const TOKEN = 'wx-token-for-readiness';
let webex: WebexFake;
let runtime: Runtime;
let s: FileStore;
let lines: string[];

beforeAll(async () => {
  webex = await startWebexFake({ orgs: { [ORG]: { claimed: ['abc.com'] } } });
  webex.state.accessTokens.add(TOKEN);
  s = fileStore({ probeInterval: 0 });
  const captured = capturedLogger();
  lines = captured.lines;
  runtime = await startRuntime({
    config: webexConfig(webex.apiUrl, TOKEN),
    platforms: [],
    logger: captured.logger,
    store: s.store,
  });
});

afterAll(async () => {
  await runtime?.stop();
  await webex?.close();
  s?.remove();
});

async function readiness() {
  const res = await fetch(`${runtime.url}/readyz`);
  return { status: res.status, body: await res.json() };
}

async function writable(): Promise<string | undefined> {
  const text = await (await fetch(`${runtime.url}/metrics`)).text();
  return /^domainops_store_writable (\d)$/m.exec(text)?.[1];
}

const logged = (code: string) =>
  lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.code === code);

describe('/readyz and a store that cannot take writes', () => {
  it('is ready while the store takes writes', async () => {
    expect(await readiness()).toEqual({ status: 200, body: { status: 'ready', checks: { store: true } } });
    expect(await writable()).toBe('1');
  });

  it('is not ready while the store is read-only, and logs why and what to do, once', async () => {
    s.db.exec('PRAGMA query_only = 1');
    expect(await readiness()).toEqual({
      status: 503,
      body: {
        status: 'not ready',
        checks: { store: false },
        storeError: {
          code: 'store_read_only',
          message: expect.stringMatching(/^the store is read-only/),
          hint: expect.stringMatching(/write the store file and its folder/),
        },
      },
    });
    expect(await writable()).toBe('0');
    expect(logged('store_read_only')).toEqual([
      expect.objectContaining({
        level: 50,
        msg: expect.stringMatching(/^store not ready: the store is read-only/),
        hint: expect.stringMatching(/write the store file and its folder/),
      }),
    ]);
    s.db.exec('PRAGMA query_only = 0');
    // Ready again: the cause is gone from the body too.
    expect(await readiness()).toEqual({ status: 200, body: { status: 'ready', checks: { store: true } } });
    expect(lines.some((l) => l.includes('the store takes writes again'))).toBe(true);
  });

  it('is not ready while the disk is full', async () => {
    fillUp(s.db);
    expect(await readiness()).toMatchObject({
      status: 503,
      body: {
        checks: { store: false },
        storeError: { code: 'store_full', hint: expect.stringMatching(/free space on the disk/) },
      },
    });
    expect(logged('store_full')).toHaveLength(1);
    s.db.exec('PRAGMA max_page_count = 1000000');
    expect((await readiness()).status).toBe(200);
  });

  it('is not ready once the store file was deleted', async () => {
    unlinkSync(s.file);
    const { status, body } = await readiness();
    expect(status).toBe(503);
    expect(body.storeError).toMatchObject({
      code: 'store_missing',
      message: expect.stringMatching(/deleted or replaced/),
      hint: expect.stringMatching(/restore the file, or restart domainops/),
    });
    // The body never names the store's path (the log does, for operators).
    expect(JSON.stringify(body)).not.toContain(s.file);
    expect(logged('store_missing')).toEqual([
      expect.objectContaining({ msg: expect.stringMatching(/deleted or replaced/) }),
    ]);
  });
});
