// Test support: deploy/Dockerfile and .dockerignore read as data, so the tests check and run what
// the files say instead of repeating their values. Only the syntax our Dockerfile uses is read:
// `\` line continuations, `#` comments, global ARGs in FROM, `--flag=value` flags, exec-form JSON,
// `ENV a=b c=d` with quotes and `$VAR`/`${VAR}`; .dockerignore patterns with `*`, `**`, `?` and `!`.

/** One instruction, its continuation lines joined. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { deployFile, REPO_ROOT } from './deploy-files.js'

export interface Instruction {
  /** Upper case: `FROM`, `COPY`, … */
  readonly keyword: string
  /** The leading `--name=value` flags (`--from=build`, `--interval=30s`); a bare `--link` is `''`. */
  readonly flags: Readonly<Record<string, string>>
  /** What follows the keyword and its flags. */
  readonly args: string
  /** 1-based line of the keyword. */
  readonly line: number
}

/** A build stage: its FROM and the instructions up to the next FROM. */
export interface Stage {
  /** The `AS` name, if any. */
  readonly name: string | undefined
  /** The image (or earlier stage) it starts from, global ARGs substituted. */
  readonly from: string
  readonly instructions: readonly Instruction[]
}

/** A parsed Dockerfile. */
export interface Dockerfile {
  /** Global ARGs (before the first FROM) and their defaults. */
  readonly globalArgs: Readonly<Record<string, string>>
  readonly stages: readonly Stage[]
}

/** Joins continuation lines and drops comments and blank lines. */
function logicalLines(text: string): { readonly text: string; readonly line: number }[] {
  const lines: { text: string; line: number }[] = []
  let current: { text: string; line: number } | undefined
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim()
    if (trimmed.startsWith('#') || (trimmed === '' && current === undefined)) return
    const continued = trimmed.endsWith('\\')
    const part = continued ? trimmed.slice(0, -1) : trimmed
    current = current === undefined ? { text: part, line: index + 1 } : { ...current, text: `${current.text} ${part}` }
    if (!continued) {
      lines.push(current)
      current = undefined
    }
  })
  if (current !== undefined) lines.push(current)
  return lines
}

/** Substitutes `$NAME` and `${NAME}` from `vars`; an unknown name becomes `''`, as Docker does. */
export function substitute(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, braced?: string, bare?: string) => vars[braced ?? bare ?? ''] ?? '')
}

function parseInstruction(text: string, line: number): Instruction {
  const [keyword = '', ...rest] = text.split(/\s+/)
  const flags: Record<string, string> = {}
  let args = rest.join(' ')
  for (let match = /^--([\w-]+)(?:=(\S*))?\s*/.exec(args); match; match = /^--([\w-]+)(?:=(\S*))?\s*/.exec(args)) {
    flags[match[1] ?? ''] = match[2] ?? ''
    args = args.slice(match[0].length)
  }
  return { keyword: keyword.toUpperCase(), flags, args, line }
}

/** Reads a Dockerfile's text. */
export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {}
  const stages: { name: string | undefined; from: string; instructions: Instruction[] }[] = []
  for (const { text: line, line: number } of logicalLines(text)) {
    const instruction = parseInstruction(line, number)
    const stage = stages.at(-1)
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/)
      const named = as?.toUpperCase() === 'AS' ? name : undefined
      stages.push({ name: named, from: substitute(image, globalArgs), instructions: [] })
    } else if (stage) {
      stage.instructions.push(instruction)
    } else if (instruction.keyword === 'ARG') {
      const [name = '', ...value] = instruction.args.split('=')
      globalArgs[name] = value.join('=')
    }
  }
  return { globalArgs, stages }
}

/** The stage named `name`, or the last one (what `docker build` without `--target` produces). */
export function stageOf(dockerfile: Dockerfile, name?: string): Stage {
  const stage = name === undefined ? dockerfile.stages.at(-1) : dockerfile.stages.find((s) => s.name === name)
  if (!stage) throw new Error(`no stage ${name ?? '(final)'} in the Dockerfile`)
  return stage
}

/** `stage` and the stages it builds on (`FROM <stage>`), base first. */
export function stageChain(dockerfile: Dockerfile, stage: Stage): readonly Stage[] {
  const parent = dockerfile.stages.find((s) => s.name !== undefined && s.name === stage.from)
  return parent ? [...stageChain(dockerfile, parent), stage] : [stage]
}

/** Every instruction of `keyword` in the chain of `stage`, in build order. */
export function instructionsOf(dockerfile: Dockerfile, stage: Stage, keyword: string): readonly Instruction[] {
  return stageChain(dockerfile, stage).flatMap((s) => s.instructions.filter((i) => i.keyword === keyword))
}

/** The last instruction of `keyword` in the chain of `stage` (the one that counts for USER, CMD, …). */
export function lastOf(dockerfile: Dockerfile, stage: Stage, keyword: string): Instruction | undefined {
  return instructionsOf(dockerfile, stage, keyword).at(-1)
}

/** The JSON array of an exec-form instruction, or undefined for the shell form. */
export function execForm(args: string): readonly string[] | undefined {
  if (!args.startsWith('[')) return undefined
  const parsed: unknown = JSON.parse(args)
  return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined
}

