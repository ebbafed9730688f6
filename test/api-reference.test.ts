// docs/reference/api.md names every export of every entry point; this holds it to the code. An
// entry point that grows a name the page does not list fails here, and so does a page that still
// lists a name the code dropped.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

interface Manifest {
  readonly name: string
  readonly exports?: Record<string, { readonly default: string }>
}

interface EntryPoint {
  /** What users import, e.g. `@eventcore/core/memory`. */
  readonly specifier: string
  /** The TypeScript source the entry is built from. */
  readonly source: string
}

/** Every subpath of every package's `exports` map, mapped back from `dist/x.js` to `src/x.ts`. */
function entryPoints(): EntryPoint[] {
  return readdirSync(join(root, 'packages')).flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest
    return Object.entries(manifest.exports ?? {}).map(([subpath, target]) => ({
      specifier: subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
      source: join(root, 'packages', dir, target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')),
    }))
  })
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*/

/**
 * The names a module exports, read from its text: `export { a, type B } from`, `export type { C }`
 * and exported declarations. `export *` would hide names from this reading, so it is refused.
 */
export function exportedNames(text: string): string[] {
  if (/^export\s*\*/m.test(text)) throw new Error('export * hides what an entry point exports; list the names')
  const names: string[] = []
  for (const [, list = ''] of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}/gm)) {
    for (const part of list.split(',')) {
      const words = part.trim().replace(/^type\s+/, '')
      if (words === '') continue
      // `a as b` exports b.
      names.push(
        words
          .split(/\s+as\s+/)
          .at(-1)
          ?.trim() ?? words,
      )
    }
  }
  const declaration =
    /^export\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:function\*?|const|let|class|interface|type|enum|abstract\s+class)\s+([A-Za-z_$][\w$]*)/gm
  for (const [, name = ''] of text.matchAll(declaration)) names.push(name)
  return [...new Set(names)].sort()
}

/**
 * The names each `## \`entry\`` section of the page documents: the leading name of every backticked
 * item in its `####` headings (`new X(…)`, `await f(…)` and `` `a`, `b` `` lists included); a
 * method heading such as `await store.append(…)` documents a member, not an export.
 */
export function documentedNames(markdown: string): Map<string, string[]> {
  const sections = new Map<string, string[]>()
  let current: string[] | undefined
  for (const line of markdown.split('\n')) {
    const section = /^## `([^`]+)`\s*$/.exec(line)
    if (section?.[1]) {
      current = []
      sections.set(section[1], current)
      continue
    }
    if (line.startsWith('## ')) current = undefined
    if (!current || !line.startsWith('#### ')) continue
    for (const [, item = ''] of line.matchAll(/`([^`]+)`/g)) {
      const text = item.replace(/^(?:await|new)\s+/, '')
      const name = IDENTIFIER.exec(text)?.[0]
      if (name && text[name.length] !== '.') current.push(name)
    }
  }
  for (const [entry, names] of sections) sections.set(entry, [...new Set(names)].sort())
  return sections
}

const page = readFileSync(join(root, 'docs/reference/api.md'), 'utf8')
const documented = documentedNames(page)

describe('docs/reference/api.md', () => {
  const entries = entryPoints()

  it('reads the entry points from the packages', () => {
    expect(entries.map((entry) => entry.specifier)).toContain('@eventcore/core')
  })

  for (const entry of entries) {
    it(`lists exactly what ${entry.specifier} exports`, () => {
      expect(documented.has(entry.specifier), `no "## \`${entry.specifier}\`" section`).toBe(true)
      const exported = exportedNames(readFileSync(entry.source, 'utf8'))
      expect(exported.length).toBeGreaterThan(0)
      expect({ entry: entry.specifier, names: documented.get(entry.specifier) }).toEqual({
        entry: entry.specifier,
        names: exported,
      })
    })
  }

  it('has no section for an entry point that does not exist', () => {
    expect([...documented.keys()].filter((name) => !entries.some((e) => e.specifier === name))).toEqual([])
  })
})

describe('reading names', () => {
  it('reads re-exports, renames, types and declarations', () => {
    const text = [
      "export { a, type B, c as d } from './x.js'",
      "export type {\n  E,\n  F,\n} from './y.js'",
      'export function g() {}',
      'export interface H {}',
      'export const I = 1',
      'const notExported = 2',
    ].join('\n')
    expect(exportedNames(text)).toEqual(['B', 'E', 'F', 'H', 'I', 'a', 'd', 'g'].sort())
  })

  it('refuses export *', () => {
    expect(() => exportedNames("export * from './x.js'")).toThrow(/export \*/)
  })

  it('reads headings: lists, constructors, awaits; skips methods and other sections', () => {
    const markdown = [
      '## `@x/a`',
      '#### `f(x) -> Y`',
      '#### `new E(issues)`',
      '#### `await open(options) -> S`',
      '#### `await store.append(writes) -> R`',
      '#### `A` (type), `B<T>` (type)',
      '#### `C`, `D`; `G` (types)',
      '## Notes',
      '#### `notAnExport`',
      '## `@x/b`',
      '#### `h() -> void`',
    ].join('\n')
    expect(Object.fromEntries(documentedNames(markdown))).toEqual({
      '@x/a': ['A', 'B', 'C', 'D', 'E', 'G', 'f', 'open'].sort(),
      '@x/b': ['h'],
    })
  })
})
