import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULTS } from './defaults.js'
import { ENV_NAMES, SECRET_NAMES } from './schema.js'

const docs = readFileSync(join(import.meta.dirname, '../../../../docs/configuration.md'), 'utf8')
// The rows of EVENTCORE_* variables (and NODE_ENV); the OpenTelemetry table names the standard
// OTEL_* ones, which the SDK and startTracing read, not this schema.
const rows = new Map(
  docs
    .split('\n')
    .map((line) => /^\| `((?:EVENTCORE_|NODE_ENV)[A-Z_]*)`( 🔑)? +\| ([^|]+)\|/.exec(line))
    .filter((match) => match !== null)
    .map((match) => [match[1], { secret: match[2] !== undefined, default: match[3]?.trim() }] as const),
)

describe('docs/configuration.md', () => {
  it('documents every variable the schema reads, and nothing else', () => {
    expect([...rows.keys()].sort()).toEqual([...ENV_NAMES].sort())
  })

  it('lists the default each variable really has', () => {
    for (const [name, value] of Object.entries(DEFAULTS)) {
      const expected = Array.isArray(value) ? 'none' : `\`${value}\``
      expect(rows.get(name)?.default, name).toBe(expected)
    }
  })

  it('marks exactly the variables that also come as *_FILE', () => {
    const marked = [...rows].filter(([, row]) => row.secret).map(([name]) => name)
    expect(marked.sort()).toEqual([...SECRET_NAMES].sort())
  })
})
