import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./load-child.ts', import.meta.url));

describe('the Webex framework is loaded only when Webex is configured', () => {
  it('runtime, CLI, app and the composition do not load it (nor Bolt); creating the Webex platform does', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CHILD], {
      env: {
        ...process.env,
        HYDRA_SERVICE_URL: 'http://127.0.0.1:9/v1',
        U2C_SERVICE_URL: 'http://127.0.0.1:9/u2c',
      },
    });
    const counts = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
    expect(counts.total).toBeGreaterThan(20);
    expect(counts.afterCore).toBe(0);
    expect(counts.afterImport).toBe(0);
    expect(counts.afterCreate).toBeGreaterThan(50);
    expect(counts.boltAfterCore).toBe(0);
    expect(counts.boltAfterCreate).toBe(0);
  });
});
