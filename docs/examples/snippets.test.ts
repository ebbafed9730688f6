// Keeps the docs honest: every code block marked `<!-- snippet: file#region -->` in README.md and
// docs/**/*.md must equal that region of a file in docs/examples, which tsc builds and vitest runs.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const examples = fileURLToPath(new URL('.', import.meta.url))
const root = join(examples, '..', '..')
const SNIPPET = /<!-- snippet: (\S+?)#(\S+?) -->\n```ts\n([\s\S]*?)```/g

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'examples' ? [] : markdownFiles(path)
    return entry.name.endsWith('.md') ? [path] : []
  })
}

function region(file: string, name: string): string {
  const lines = readFileSync(join(examples, file), 'utf8').split('\n')
  const start = lines.indexOf(`// #region ${name}`)
  const end = lines.indexOf(`// #endregion ${name}`)
  if (start < 0 || end < start) throw new Error(`no region '${name}' in docs/examples/${file}`)
  return `${lines.slice(start + 1, end).join('\n')}\n`
}

describe('code in the docs', () => {
  const pages = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))]

  for (const page of pages) {
    const snippets = [...readFileSync(page, 'utf8').matchAll(SNIPPET)]
    if (snippets.length === 0) continue
    it(`${page.slice(root.length + 1)} quotes its examples verbatim`, () => {
      for (const [, file = '', name = '', code] of snippets) {
        expect(code, `${file}#${name}`).toBe(region(file, name))
      }
    })
  }
})
