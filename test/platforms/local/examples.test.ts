/** Every one-click example of the playground works against the sandbox seed, as the page promises. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../../src/app.ts';
import { EXAMPLES } from '../../../src/platforms/local/api.ts';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.ts';

let sandbox: Sandbox;
let app: App;

beforeAll(async () => {
  sandbox = await startSandbox({
    env: {},
    store: join(mkdtempSync(join(tmpdir(), 'domainops-examples-')), 'p.db'),
  });
  app = createApp(sandbox.config);
});
afterAll(async () => {
  await app?.close();
  await sandbox?.close();
});

describe('the playground examples', () => {
  it.each(EXAMPLES.map((e) => [e]))('%s runs (or waits for an approval) as alice', async (text) => {
    const reply = await app.handle(text, {
      platform: 'local',
      id: 'alice@corp.com',
      email: 'alice@corp.com',
    });
    expect(['succeeded', 'pending'], `${text}: ${reply.text}`).toContain(reply.status);
  });
});
