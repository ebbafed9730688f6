import type { SchemaName } from './schema-name.js'

/**
 * The most any role but a table's owner may do with each of EventCore's tables: what the stores
 * need, read from their SQL. Events are insert-only (an event is history: never updated, deleted
 * or truncated); the migrations table is read-only (the store checks it); checkpoints are
 * inserted and moved on, never deleted; dead letters are kept; idempotency keys are claimed,
 * completed, released and cleaned up.
 */
export const APP_TABLE_PRIVILEGES = {
  events: ['SELECT', 'INSERT'],
  migrations: ['SELECT'],
  projections: ['SELECT', 'INSERT', 'UPDATE'],
  dead_letters: ['SELECT', 'INSERT'],
  idempotency_keys: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
} as const satisfies Readonly<Record<string, readonly string[]>>

/**
 * SQL that takes from every role but the owner what {@link APP_TABLE_PRIVILEGES} does not allow
 * on EventCore's tables (PUBLIC included). `migrate` runs it after every migration, so a table a
 * migration creates is capped in the same transaction, whatever default privileges gave it; the
 * roles SQL runs it for tables that were there before.
 *
 * @example
 * await db.query(privilegeCeilingSql(schemaName('eventcore')))
 */
export function privilegeCeilingSql({ name }: SchemaName): string {
  const allowed = Object.entries(APP_TABLE_PRIVILEGES)
    .map(([table, privileges]) => `('${table}', ARRAY[${privileges.map((p) => `'${p}'`).join(', ')}])`)
    .join(',\n      ')
  return `DO $ceiling$
DECLARE
  g record;
BEGIN
  FOR g IN
    SELECT c.relname, a.grantee, string_agg(DISTINCT a.privilege_type, ', ') AS extra
    FROM (VALUES
      ${allowed}
    ) AS allowed(name, privileges)
    JOIN pg_class c ON c.relname = allowed.name AND c.relnamespace = '${name}'::regnamespace
    CROSS JOIN LATERAL aclexplode(c.relacl) AS a
    WHERE a.grantee <> c.relowner AND a.privilege_type <> ALL (allowed.privileges)
    GROUP BY c.relname, a.grantee
  LOOP
    EXECUTE format('REVOKE %s ON %I.%I FROM %s', g.extra, '${name}', g.relname,
      CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END);
  END LOOP;
END
$ceiling$`
}
