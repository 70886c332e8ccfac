/**
 * Config errors that say what to write: an empty file (no targets) and a duration without a unit
 * (`timeout: 3` could be 3 s or 3 ms; it is refused instead of guessed).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/core/errors.ts';

const TARGETS = `targets:
  webex-prod: { vendor: webex, orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f, auth: { accessToken: env:T } }
`;

function issues(text: string): readonly { path: string; message: string }[] {
  try {
    parseConfig(text, '/tmp/domainops-messages.yaml', { T: 'x' });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('the config loaded');
}

describe('config errors say what to write', () => {
  it('an empty file: targets are missing, with an example of one', () => {
    for (const text of ['', '\n# nothing yet\n', 'store: ./x.db\n', 'targets:\n']) {
      const found = issues(text);
      expect(found, JSON.stringify(text)).toEqual([
        {
          path: 'targets',
          message: expect.stringMatching(
            /^missing: name at least one target, e.g\. targets: \{ webex-prod: \{ vendor: webex, … \} \}/,
          ),
        },
      ]);
      expect(found[0]!.message).not.toContain('Invalid input');
    }
    expect(issues('targets: [a, b]\n')[0]!.message).toMatch(
      /^targets maps target names to their settings, e\.g\./,
    );
  });

  it('a duration without a unit is refused, naming the field and the units', () => {
    expect(issues(`${TARGETS}dns: { timeout: 3 }\n`)).toEqual([
      {
        path: 'dns.timeout',
        message: '3 has no unit: write e.g. 3s for seconds or 3ms for milliseconds (units: ms, s, m, h, d)',
      },
    ]);
    for (const [text, path] of [
      ['http: { timeout: 30000 }', 'http.timeout'],
      ['store: { url: ./x.db, lease: 60 }', 'store.lease'],
      [
        'policy: { rules: [ { actions: [unclaim], requesters: [a@b.co], approval: { approvers: [c@d.co], expires: 3600 } } ] }',
        'policy.rules[0].approval.expires',
      ],
    ] as const) {
      expect(
        issues(`${TARGETS}${text}\n`).map((i) => i.path),
        text,
      ).toContain(path);
    }
    // With a unit every form still loads.
    const config = parseConfig(
      `${TARGETS}dns: { timeout: 3s, interval: 500ms, wait: 1h30m }\n`,
      '/tmp/x.yaml',
      {
        T: 'x',
      },
    );
    expect(config.dns).toMatchObject({ timeout: 3000, interval: 500, wait: 5_400_000 });
  });
});
