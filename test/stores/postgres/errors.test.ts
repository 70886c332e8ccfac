/**
 * What the PostgreSQL store and `check-config` say when the server cannot be used: refused,
 * a wrong password, a missing database, missing privileges, a newer schema. Each has its own
 * message and hint, and none ever shows the password.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkPostgres } from '../../../src/stores/postgres/check.ts';
import { kindOf, POSTGRES_ERRORS, toStoreError } from '../../../src/stores/postgres/errors.ts';
import { MIGRATIONS } from '../../../src/stores/postgres/schema.ts';
import { openPostgresStore } from '../../../src/stores/postgres/store.ts';
import { admin, freshSchema, PG_URL, passwordOf, settingFor, withParam } from './helpers.ts';

/** A port on 127.0.0.1 nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Opens a store, runs one read, and gives back what it threw. */
async function failure(url: string, over: Parameters<typeof settingFor>[1] = {}) {
  let sleeps = 0;
  const store = openPostgresStore(settingFor(url, over), {
    retryBudget: 5000,
    sleep: async () => {
      sleeps++;
    },
  });
  try {
    const error = await store.listByStatus(['pending']).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; hint: string },
    );
    return { error, sleeps };
  } finally {
    await store.close();
  }
}

const SECRET = 'Wr0ng-Passw0rd-7f3c';

/** Nothing a person sees names the password. */
function expectNoPassword(...texts: unknown[]): void {
  for (const text of texts) expect(JSON.stringify(text)).not.toContain(SECRET);
}

describe('PostgreSQL errors as store errors', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }, 'refused'],
    [new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), 'refused'],
    [{ code: 'ENOTFOUND' }, 'unknown_host'],
    [new Error('Connection terminated unexpectedly'), 'lost'],
    [new Error('timeout expired'), 'timeout'],
    [{ code: '28P01' }, 'password'],
    [{ code: '3D000' }, 'database'],
    [{ code: '42501' }, 'privilege'],
    [{ code: '53100' }, 'full'],
    [{ code: '25006' }, 'read_only'],
    [{ code: '57P01' }, 'lost'],
    [{ code: '57P03' }, 'starting'],
    [{ code: '57014' }, 'busy'],
    [{ code: '42P01' }, 'gone'],
    [{ code: 'XX001' }, 'corrupt'],
    [new Error('a bug'), undefined],
  ])('%o is %s', (error, kind) => {
    expect(kindOf(error)).toBe(kind);
  });

  it('maps each kind to its code, message and hint', () => {
    expect(toStoreError({ code: '53100' })).toMatchObject({
      code: 'store_full',
      message: POSTGRES_ERRORS.full!.message,
      hint: POSTGRES_ERRORS.full!.hint,
    });
    expect(toStoreError({ code: '25006' })).toMatchObject({ code: 'store_read_only' });
    const bug = new Error('a bug');
    expect(toStoreError(bug)).toBe(bug);
  });
});

