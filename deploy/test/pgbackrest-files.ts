// Test support: reads the deploy kit's pgBackRest files (deploy/pgbackrest/) the way pgBackRest,
// PostgreSQL and cron do, and writes the shipped configuration again with a test's own paths, so a
// test runs the shipped settings (retention, compression, async archiving…) on a scratch cluster.
import { readFileSync } from 'node:fs'
import { deployFile } from './deploy-files.js'

/** The shipped files. */
export const PGBACKREST_FILES = {
  config: deployFile('pgbackrest', 'pgbackrest.conf'),
  postgresql: deployFile('pgbackrest', 'postgresql.conf'),
  cron: deployFile('pgbackrest', 'pgbackrest.cron'),
} as const

/** A pgBackRest configuration: section (`global`, `global:archive-push`, a stanza) → option → value. */
export type PgbackrestSettings = ReadonlyMap<string, ReadonlyMap<string, string>>

// pgBackRest's format: `[section]` headers, `key=value` lines, `#` comments.
const SECTION = /^\[([^\]]+)\]\s*$/
const OPTION = /^([a-z0-9-]+)\s*=\s*(.*?)\s*$/

/**
 * The options a pgBackRest configuration sets, by section; a line that is neither a comment, a
 * section nor an option throws, as pgBackRest would refuse it.
 *
 * @example
 * pgbackrestSettings('[global]\nstart-fast=y\n').get('global')?.get('start-fast') // 'y'
 */
export function pgbackrestSettings(text: string): PgbackrestSettings {
  const sections = new Map<string, Map<string, string>>()
  let current: Map<string, string> | undefined
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const section = SECTION.exec(line)
    if (section?.[1]) {
      current = sections.get(section[1]) ?? new Map()
      sections.set(section[1], current)
      continue
    }
    const option = OPTION.exec(line)
    if (!option?.[1] || option[2] === undefined || !current) throw new Error(`line ${index + 1}: not an option: ${raw}`)
    current.set(option[1], option[2])
  }
  return sections
}

/**
 * The configuration `text` with the given options of each section replaced (or added at the
 * section's start when absent); every other line, comments included, as it was.
 *
 * @example
 * withOptions(shipped, { global: { 'repo1-path': '/tmp/x/repo' }, eventcore: { 'pg1-port': '5450' } })
 */
export function withOptions(
  text: string,
  overrides: Readonly<Record<string, Readonly<Record<string, string>>>>,
): string {
  const pending = new Map(
    Object.entries(overrides).map(([section, options]) => [section, new Map(Object.entries(options))]),
  )
  const out: string[] = []
  let section: string | undefined
  // Options not replaced in a section are added right after its header, when it is left.
  const flush = () => {
    const rest = section === undefined ? undefined : pending.get(section)
    if (!rest || section === undefined) return
    const header = out.lastIndexOf(`[${section}]`)
    out.splice(header + 1, 0, ...[...rest].map(([key, value]) => `${key}=${value}`))
    pending.delete(section)
  }
  for (const line of text.split('\n')) {
    const header = SECTION.exec(line.trim())
    if (header?.[1]) {
      flush()
      section = header[1]
      out.push(line.trim())
      continue
    }
    const option = OPTION.exec(line.trim())
    const replacement = option?.[1] && section !== undefined ? pending.get(section)?.get(option[1]) : undefined
    if (option?.[1] && replacement !== undefined && section !== undefined) {
      out.push(`${option[1]}=${replacement}`)
      pending.get(section)?.delete(option[1])
    } else {
      out.push(line)
    }
  }
  flush()
  if (pending.size > 0) throw new Error(`no section ${[...pending.keys()].join(', ')} in the configuration`)
  return out.join('\n')
}

/**
 * The settings of a `postgresql.conf` fragment (`name = value`, values unquoted), in file order.
 *
 * @example
 * postgresqlSettings("archive_mode = on\narchive_timeout = 60s\n").get('archive_timeout') // '60s'
 */
export function postgresqlSettings(text: string): ReadonlyMap<string, string> {
  const settings = new Map<string, string>()
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s*#.*$/, '').trim()
    if (line === '') continue
    const setting = /^([a-z_]+)\s*=\s*(?:'((?:[^']|'')*)'|(\S+))\s*(?:#.*)?$/.exec(line)
    if (!setting?.[1]) throw new Error(`not a setting: ${raw}`)
    settings.set(setting[1], setting[2]?.replaceAll("''", "'") ?? setting[3] ?? '')
  }
  return settings
}

/** One line of a cron.d file: when, as whom, and the command's words. */
export interface CronJob {
  /** The five time fields, e.g. `30 1 * * 0`. */
  readonly schedule: string
  readonly user: string
  readonly command: readonly string[]
}

/**
 * The jobs of a cron.d file (comments and blank lines skipped). The commands are split on spaces:
 * the shipped ones quote nothing.
 *
 * @example
 * cronJobs('30 1 * * 0 postgres pgbackrest --type=full backup')[0]?.user // 'postgres'
 */
export function cronJobs(text: string): readonly CronJob[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const words = line.split(/\s+/)
      if (words.length < 7) throw new Error(`not a cron.d job (time, user, command): ${line}`)
      return { schedule: words.slice(0, 5).join(' '), user: words[5] ?? '', command: words.slice(6) }
    })
}

/** Reads one of the shipped files. */
export const readShipped = (file: keyof typeof PGBACKREST_FILES): string => readFileSync(PGBACKREST_FILES[file], 'utf8')
