import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/types.ts';
import { createLogger, type Logger } from '../../src/server/logger.ts';

export const ORG = '1eb65fdf-9643-417f-9974-ad72cae0e10f';

/**
 * One Webex target at `apiUrl` (a local fake) with an in-memory store, a server on a free
 * loopback port and no retries; admins alice and bob approve each other's `unclaim`.
 */
export function webexConfig(apiUrl: string, token: string): Config {
  return parseConfig(
    `
store: ":memory:"
server: { host: 127.0.0.1, port: 0 }
http: { retries: 0 }
targets:
  webex-prod:
    vendor: webex
    orgId: ${ORG}
    apiUrl: ${apiUrl}
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
policy:
  groups: { admins: [alice@corp.com, bob@corp.com] }
  rules:
    - actions: [pending]
      requesters: [admins]
      approval: none
    - actions: [unclaim]
      requesters: [admins]
      approval: { approvers: [admins], count: 1, expires: 30m }
`,
    '/tmp/domainops-server-test.yaml',
    { WEBEX_IDENTITY_TOKEN: token },
  );
}

/** A debug-level logger whose JSON lines land in `lines`. */
export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ stream, level: 'debug', env: {} }), lines };
}
