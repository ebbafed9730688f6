// What `npm publish` would ship, asked of npm itself: build output and sources, never tests or
// the helpers only tests use (named `*.test.ts`, `*.test-d.ts` or `test-*.ts` by convention).
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

interface Manifest {
  readonly name: string
  readonly private?: boolean
}

const published = readdirSync(join(root, 'packages'))
  .map((dir) => ({
    dir: join(root, 'packages', dir),
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest,
  }))
  .filter(({ manifest }) => manifest.private !== true)

const TEST_ONLY = /(^|\/)(test-[^/]*|[^/]*\.test(-d)?\.[^/]*|__snapshots__\/.*)$/

function packedFiles(dir: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const [pack] = JSON.parse(out) as [{ files: { path: string }[] }]
  return pack.files.map((file) => file.path)
}

describe('npm pack', () => {
  it('finds the published packages', () => {
    expect(published.map(({ manifest }) => manifest.name)).toContain('@eventcore/core')
  })

  for (const { dir, manifest } of published) {
    it(`${manifest.name} ships its build and no test files`, () => {
      const files = packedFiles(dir)
      // Built first (`npm test` runs `tsc -b`): an empty pack would pass the second check vacuously.
      expect(files).toContain('dist/index.js')
      expect(files).toContain('src/index.ts')
      // A checkout built before tests left the build keeps their old output: `npm run clean` removes it.
      expect(
        files.filter((path) => TEST_ONLY.test(path)),
        'test files in the pack (stale dist? npm run clean)',
      ).toEqual([])
    })
  }
})
