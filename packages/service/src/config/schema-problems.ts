import { Type } from 'typebox'
import { Value } from 'typebox/value'
import type { RawEnv } from './parse-env.js'
import { ENV_NAMES, type EnvName, SECRET_NAMES, schemaOf } from './schema.js'

const Described = Type.Object({ description: Type.String() })
const SECRETS: ReadonlySet<string> = new Set(SECRET_NAMES)

const quoted = (value: unknown): string => {
  const text = String(value)
  return `'${text.length > 100 ? `${text.slice(0, 100)}…` : text}'`
}

/** What the schema found wrong, one message per variable (per list item for lists). */
export interface SchemaProblems {
  readonly problems: readonly string[]
  /** The variables with a problem, left out of what the rest of the checks see. */
  readonly invalid: ReadonlySet<EnvName>
}

/**
 * Checks each parsed variable against its schema in `EnvSchema` and words each failure as
 * "<NAME> must be <what it accepts>, got '<value>'" (secrets without their value).
 *
 * @example
 * schemaProblems({ EVENTCORE_PORT: 'abc' }, { EVENTCORE_PORT: 'abc' }, new Set()).problems
 * // → ["EVENTCORE_PORT must be an integer between 0 and 65535, got 'abc'"]
 */
export function schemaProblems(
  parsed: Partial<Record<EnvName, unknown>>,
  raw: RawEnv,
  fromFile: ReadonlySet<string>,
): SchemaProblems {
  const problems = new Map<string, string>()
  const invalid = new Set<EnvName>()
  // Variable by variable: TypeBox stops collecting errors at 8 per call, and every problem counts.
  for (const name of ENV_NAMES) {
    const value = parsed[name]
    if (value === undefined) continue
    const schema = schemaOf(name)
    for (const error of Value.Errors(schema, value)) {
      invalid.add(name)
      const item = error.instancePath.split('/')[1]
      const key = `${name}/${item ?? ''}`
      if (problems.has(key)) continue
      const expected = Value.Check(Described, schema) ? schema.description : 'valid'
      const label = fromFile.has(name) ? `${name} (from ${name}_FILE)` : name
      const got = item !== undefined && Array.isArray(value) ? value[Number(item)] : raw[name]
      problems.set(
        key,
        SECRETS.has(name) ? `${label} must be ${expected}` : `${label} must be ${expected}, got ${quoted(got)}`,
      )
    }
  }
  return { problems: [...problems.values()], invalid }
}
