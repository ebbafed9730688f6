import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies?: Record<string, string>
  exports: Record<string, unknown>
}

describe('@eventcore/core package', () => {
  it('has no runtime dependencies', () => {
    expect(manifest.dependencies ?? {}).toEqual({})
  })

  it('exposes only the root, ./idempotency, ./memory, ./store-kit and ./testing', () => {
    expect(Object.keys(manifest.exports).sort()).toEqual(['.', './idempotency', './memory', './store-kit', './testing'])
  })
})
