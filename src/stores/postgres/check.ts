/**
 * `domainops check-config` for a PostgreSQL store: connects (and creates nothing), then says
 * where it connected, the schema version, and whether the role may use the tables (or create
 * them). Every failure says what is wrong and what to do; the password is never printed.
 */
import pg from 'pg';
import type { StoreSetting } from '../../core/config/types.ts';
import type { StoreCheck } from '../../core/ports.ts';
import { scrub } from '../../core/scrub.ts';
import { kindOf, POSTGRES_ERRORS, sqlState, toStoreError } from './errors.ts';
import { MIGRATIONS, schemaVersion } from './schema.ts';
import { postgresConnection } from './settings.ts';

/** What each table needs, as `has_table_privilege` names it. */
const TABLES: readonly [string, string][] = [
  ['requests', 'SELECT, INSERT, UPDATE'],
  ['audit', 'SELECT, INSERT'],
  // Only when the schema has it (version 2 on): appends lock its row (SELECT … FOR UPDATE).
  ['audit_head', 'SELECT, UPDATE'],
  ['health', 'SELECT, INSERT, UPDATE'],
  ['schema_migrations', 'SELECT'],
];

export async function checkPostgres(
  setting: StoreSetting,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StoreCheck> {
  const lines: string[] = [];
  const notes: string[] = [];
  if (setting.inlinePassword) {
    notes.push(
      'note: the password is written in the URL in the config file: move it to store.password (env:NAME or file:PATH) or PGPASSWORD, and keep the file free of secrets',
    );
  }
  let connection: ReturnType<typeof postgresConnection>;
  try {
    connection = postgresConnection(setting, {}, env);
  } catch (error) {
    return { ok: false, lines: [`cannot use the setting: ${(error as Error).message}`, ...notes] };
  }
  const { place, pool, passwordSource } = connection;
  const where = `${place.server}, database ${place.database}, role ${place.user}, schema ${place.schema ?? '(the role’s default)'}`;
  lines.push(
    `server: ${where}`,
    `password: ${passwordSource}`,
    `lease: ${Math.round(setting.lease / 1000)} s`,
  );

  const client = new pg.Client({ ...pool, query_timeout: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    return { ok: false, lines: [...lines, ...failure(error), ...notes] };
  }
  try {
    const info = await client.query<{ version: string; schema: string | null }>(
      `SELECT current_setting('server_version') AS version, current_schema() AS schema`,
    );
    const { version, schema: current } = info.rows[0]!;
    lines.push(`connected: PostgreSQL ${version}`);
    const schema = place.schema ?? current;
    const known = MIGRATIONS.length;
    let ok = true;
    const present = await client.query<{ present: boolean }>(
      `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`,
    );
    let found = 0;
    if (present.rows[0]!.present) {
      const missing: string[] = [];
      for (const [table, privileges] of TABLES) {
        const exists = await client.query<{ present: boolean }>(
          'SELECT to_regclass($1) IS NOT NULL AS present',
          [table],
        );
        if (!exists.rows[0]!.present) continue;
        for (const privilege of privileges.split(', ')) {
          const { rows } = await client.query<{ ok: boolean }>(
            'SELECT has_table_privilege(current_user, $1, $2) AS ok',
            [table, privilege],
          );
          if (!rows[0]!.ok) missing.push(`${privilege} on ${table}`);
        }
      }
      const sequence = await client.query<{ ok: boolean }>(
        `SELECT has_sequence_privilege(current_user, 'request_changes', 'USAGE') AS ok`,
      );
      if (!sequence.rows[0]!.ok) missing.push('USAGE on sequence request_changes');
      if (missing.includes('SELECT on schema_migrations')) {
        lines.push('schema: domainops tables are there, but the role may not read their version');
      } else {
        found = await schemaVersion(client);
        if (found > known) {
          lines.push(
            `schema: version ${found}, newer than this domainops knows (${known}): run the newer domainops, or point store: at another database or schema`,
          );
          ok = false;
        } else if (found === known) lines.push(`schema: version ${found} of ${known}, up to date`);
        else
          lines.push(`schema: version ${found} of ${known}: domainops brings it up to date when it starts`);
      }
      if (missing.length > 0) {
        ok = false;
        lines.push(
          `privileges: role ${place.user} lacks ${missing.join(', ')}: GRANT them (or run domainops as the tables' owner)`,
        );
        return { ok, lines: [...lines, ...notes] };
      }
      lines.push(`privileges: role ${place.user} may read and write the tables`);
    } else {
      lines.push(`schema: none yet: domainops creates the tables (version ${known}) when it starts`);
    }
    if (found < known) {
      // The tables are created at start: the role needs CREATE on the schema (or on the database
      // when `?schema=` names one that does not exist yet).
      const exists =
        schema !== null &&
        ((await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount ?? 0) > 0;
      const { rows } = exists
        ? await client.query<{ ok: boolean }>(
            `SELECT has_schema_privilege(current_user, $1, 'USAGE, CREATE') AS ok`,
            [schema],
          )
        : await client.query<{ ok: boolean }>(
            `SELECT has_database_privilege(current_user, current_database(), 'CREATE') AS ok`,
          );
      if (schema === null) {
        ok = false;
        lines.push(
          `privileges: no schema of the role's search_path exists: create one, or name one with ?schema= in the URL`,
        );
      } else if (!rows[0]!.ok) {
        ok = false;
        lines.push(
          exists
            ? `privileges: role ${place.user} may not create tables in schema ${schema}: GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${place.user} (or make it the owner)`
            : `privileges: schema ${schema} does not exist and role ${place.user} may not create it: CREATE SCHEMA ${schema} AUTHORIZATION ${place.user}, or GRANT CREATE ON DATABASE ${place.database} TO ${place.user}`,
        );
      } else lines.push(`privileges: role ${place.user} may create the tables in schema ${schema}`);
    }
    return { ok, lines: [...lines, ...notes] };
  } catch (error) {
    return { ok: false, lines: [...lines, ...failure(error), ...notes] };
  } finally {
    await client.end().catch(() => {});
  }
}

/** A failed connection or query as lines: what is wrong (with the server's words) and the fix. */
function failure(error: unknown): string[] {
  const kind = kindOf(error);
  if (kind === undefined) {
    const mapped = toStoreError(error);
    const message = mapped instanceof Error ? mapped.message : String(mapped);
    return [scrub(`cannot use the store: ${message}`)];
  }
  const { code, message, hint } = POSTGRES_ERRORS[kind]!;
  const state = sqlState(error);
  const said =
    error instanceof Error && error.message !== ''
      ? ` (${error.message}${state ? `, SQLSTATE ${state}` : ''})`
      : '';
  // The server's words name no password; scrubbed all the same.
  return [scrub(`cannot use the store: ${code}: ${message}${said}`), `  hint: ${hint}`];
}
