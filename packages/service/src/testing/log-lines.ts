// Test support for a service's log output: each line one JSON object with each key once.
// JSON.parse keeps the last of two equal keys without a word, so the raw text is scanned as well.

/** A log line read by {@link parseLogLine}: its object, or what is wrong with it. */
export type ParsedLogLine =
  | { readonly ok: true; readonly entry: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly problem: string }

// A JSON string token; valid JSON is assumed (JSON.parse has accepted the text first).
const STRING = /"(?:[^"\\]|\\.)*"/y

interface Scope {
  /** The keys met so far in an object; none for an array. */
  readonly keys: Set<string> | undefined
  expectingKey: boolean
  key: string
}

/** Keys that occur more than once in one object of `json` (valid JSON text), as dotted paths. */
function duplicateKeys(json: string): string[] {
  const duplicates: string[] = []
  const scopes: Scope[] = []
  for (let at = 0; at < json.length; at++) {
    const char = json[at]
    const scope = scopes.at(-1)
    if (char === '"') {
      STRING.lastIndex = at
      const token = STRING.exec(json)?.[0] ?? '""'
      at += token.length - 1
      if (!scope?.keys || !scope.expectingKey) continue
      const key: string = JSON.parse(token)
      scope.key = key
      scope.expectingKey = false
      if (scope.keys.has(key)) duplicates.push(scopes.map((s) => (s.keys ? s.key : '[]')).join('.'))
      scope.keys.add(key)
    } else if (char === '{' || char === '[') {
      scopes.push({ keys: char === '{' ? new Set() : undefined, expectingKey: char === '{', key: '' })
    } else if (char === '}' || char === ']') {
      scopes.pop()
    } else if (char === ',' && scope?.keys) {
      scope.expectingKey = true
    }
  }
  return duplicates
}

/**
 * Reads one line of a service's log output: it must be a JSON object in which no object repeats a
 * key (pino writes a child logger's bindings and a call's fields side by side, so a field logged
 * twice appears twice, and a reader keeps whichever it likes).
 *
 * @example
 * const lines = service.output().stdout.split('\n').filter((line) => line.startsWith('{'))
 * for (const line of lines) expect(parseLogLine(line)).toMatchObject({ ok: true })
 */
export function parseLogLine(line: string): ParsedLogLine {
  let entry: unknown
  try {
    entry = JSON.parse(line)
  } catch (error) {
    return { ok: false, problem: `not JSON (${error instanceof Error ? error.message : String(error)}): ${line}` }
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return { ok: false, problem: `not a JSON object: ${line}` }
  const duplicates = duplicateKeys(line)
  if (duplicates.length > 0) return { ok: false, problem: `keys more than once (${duplicates.join(', ')}): ${line}` }
  return { ok: true, entry: entry as Record<string, unknown> }
}
