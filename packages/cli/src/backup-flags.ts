import { resolve } from 'node:path'
import type { RetentionPolicy } from '@eventcore/postgres'
import { type Command, InvalidArgumentError, Option } from 'commander'
import type { CliIo } from './io.js'

/** Where backups go when neither `--out`/`--dir` nor `EVENTCORE_BACKUP_DIR` says. */
export const DEFAULT_BACKUP_DIR = './backups'

/** The backup directory: the flag, else `EVENTCORE_BACKUP_DIR`, else `./backups`, from the working directory. */
export function backupDir(io: CliIo, flag: string | undefined): string {
  const fromEnv = io.env.EVENTCORE_BACKUP_DIR
  return resolve(io.cwd, flag ?? (fromEnv === undefined || fromEnv === '' ? DEFAULT_BACKUP_DIR : fromEnv))
}

/** Default of `validate backup --max-age` and `checklist --backup-max-age`: a daily schedule with two hours of slack. */
export const DEFAULT_BACKUP_MAX_AGE = '26h'

/** Parses a flag's whole number ≥ 0 (`--keep-daily 0`), as commander's argument parser. */
export function wholeNumber(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new InvalidArgumentError('expected a whole number ≥ 0')
  return Number(text)
}

// Date, time to at least the minute, fraction to milliseconds (what a Date holds), and a zone:
// a time without one would mean different instants on different machines.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})$/

/**
 * Parses `--to-time`: an ISO 8601 time with its zone (`2026-12-02T14:00:00Z`,
 * `2026-12-02T15:00+01:00`), to the millisecond. Anything else (no zone, a date alone, a day that
 * does not exist, more digits than a millisecond) is refused with the form expected.
 */
export function isoTime(text: string): Date {
  const match = ISO_TIME.exec(text)
  const at = new Date(text)
  const [, year, month, day, hour, minute, second] = match ?? []
  const valid =
    match !== null &&
    !Number.isNaN(at.getTime()) &&
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    // The day exists in its month (Date would roll 2026-02-30 over to March).
    Number(day) <= new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate() &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second ?? 0) <= 59
  if (!valid)
    throw new InvalidArgumentError(
      'expected an ISO 8601 time with a zone, to the millisecond at most, e.g. 2026-12-02T14:00:00Z or 2026-12-02T15:00:00+01:00',
    )
  return at
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** Parses a duration such as `26h`, `90m`, `7d`, `1.5h` (units s, m, h, d, w) into milliseconds. */
export function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim())
  const ms = match ? Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN) : Number.NaN
  if (!Number.isFinite(ms) || ms <= 0)
    throw new InvalidArgumentError('expected a duration such as 26h, 90m, 7d (units s, m, h, d, w)')
  return ms
}

/** A duration as people read it: `3.2 h`, `45 min`, `12 s`. */
export function durationText(ms: number): string {
  if (ms >= 172_800_000) return `${(ms / 86_400_000).toFixed(1)} d`
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`
  return `${Math.round(ms / 1000)} s`
}

/** The retention flags as commander gives them. */
export interface RetentionFlags {
  readonly keepLast?: number
  readonly keepDaily?: number
  readonly keepWeekly?: number
  readonly keepMonthly?: number
}

/** Adds `--keep-last`, `--keep-daily`, `--keep-weekly` and `--keep-monthly`. */
export function withRetentionFlags(command: Command): Command {
  return command
    .addOption(new Option('--keep-last <n>', 'keep the newest n backups').argParser(wholeNumber))
    .addOption(
      new Option('--keep-daily <n>', 'keep the newest backup of each of the last n days (UTC)').argParser(wholeNumber),
    )
    .addOption(
      new Option('--keep-weekly <n>', 'keep the newest backup of each of the last n ISO weeks').argParser(wholeNumber),
    )
    .addOption(
      new Option('--keep-monthly <n>', 'keep the newest backup of each of the last n months (UTC)').argParser(
        wholeNumber,
      ),
    )
}

/** The policy the flags give; `undefined` when none was given. */
export function retentionPolicy(flags: RetentionFlags): RetentionPolicy | undefined {
  const policy: RetentionPolicy = {
    ...(flags.keepLast === undefined ? {} : { keepLast: flags.keepLast }),
    ...(flags.keepDaily === undefined ? {} : { keepDaily: flags.keepDaily }),
    ...(flags.keepWeekly === undefined ? {} : { keepWeekly: flags.keepWeekly }),
    ...(flags.keepMonthly === undefined ? {} : { keepMonthly: flags.keepMonthly }),
  }
  return Object.keys(policy).length === 0 ? undefined : policy
}

/** `--keep-last 3 --keep-daily 7`: a policy as its flags, for messages. */
export const policyText = (policy: RetentionPolicy): string =>
  Object.entries(policy)
    .map(([key, n]) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${n}`)
    .join(' ')
