// The docs as a new user follows them: every relative link and anchor leads somewhere, and every
// `npm run` script, `eventcore-cli` command and EVENTCORE_* variable they name exists. (The
// configuration table against the schema is packages/service/src/config/configuration-docs.test.ts;
// quoted code is docs/examples/snippets.test.ts.)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { type CliIo, runCli } from '@eventcore/cli'
import { ENV_NAMES, formatProblems, loadConfig } from '@eventcore/service'
import GithubSlugger from 'github-slugger'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

function markdownUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return markdownUnder(path)
    return name.endsWith('.md') ? [path] : []
  })
}

const pages = [join(root, 'README.md'), ...markdownUnder(join(root, 'docs'))]
const text = new Map(pages.map((page) => [page, readFileSync(page, 'utf8')]))
const name = (page: string) => relative(root, page)

/** A page without its fenced code blocks: links and headings there are not the page's. */
const prose = (markdown: string) => markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')

/** The anchors GitHub makes for a page's headings (and any explicit `<a id>` / `<a name>`). */
function anchorsOf(markdown: string): Set<string> {
  const slugger = new GithubSlugger()
  const anchors = new Set<string>()
  for (const [, heading = ''] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const plain = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replaceAll('`', '')
    anchors.add(slugger.slug(plain))
  }
  for (const [, id = ''] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id)
  return anchors
}

/** Every inline link target of a page outside code: `[text](target)`. */
function linksOf(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(([, target = '']) => target)
}

describe('links in README.md and docs/', () => {
  it('reads the pages', () => {
    expect(pages.length).toBeGreaterThan(30)
  })

  it('lead to files and headings that exist', () => {
    const broken: string[] = []
    for (const page of pages) {
      for (const target of linksOf(text.get(page) ?? '')) {
        if (/^[a-z][a-z+.-]*:/i.test(target)) continue // http:, https:, mailto:
        const [path = '', anchor] = target.split('#')
        const file = path === '' ? page : join(dirname(page), decodeURIComponent(path))
        if (!existsSync(file)) {
          broken.push(`${name(page)}: ${target} (no such file)`)
          continue
        }
        if (anchor === undefined || anchor === '') continue
        if (!file.endsWith('.md')) {
          if (!/^L\d+(-L\d+)?$/.test(anchor)) broken.push(`${name(page)}: ${target} (an anchor in a non-Markdown file)`)
          continue
        }
        const anchors = anchorsOf(text.get(file) ?? readFileSync(file, 'utf8'))
        if (!anchors.has(decodeURIComponent(anchor))) broken.push(`${name(page)}: ${target} (no such heading)`)
      }
    }
    expect(broken).toEqual([])
  })

  it('make anchors the way GitHub does', () => {
    expect([...anchorsOf('# A `code` title\n## Rate limits and CORS\n## Rate limits and CORS\n')]).toEqual([
      'a-code-title',
      'rate-limits-and-cors',
      'rate-limits-and-cors-1',
    ])
  })
})

