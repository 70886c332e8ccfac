import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createTestClock } from '../helpers/clock.ts';
import { cli, UNCLAIM_ENV, unclaimConfig, writeConfig } from './helpers.ts';

const env = UNCLAIM_ENV;
/** Every CLI run's clock: requests expire only when a test moves it. */
const clock = createTestClock();

async function json(file: string, argv: string[]) {
  const run = await cli([...argv, '--config', file, '--json'], env, {
    createApp: (config) => createApp(config, { clock }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the JSON document is checked field by field
  return { code: run.code, doc: JSON.parse(run.stdout) as Record<string, any> };
}

describe('exit codes of approve, deny and cancel', () => {
  it('3 for a cancel by someone else, 0 for the requester’s cancel, 6 afterwards', async () => {
    const file = writeConfig(unclaimConfig('30m'));
    const { doc } = await json(file, ['exec', '--as', 'alice@corp.com', 'unclaim abc.com']);
    const outsider = await json(file, ['cancel', doc.requestId, '--as', 'eve@corp.com']);
    expect(outsider.code).toBe(3);
    expect(outsider.doc).toMatchObject({ status: 'pending', error: { code: 'not_allowed_to_cancel' } });
    const own = await json(file, ['cancel', doc.requestId, '--as', 'alice@corp.com']);
    expect(own).toMatchObject({ code: 0, doc: { status: 'cancelled', requestId: doc.requestId } });
    expect((await json(file, ['deny', doc.requestId, '--as', 'bob@corp.com'])).code).toBe(6);
  });

  it('6 for approving an expired request, whose document says expired', async () => {
    const file = writeConfig(unclaimConfig('30m'));
    const { doc } = await json(file, ['exec', '--as', 'alice@corp.com', 'unclaim abc.com']);
    await clock.advance(31 * 60_000);
    const late = await json(file, ['approve', doc.requestId, '--as', 'bob@corp.com']);
    expect(late.code).toBe(6);
    expect(late.doc).toMatchObject({
      status: 'expired',
      requestId: doc.requestId,
      action: 'unclaim',
      error: { code: 'request_not_open' },
    });
  });
});