/** Splits `a=1 b="two words"` into pairs, honouring quotes and backslashes. */
function keyValues(args: string): [string, string][] {
  const words: string[] = []
  let word = ''
  let quote: string | undefined
  for (let at = 0; at < args.length; at++) {
    const char = args[at] ?? ''
    if (char === '\\' && quote !== "'") word += args[++at] ?? ''
    else if (quote !== undefined && char === quote) quote = undefined
    else if (quote === undefined && (char === '"' || char === "'")) quote = char
    else if (quote === undefined && /\s/.test(char)) {
      if (word !== '') words.push(word)
      word = ''
    } else word += char
  }
  if (word !== '') words.push(word)
  return words.map((pair) => {
    const equals = pair.indexOf('=')
    return [pair.slice(0, equals), pair.slice(equals + 1)]
  })
}

/**
 * The environment a container of `stage` starts with: `baseEnv` (the base image's, e.g. its PATH),
 * then each ENV of the chain in order, `$VAR` references resolved as the build resolves them.
 */
export function imageEnv(
  dockerfile: Dockerfile,
  stage: Stage,
  baseEnv: Readonly<Record<string, string>> = {},
): Readonly<Record<string, string>> {
  const env: Record<string, string> = { ...baseEnv }
  for (const instruction of instructionsOf(dockerfile, stage, 'ENV')) {
    // Docker resolves every value of one ENV against the environment before it.
    const before = { ...env }
    for (const [name, value] of keyValues(instruction.args)) env[name] = substitute(value, before)
  }
  return env
}

/** A COPY: from the build context (`from` undefined) or from an earlier stage. */
export interface Copy {
  readonly from: string | undefined
  readonly sources: readonly string[]
  readonly destination: string
}

/** Every COPY of the chain of `stage`, in build order. */
export function copiesOf(dockerfile: Dockerfile, stage: Stage): readonly Copy[] {
  return instructionsOf(dockerfile, stage, 'COPY').map(({ flags, args }) => {
    const words = execForm(args) ?? args.split(/\s+/)
    return { from: flags.from, sources: words.slice(0, -1), destination: words.at(-1) ?? '' }
  })
}

/** The HEALTHCHECK of `stage`: its options (`interval`, `timeout`, …) and its exec-form command. */
export interface Healthcheck {
  readonly options: Readonly<Record<string, string>>
  readonly command: readonly string[] | undefined
}

/** The HEALTHCHECK that counts for `stage`, or undefined without one (or with `HEALTHCHECK NONE`). */
export function healthcheckOf(dockerfile: Dockerfile, stage: Stage): Healthcheck | undefined {
  const instruction = lastOf(dockerfile, stage, 'HEALTHCHECK')
  if (!instruction || !/^CMD\s/i.test(instruction.args)) return undefined
  return { options: instruction.flags, command: execForm(instruction.args.replace(/^CMD\s+/i, '')) }
}

/** The ports EXPOSE declares in the chain of `stage` (`8080/tcp` counts as 8080). */
export function exposedPorts(dockerfile: Dockerfile, stage: Stage): readonly number[] {
  return instructionsOf(dockerfile, stage, 'EXPOSE').flatMap((i) =>
    i.args.split(/\s+/).map((p) => Number.parseInt(p, 10)),
  )
}

/** The mount points VOLUME declares in the chain of `stage`. */
export function volumesOf(dockerfile: Dockerfile, stage: Stage): readonly string[] {
  return instructionsOf(dockerfile, stage, 'VOLUME').flatMap((i) => execForm(i.args) ?? i.args.split(/\s+/))
}

/** A .dockerignore: whether a context path (relative, `/`-separated) is left out of the build context. */
export type ContextFilter = (path: string) => boolean

const GLOB_TOKENS: Readonly<Record<string, string>> = {
  '**/': '(?:.*/)?',
  '/**': '(?:/.*)?',
  '**': '.*',
  '*': '[^/]*',
  '?': '[^/]',
}

const patternRegExp = (pattern: string): RegExp => {
  const body = pattern
    .replace(/^\/+|\/+$/g, '')
    .split(/(\*\*\/|\/\*\*|\*\*|\*|\?)/)
    .map((token) => GLOB_TOKENS[token] ?? token.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
    .join('')
  return new RegExp(`^${body}$`)
}

/**
 * Reads a .dockerignore: a path is excluded when the last pattern matching it, or one of its parent
 * directories, is not a `!` exception (moby's patternmatcher, minus character classes).
 */
export function parseDockerignore(text: string): ContextFilter {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!')
      return { exception, pattern: patternRegExp(exception ? line.slice(1).trim() : line) }
    })
  return (path) => {
    const parts = path.replace(/^\.?\/+/, '').split('/')
    const prefixes = parts.map((_, at) => parts.slice(0, at + 1).join('/'))
    let excluded = false
    for (const { exception, pattern } of rules) {
      if (prefixes.some((prefix) => pattern.test(prefix))) excluded = !exception
    }
    return excluded
  }
}

/** The deploy kit's image as the tests read it: `deploy/Dockerfile`, its final stage, `.dockerignore`. */
export interface DeployImage {
  readonly dockerfile: Dockerfile
  readonly runtime: Stage
  readonly ignored: ContextFilter
}

/** Reads and parses `deploy/Dockerfile` and the repository's `.dockerignore`. */
export function readDeployImage(): DeployImage {
  const dockerfile = parseDockerfile(readFileSync(deployFile('Dockerfile'), 'utf8'))
  const ignored = parseDockerignore(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'))
  return { dockerfile, runtime: stageOf(dockerfile), ignored }
}
