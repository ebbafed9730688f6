// Reading the untyped fields of a parsed manifest: YAML gives `unknown`, the checks want records,
// lists, strings and numbers, and a field of the wrong shape reads as absent (the schema tests,
// not the policy, say that a manifest is malformed).

/** A YAML mapping as a record; anything else is an empty one. */
export function record(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

/** True when `value` is a YAML mapping. */
export const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A YAML sequence of mappings; anything else is empty, and items that are not mappings are left out. */
export function records(value: unknown): readonly Readonly<Record<string, unknown>>[] {
  return Array.isArray(value) ? value.filter(isRecord) : []
}

/** A YAML sequence of strings; anything else is empty. */
export function strings(value: unknown): readonly string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

/** A string, or `undefined`. */
export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

/** A finite number, or `undefined`. */
export const numeric = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined

/** A mapping of strings (labels, a Service's selector, ConfigMap data); other values are left out. */
export function stringMap(value: unknown): Readonly<Record<string, string>> {
  return Object.fromEntries(Object.entries(record(value)).filter(([, item]) => typeof item === 'string')) as Record<
    string,
    string
  >
}

/** The field at `path` below `value` (`at(object, 'spec', 'template', 'spec')`). */
export function at(value: unknown, ...path: readonly string[]): unknown {
  let current = value
  for (const key of path) current = record(current)[key]
  return current
}
