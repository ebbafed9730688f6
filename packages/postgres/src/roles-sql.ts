import { ValidationError, type ValidationIssue } from '@eventcore/core'
import { schemaName } from './schema-name.js'
import { APP_TABLE_PRIVILEGES, privilegeCeilingSql } from './table-privileges.js'

/** Options of {@link rolesSql}. */
export interface RolesSqlOptions {
  /** The schema holding EventCore's tables. @default 'eventcore' */
  readonly schema?: string
  /** The role that owns the schema and runs the migrations. @default 'eventcore_migrator' */
  readonly migrator?: string
  /** The role the service connects as, with only the DML it needs. @default 'eventcore_app' */
  readonly app?: string
}

// Like schema names: nothing that needs quoting to mean what it says.
const ROLE = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * The SQL that sets up EventCore's two roles in the database it is run in, as a superuser (or a
 * role with CREATEROLE that owns the database): a migrator that owns the schema and everything in
 * it, and an application role with USAGE on the schema, EXECUTE on its functions and on each table
 * only the DML the stores need (events SELECT and INSERT: never UPDATE, DELETE or TRUNCATE).
 * Tables the migrator creates later (migrations, a service's read models) are the application's to
 * read and write by default privileges, capped on EventCore's tables by `migrate`. Safe to run
 * again. Sets no password: set those apart (`\password` in psql, or `ALTER ROLE … PASSWORD`).
 *
 * @example
 * process.stdout.write(rolesSql({ schema: 'eventcore', migrator: 'eventcore_migrator', app: 'eventcore_app' }))
 */
export function rolesSql(options: RolesSqlOptions = {}): string {
  const { schema = 'eventcore', migrator = 'eventcore_migrator', app = 'eventcore_app' } = options
  const issues: ValidationIssue[] = []
  for (const [path, role] of [
    ['migrator', migrator],
    ['app', app],
  ] as const) {
    if (!ROLE.test(role))
      issues.push({ path, message: `'${role}' is not a valid role name: use 1–63 lower-case letters, digits or _` })
  }
  if (migrator === app) issues.push({ path: 'app', message: 'the application role must not be the migrator' })
  if (issues.length > 0) throw new ValidationError(issues)
  const s = schemaName(schema)
  const m = `"${migrator}"`
  const a = `"${app}"`
  const exact = Object.entries(APP_TABLE_PRIVILEGES)
    .map(([table, privileges]) => `--   ${table}: ${privileges.join(', ')}`)
    .join('\n')
  return `-- EventCore's roles for schema ${s.quoted}, in the database this runs in. Run it as a superuser (or
-- a role with CREATEROLE that owns the database), before the first migration; safe to run again.
-- It sets no password: set them apart, e.g. in psql
--   \\password ${migrator}
--   \\password ${app}
-- or ALTER ROLE ${m} PASSWORD '…' (keep it out of files and shell history).

-- Two login roles; neither is a superuser, nor may create roles or databases.
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${migrator}') THEN
    CREATE ROLE ${m} LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${app}') THEN
    CREATE ROLE ${a} LOGIN;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO ${m}, ${a}', current_database());
END
$roles$;

-- The migrator owns the schema and all in it: it runs the migrations (eventcore-cli migrate) and a
-- service's own DDL. Tables and functions an earlier owner made are handed over.
CREATE SCHEMA IF NOT EXISTS ${s.quoted} AUTHORIZATION ${m};
ALTER SCHEMA ${s.quoted} OWNER TO ${m};
DO $owner$
DECLARE
  o record;
BEGIN
  FOR o IN
    SELECT format('TABLE %I.%I', n.nspname, c.relname) AS object
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = '${s.name}' AND c.relkind IN ('r', 'p') AND c.relowner <> '${migrator}'::regrole
    UNION ALL
    SELECT format('FUNCTION %s', p.oid::regprocedure)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = '${s.name}' AND p.proowner <> '${migrator}'::regrole
  LOOP
    EXECUTE format('ALTER %s OWNER TO ${m}', o.object);
  END LOOP;
END
$owner$;

-- Nobody else uses the schema; the application may reach its objects, but create none.
REVOKE ALL ON SCHEMA ${s.quoted} FROM PUBLIC;
GRANT USAGE ON SCHEMA ${s.quoted} TO ${a};

-- What the migrator creates from now on: the application may read and write the tables (a later
-- migration's, a read model's) and run the functions; nobody else may run the functions.
ALTER DEFAULT PRIVILEGES FOR ROLE ${m} IN SCHEMA ${s.quoted}
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${a};
ALTER DEFAULT PRIVILEGES FOR ROLE ${m} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE ${m} IN SCHEMA ${s.quoted} GRANT EXECUTE ON FUNCTIONS TO ${a};

-- What is there already, alike.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s.quoted} TO ${a};
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${s.quoted} FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${s.quoted} TO ${a};

-- EventCore's own tables keep only what the stores need; every migration caps them again:
${exact}
${privilegeCeilingSql(s)};

-- Before PostgreSQL 15 every role may create tables in schema public; if yours is older:
-- REVOKE CREATE ON SCHEMA public FROM PUBLIC;
`
}
