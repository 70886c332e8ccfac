/** `pending --json` of a batch: `subject` is the first item's, `subjects` every item's, in order. */
import { describe, expect, it } from 'vitest';
import { cli, UNCLAIM_ENV, unclaimConfig, writeConfig } from './helpers.ts';

describe('pending --json with a batch waiting', () => {
  it("lists every item's subject in subjects; a single request has none", async () => {
    const file = writeConfig(unclaimConfig());
    const batch = await cli(
      ['exec', '--config', file, '--as', 'alice@corp.com', 'unclaim a.com b.com c.com'],
      UNCLAIM_ENV,
    );
    expect(batch.code).toBe(0);
    const single = await cli(
      ['exec', '--config', file, '--as', 'alice@corp.com', 'unclaim d.com'],
      UNCLAIM_ENV,
    );
    expect(single.code).toBe(0);
    const run = await cli(['pending', '--json', '--config', file], UNCLAIM_ENV);
    expect(run.code).toBe(0);
    const { requests } = JSON.parse(run.stdout) as { requests: Record<string, unknown>[] };
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({
      action: 'unclaim',
      subject: 'a.com',
      subjects: ['a.com', 'b.com', 'c.com'],
    });
    // The members scripts read come first, subjects right after subject.
    expect(Object.keys(requests[0]!).slice(0, 6)).toEqual([
      'id',
      'action',
      'target',
      'subject',
      'subjects',
      'requester',
    ]);
    expect(requests[1]).toMatchObject({ subject: 'd.com' });
    expect(requests[1]).not.toHaveProperty('subjects');
  });
});
