// docs/architecture.md draws the packages in layers; this keeps the code to the drawing. A package
// may name (in package.json or in an import) only packages of a lower layer.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

const LAYER: Readonly<Record<string, number>> = {
  '@eventcore/core': 0,
  '@eventcore/metrics': 1,
  '@eventcore/postgres': 1,
  '@eventcore/http': 2,
  '@eventcore/service': 3,
  '@eventcore/cli': 4,
}

interface Manifest {
  readonly name: string
  readonly dependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
}

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
}

/** The workspace packages a package names: in its manifest, and in the imports of its built sources. */
function namedPackages(dir: string, manifest: Manifest): string[] {
  const named = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})])
  for (const file of sourcesOf(join(dir, 'src')))
    for (const [, name = ''] of readFileSync(file, 'utf8').matchAll(/from '(@eventcore\/[a-z-]+)/g)) named.add(name)
  return [...named].filter((name) => name.startsWith('@eventcore/') && name !== manifest.name)
}

const packages = readdirSync(join(root, 'packages')).map((dir) => {
  const path = join(root, 'packages', dir)
  return { path, manifest: JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as Manifest }
})

describe('package layers', () => {
  it('knows every package', () => {
    expect(packages.map(({ manifest }) => manifest.name).sort()).toEqual(Object.keys(LAYER).sort())
  })

  for (const { path, manifest } of packages) {
    it(`${manifest.name} depends only on lower layers`, () => {
      const own = LAYER[manifest.name] ?? Number.NaN
      const upward = namedPackages(path, manifest).filter((name) => !((LAYER[name] ?? Number.NaN) < own))
      expect(upward).toEqual([])
    })
  }

  it('keeps web frameworks out of the layers below HTTP', () => {
    for (const { manifest } of packages.filter(({ manifest }) => (LAYER[manifest.name] ?? 0) < 2)) {
      const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })
      expect(deps.filter((name) => /fastify|express|hono|koa/.test(name))).toEqual([])
    }
  })
})
