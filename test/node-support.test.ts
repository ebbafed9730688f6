// One Node.js support statement: the root's engines field, every published package's, the README
// and every installed package's engines.node agree. A dependency that drops a Node version we
// promise fails here (and `npm install` would warn EBADENGINE), instead of surprising a user.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

interface Manifest {
  readonly name?: string
  readonly version?: string
  readonly private?: boolean
  readonly engines?: { readonly node?: string }
}

const manifestAt = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest

/** The Node versions we support, as the root package.json states them. */
const supported = manifestAt(root).engines?.node ?? ''

/**
 * Installed packages whose engines.node leaves out a version we support, each with why we live
 * with it. Empty: light-my-request is held at 6.6.x by the root's `overrides` (6.8 brought
 * cookie 2, which wants Node 22).
 */
const EXCEPTIONS: Readonly<Record<string, string>> = {}

/** Every package under `node_modules` (nested ones too), skipping our own workspaces' links. */
function installed(dir: string): { readonly where: string; readonly manifest: Manifest }[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => {
      const path = join(dir, name)
      if (name.startsWith('@')) return installed(path)
      if (!statSync(path).isDirectory() || path.includes('/node_modules/@eventcore/')) return []
      let manifest: Manifest
      try {
        manifest = manifestAt(path)
      } catch {
        return []
      }
      return [{ where: path, manifest }, ...installed(join(path, 'node_modules'))]
    })
}

describe('Node.js support', () => {
  it('is stated once: a valid range that this Node (CI’s) is in', () => {
    expect(semver.validRange(supported)).not.toBeNull()
    expect(semver.satisfies(process.version, supported)).toBe(true)
  })

  it('is the same in every published package', () => {
    const packages = readdirSync(join(root, 'packages')).map((dir) => manifestAt(join(root, 'packages', dir)))
    const published = packages.filter((manifest) => manifest.private !== true)
    expect(published.length).toBeGreaterThan(0)
    for (const manifest of published) expect(manifest.engines?.node, manifest.name).toBe(supported)
  })

  it('is what the README and getting started promise', () => {
    const minimum = semver.minVersion(supported)
    const said = `Node.js ${minimum?.major}.${minimum?.minor}`
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain(said)
    expect(readFileSync(join(root, 'docs/getting-started.md'), 'utf8')).toContain(said)
  })

  it('is within what every installed package supports (npm install warns EBADENGINE otherwise)', () => {
    const all = installed(join(root, 'node_modules'))
    expect(all.length).toBeGreaterThan(100)
    const excluding = all
      .filter(({ manifest }) => manifest.engines?.node !== undefined)
      .filter(({ manifest }) => {
        const range = semver.validRange(manifest.engines?.node ?? '')
        return range === null || !semver.subset(supported, range)
      })
      .map(({ manifest }) => `${manifest.name}@${manifest.version} wants node ${manifest.engines?.node}`)
      .filter((line) => EXCEPTIONS[line.slice(0, line.lastIndexOf('@'))] === undefined)
    expect(excluding).toEqual([])
  })
})
