/**
 * `domainops check-config` with a PostgreSQL store: connects and reports, fails with a clear
 * error when the store cannot be used, warns about an inline password and never prints it.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/stores/postgres/schema.ts';
import { cli, writeConfig } from '../cli/helpers.ts';
import { freshSchema, PG_URL, withParam } from './postgres/helpers.ts';

const TOKEN = 'tok-xxxxxxxxxxxxxxxx';

function config(store: string): string {
  return `
store: ${store}
targets:
  webex-prod:
    vendor: webex
    orgId: 1eb65fdf-9643-417f-9974-ad72cae0e10f
    auth: { accessToken: env:WEBEX_IDENTITY_TOKEN }
chat:
  webex: { botToken: env:WEBEX_BOT_TOKEN }
`;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('check-config and the store', () => {
  const env = { WEBEX_IDENTITY_TOKEN: TOKEN, WEBEX_BOT_TOKEN: TOKEN, PGPASSWORD: '' };

  it('prints a SQLite store as before, without connecting anywhere', async () => {
    const run = await cli(['check-config', '--config', writeConfig(config('./state/domainops.db'))], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^store: \/.*\/state\/domainops\.db$/m);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('OK');
  });

  it('fails when the server refuses the connection: what is wrong, where, and what to do', async () => {
    const port = await closedPort();
    const secret = 'N0t-Printed-Ever';
    const run = await cli(
      [
        'check-config',
        '--config',
        writeConfig(
          config(`{ url: "postgres://domainops@127.0.0.1:${port}/domainops", password: env:PGPASS }`),
        ),
      ],
      { ...env, PGPASS: secret },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`store: postgres://domainops@127.0.0.1:${port}/domainops\n`);
    expect(run.stderr).toContain(
      `  server: 127.0.0.1:${port}, database domainops, role domainops, schema (the role’s default)\n`,
    );
    expect(run.stderr).toContain('  password: env PGPASS\n');
    expect(run.stderr).toContain(
      '  cannot use the store: store_unavailable: the database server refused the connection: nothing listens at the host and port of store:',
    );
    expect(run.stderr).toContain('    hint: start PostgreSQL, or correct the host and port in store:\n');
    expect(run.stderr).toContain('  store.password (env PGPASS): resolved\n');
    expect(run.stderr.trim().split('\n').at(-1)).toBe('FAILED: the store cannot be used (see above)');
    expect(run.stderr + run.stdout).not.toContain(secret);
  });

  it('does not try the server when the store password does not resolve', async () => {
    const run = await cli(
      [
        'check-config',
        '--config',
        writeConfig(config('{ url: "postgres://domainops@127.0.0.1:9/domainops", password: env:PGPASS }')),
      ],
      env,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('  not checked: its password does not resolve (see secrets)\n');
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      'FAILED: some secrets do not resolve; the store cannot be used (see above)',
    );
  });

  describe.skipIf(PG_URL === undefined)('against the test server', () => {
    const drops: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const d of drops.splice(0)) await d();
    });

    it('reports the server, the schema and the privileges; warns about the password in the URL and never prints it', async () => {
      const schema = freshSchema();
      drops.push(schema.drop);
      const url = new URL(withParam(PG_URL!, 'schema', schema.name));
      const password = decodeURIComponent(url.password);
      const run = await cli(['check-config', '--config', writeConfig(config(`"${url.href}"`))], env);
      expect(run.code, run.stderr).toBe(0);
      const shown = new URL(url.href);
      shown.password = '';
      expect(run.stdout).toContain(`store: ${shown.href}\n`);
      expect(run.stdout).toMatch(/^ {2}connected: PostgreSQL \d+/m);
      expect(run.stdout).toContain(
        `  schema: none yet: domainops creates the tables (version ${MIGRATIONS.length}) when it starts\n`,
      );
      expect(run.stdout).toContain(
        '  note: the password is written in the URL in the config file: move it to store.password (env:NAME or file:PATH) or PGPASSWORD',
      );
      expect(run.stdout.trim().split('\n').at(-1)).toBe('OK');
      // (The test role's password may equal its name, which is printed: look for it as a password.)
      expect(run.stdout + run.stderr).not.toContain(`:${password}@`);
      expect(run.stdout + run.stderr).not.toContain(`password=${password}`);
    });
  });
});