describe.skipIf(PG_URL === undefined)('the PostgreSQL store and check-config against a real server', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** The test URL with another password. */
  const wrongPassword = () => {
    const u = new URL(PG_URL!);
    u.password = '';
    return u.href;
  };

  it('says the server refused the connection, after retrying, and check-config says where', async () => {
    const url = new URL(PG_URL!);
    url.hostname = '127.0.0.1';
    url.port = String(await closedPort());
    const { error, sleeps } = await failure(url.href);
    expect(error).toMatchObject({
      code: 'store_unavailable',
      message: POSTGRES_ERRORS.refused!.message,
      hint: 'start PostgreSQL, or correct the host and port in store:',
    });
    expect(sleeps).toBeGreaterThan(0);
    const check = await checkPostgres(settingFor(url.href));
    expect(check.ok).toBe(false);
    expect(check.lines[0]).toBe(
      `server: 127.0.0.1:${url.port}, database ${new URL(PG_URL!).pathname.slice(1)}, role ${decodeURIComponent(url.username)}, schema (the role’s default)`,
    );
    expect(check.lines.join('\n')).toContain(
      'cannot use the store: store_unavailable: the database server refused the connection',
    );
  });

  it('says the password was refused, at once, and never shows it', async (ctx) => {
    const setting = { password: passwordOf(SECRET) };
    const { error, sleeps } = await failure(wrongPassword(), setting);
    if (error === undefined) ctx.skip(); // the server does not ask for a password (trust)
    expect(error).toMatchObject({
      code: 'store_unavailable',
      message: 'the database server refused the password of the store’s role',
      hint: expect.stringContaining('store.password (env:NAME or file:PATH), PGPASSWORD'),
    });
    expect(sleeps).toBe(0);
    const check = await checkPostgres(settingFor(wrongPassword(), setting));
    expect(check.ok).toBe(false);
    expect(check.lines).toContain('password: env TEST_PASSWORD');
    expect(check.lines.join('\n')).toMatch(
      /refused the password of the store’s role \(password authentication failed for user "[^"]+", SQLSTATE 28P01\)/,
    );
    expectNoPassword(error, (error as { cause?: unknown }).cause, check);
  });

  it('warns about a password written in the URL, and never prints it', async () => {
    const u = new URL(PG_URL!);
    u.password = SECRET;
    const setting = settingFor(u.href);
    expect(setting.location).not.toContain(SECRET);
    expect(setting.inlinePassword).toBe(true);
    const check = await checkPostgres(setting);
    expect(check.lines.at(-1)).toBe(
      'note: the password is written in the URL in the config file: move it to store.password (env:NAME or file:PATH) or PGPASSWORD, and keep the file free of secrets',
    );
    expectNoPassword(check, setting, String(setting.password));
  });

  it('says the database does not exist', async () => {
    const url = new URL(PG_URL!);
    url.pathname = '/domainops_missing_db';
    const { error, sleeps } = await failure(url.href);
    expect(error).toMatchObject({
      code: 'store_unavailable',
      message: 'the database named in store: does not exist',
      hint: 'create it (createdb -O <role> <database>), or correct the database name in store:',
    });
    expect(sleeps).toBe(0);
    const check = await checkPostgres(settingFor(url.href));
    expect(check.lines.join('\n')).toContain(
      'database "domainops_missing_db" does not exist, SQLSTATE 3D000',
    );
  });

  it('reports a usable store: where, the schema version, and what the role may do', async () => {
    const schema = freshSchema();
    cleanups.push(schema.drop);
    const before = await checkPostgres(schema.setting);
    expect(before.ok).toBe(true);
    expect(before.lines).toContain(
      `schema: none yet: domainops creates the tables (version ${MIGRATIONS.length}) when it starts`,
    );
    expect(before.lines).toContain(
      `privileges: role ${decodeURIComponent(new URL(PG_URL!).username)} may create the tables in schema ${schema.name}`,
    );
    const store = openPostgresStore(schema.setting);
    await store.listByStatus([]);
    await store.close();
    const after = await checkPostgres(schema.setting);
    expect(after).toMatchObject({ ok: true });
    expect(after.lines).toContain(`schema: version ${MIGRATIONS.length} of ${MIGRATIONS.length}, up to date`);
    expect(after.lines).toContain(
      `privileges: role ${decodeURIComponent(new URL(PG_URL!).username)} may read and write the tables`,
    );
    expect(after.lines.some((l) => l.startsWith('connected: PostgreSQL '))).toBe(true);
  });

  it('says which privileges a role lacks, in the store and in check-config', async (ctx) => {
    const [role0] = await admin<{ may: boolean }>(
      'SELECT rolcreaterole AS may FROM pg_roles WHERE rolname = current_user',
    );
    if (!role0?.may) ctx.skip(); // the test role may not create roles
    const schema = freshSchema();
    cleanups.push(schema.drop);
    const store = openPostgresStore(schema.setting);
    await store.listByStatus([]);
    await store.close();
    const role = `${schema.name}_r`;
    await admin(`CREATE ROLE ${role} LOGIN PASSWORD '${SECRET}'`);
    // The grants go with the schema; then the role can go.
    cleanups.push(async () => {
      await schema.drop();
      await admin(`DROP ROLE IF EXISTS ${role}`);
    });
    const url = new URL(withParam(PG_URL!, 'schema', schema.name));
    url.username = role;
    url.password = '';

    const { error } = await failure(url.href, { password: passwordOf(SECRET) });
    expect(error).toMatchObject({
      code: 'store_unavailable',
      message: `the store’s role lacks a privilege domainops needs (permission denied for schema ${schema.name})`,
      hint: expect.stringContaining('GRANT USAGE, CREATE ON SCHEMA'),
    });

    await admin(
      `GRANT USAGE ON SCHEMA ${schema.name} TO ${role}; GRANT SELECT ON ${schema.name}.requests TO ${role}`,
    );
    const check = await checkPostgres(settingFor(url.href, { password: passwordOf(SECRET) }));
    expect(check.ok).toBe(false);
    expect(check.lines).toContain(
      `privileges: role ${role} lacks INSERT on requests, UPDATE on requests, SELECT on audit, INSERT on audit, SELECT on audit_head, UPDATE on audit_head, SELECT on health, INSERT on health, UPDATE on health, SELECT on schema_migrations, USAGE on sequence request_changes: GRANT them (or run domainops as the tables' owner)`,
    );
    expectNoPassword(error, check);
  });
});
