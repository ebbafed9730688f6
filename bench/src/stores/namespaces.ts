/** What PostgreSQL (and EventCore) accept as an unquoted schema name. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Checks that a name is a plain lower-case schema name, so it can be written into SQL unquoted.
 *
 * @example
 * schemaIdentifier('bench_lx1_s1_raw') // 'bench_lx1_s1_raw'
 */
export function schemaIdentifier(name: string): string {
  if (!SCHEMA_NAME.test(name)) throw new Error(`not a plain schema name: '${name}'`)
  return name
}

/**
 * The prefix of every schema one run creates: `bench_` and the start time in base 36, so runs
 * never collide and one `LIKE 'prefix%'` finds them all for dropping.
 */
export function runPrefix(now: Date): string {
  return schemaIdentifier(`bench_${now.getTime().toString(36)}`)
}

/**
 * The schema of one contender in one scenario.
 *
 * @example
 * namespaceOf('bench_lx1', 's1', 'raw') // 'bench_lx1_s1_raw'
 */
export function namespaceOf(prefix: string, scenario: string, contender: string): string {
  return schemaIdentifier(`${prefix}_${scenario}_${contender}`)
}
