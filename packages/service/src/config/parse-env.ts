import { type TSchema, Type } from 'typebox'
import { Value } from 'typebox/value'
import { ENV_NAMES, type EnvName, schemaOf } from './schema.js'

/** Raw environment variables, as `process.env` holds them. */
export type RawEnv = Readonly<Record<string, string | undefined>>

const INTEGER = /^-?\d+$/
const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['1', true],
  ['false', false],
  ['0', false],
])

// Strict on purpose: TypeBox's Value.Convert would read '1.5' as 1, '' as 0 and 'TRUE' as true.
// Text that does not look like its kind stays a string, so the schema reports it.
function parseAs(schema: TSchema, text: string): unknown {
  if (Type.IsInteger(schema)) return INTEGER.test(text) ? Number(text) : text
  if (Type.IsBoolean(schema)) return BOOLEANS.get(text) ?? text
  if (Type.IsArray(schema)) {
    return text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
  }
  if (Type.IsUnion(schema)) {
    for (const member of schema.anyOf) {
      const candidate = parseAs(member, text)
      if (Value.Check(member, candidate)) return candidate
    }
  }
  return text
}

/** True for a variable that counts as set: an empty value (`PORT=` in a compose file) does not. */
export function isSet(value: string | undefined): value is string {
  return value !== undefined && value !== ''
}

/**
 * Turns the service's variables into the values `EnvSchema` checks, driven by each
 * variable's schema: integers become numbers, booleans booleans, comma lists arrays. Unset and
 * empty variables are left out; other variables are ignored.
 */
export function parseEnv(raw: RawEnv): Partial<Record<EnvName, unknown>> {
  const parsed: Partial<Record<EnvName, unknown>> = {}
  for (const name of ENV_NAMES) {
    const text = raw[name]
    if (isSet(text)) parsed[name] = parseAs(schemaOf(name), text)
  }
  return parsed
}