describe('what the docs tell a user to run', () => {
  const all = [...text.values()].join('\n')

  it('names only npm scripts that package.json has', () => {
    const scripts = Object.keys(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
    )
    const named = new Set([...all.matchAll(/\bnpm run (?:-s )?([a-z][\w:-]*)/g)].map(([, script = '']) => script))
    expect(named.size).toBeGreaterThan(5)
    expect([...named].filter((script) => !scripts.includes(script))).toEqual([])
  })

  it('names only EVENTCORE_* variables that the service reads, or that a test, the CLI or the bench reads', () => {
    // Not the service's configuration, but read by code (each is checked to be): the tests'
    // databases and Prometheus, the CLI's backup directory, the benchmark's and the soak test's knobs.
    const elsewhere: Readonly<Record<string, string>> = {
      EVENTCORE_ENV_FILE: 'packages/service/src/env-file.ts',
      EVENTCORE_TEST_DATABASE_URL: 'packages/postgres/src/test-database.ts',
      EVENTCORE_TEST_REDIS_URL: 'packages/http/src/limits-redis.int.test.ts',
      EVENTCORE_TEST_REQUIRE_PROMETHEUS: 'packages/service/src/testing/prometheus.ts',
      EVENTCORE_BACKUP_DIR: 'packages/cli/src/backup-flags.ts',
      EVENTCORE_BENCH_DATABASE_URL: 'bench/src/settings.ts',
      EVENTCORE_BENCH_SECONDS: 'bench/src/settings.ts',
      EVENTCORE_BENCH_ROUNDS: 'bench/src/settings.ts',
      EVENTCORE_BENCH_ONLY: 'bench/src/settings.ts',
      EVENTCORE_SOAK_SECONDS: 'bench/src/soak/soak-settings.ts',
      EVENTCORE_SOAK_RATE: 'bench/src/soak/soak-settings.ts',
    }
    for (const [variable, file] of Object.entries(elsewhere))
      expect(readFileSync(join(root, file), 'utf8'), `${variable} in ${file}`).toContain(variable)
    const known = [...ENV_NAMES, ...Object.keys(elsewhere)]
    const named = new Set([...all.matchAll(/\bEVENTCORE_[A-Z0-9_]*[A-Z0-9](_\*)?/g)].map(([variable]) => variable))
    const unknown = [...named].filter((variable) =>
      variable.endsWith('_*')
        ? !known.some((name) => name.startsWith(variable.slice(0, -1)))
        : !known.includes(variable) && !known.includes(variable.replace(/_FILE$/, '')),
    )
    expect(unknown).toEqual([])
  })

  it('names only eventcore-cli commands, and flags of theirs, that the CLI has', async () => {
    const helps = new Map<string, string>()
    /** `eventcore-cli <path> --help`, run in this process (a process each would take a minute). */
    const help = async (path: readonly string[]) => {
      const key = path.join(' ')
      const known = helps.get(key)
      if (known !== undefined) return known
      let out = ''
      const io: CliIo = {
        stdout: (text) => {
          out += text
        },
        stderr: () => {},
        env: {},
        stdoutIsTty: false,
        stderrIsTty: false,
        cwd: root,
        now: () => new Date(),
      }
      await runCli([...path, '--help'], io)
      helps.set(key, out)
      return out
    }
    /** The commands a help text lists. */
    const commandsIn = (output: string) =>
      new Set(
        [...((output.split('\nCommands:\n')[1] ?? '').split('\n\n')[0]?.matchAll(/^ {2}([a-z][\w-]*)/gm) ?? [])].map(
          ([, command = '']) => command,
        ),
      )
    expect(commandsIn(await help([])).has('checklist')).toBe(true)
    const wrong: string[] = []
    for (const [, words = ''] of all.matchAll(/\beventcore-cli ([^\n`]*)/g)) {
      // Walk the words while they name commands (`backup create|verify` names several), then check
      // the flags on the rest of the line against the help of the command reached.
      let paths: string[][] = [[]]
      let rest = words.split(/\s+/)
      for (;;) {
        const [word = ''] = rest
        if (!/^[a-z][\w-]*(\|[a-z][\w-]*)*$/.test(word) || paths[0]?.[0] === 'help') break
        const output = await help(paths[0] ?? [])
        const commands = commandsIn(output)
        if (commands.size === 0) break
        const named = word.split('|')
        if (named.some((command) => !commands.has(command))) {
          // A command with subcommands may take an argument of its own (`dead-letters <name>`).
          const takesArgument = /^Usage: .*\[command\] [<[]/m.test(output)
          if (!takesArgument || named.length > 1) wrong.push(`eventcore-cli ${[...(paths[0] ?? []), word].join(' ')}`)
          break
        }
        paths = paths.flatMap((path) => named.map((command) => [...path, command]))
        rest = rest.slice(1)
      }
      for (const path of paths) {
        const options = (await help(path)) + (await help([]))
        for (const [flag] of rest.join(' ').matchAll(/(?<![\w-])--[a-z][\w-]*/g))
          if (!new RegExp(`(^|[\\s,])${flag}\\b`, 'm').test(options))
            wrong.push(`eventcore-cli ${path.join(' ')} ${flag}`)
      }
    }
    expect([...new Set(wrong)]).toEqual([])
  })
})

describe('docs/configuration.md', () => {
  it('quotes the message a bad configuration really prints', () => {
    const page = text.get(join(root, 'docs/configuration.md')) ?? ''
    const quoted = /```text\n(The configuration has [\s\S]*?)```/.exec(page)?.[1] ?? ''
    const env = Object.fromEntries(
      [...quoted.matchAll(/^ {2}- (EVENTCORE_[A-Z_]+) .*, got '([^']*)'$/gm)].map(([, name = '', value = '']) => [
        name,
        value,
      ]),
    )
    expect(Object.keys(env).length).toBeGreaterThan(1)
    const loaded = loadConfig(env)
    expect(loaded.ok).toBe(false)
    if (!loaded.ok) expect(`${formatProblems(loaded.problems)}\n`).toBe(quoted)
  })
})
