import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./load-child.ts', import.meta.url));

describe('a Slack-only process loads what it runs, and no more', () => {
  it("loads Bolt's App but not its index (express), prom-client's metrics but not @opentelemetry, and pg only for a PostgreSQL store", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CHILD]);
    const counts = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      total: number;
      slackOnly: Record<string, number>;
      withPostgres: Record<string, number>;
    };
    expect(counts.total).toBeGreaterThan(100);
    expect(counts.slackOnly).toEqual({ express: 0, pg: 0, opentelemetry: 0, boltApp: 1, boltIndex: 0 });
    expect(counts.withPostgres.pg).toBeGreaterThan(5);
  });
});
