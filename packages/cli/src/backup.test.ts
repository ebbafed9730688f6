// `backup …` in-process: argument parsing, exit codes and one-line errors (no database needed), and
// how BackupErrors and reports are shown. The end-to-end runs are in backup.e2e.test.ts.
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BackupError, type BackupErrorKind } from '@eventcore/postgres'
import { describe, expect, it } from 'vitest'
import { onBackupError, problemLine, pruneText, sizeText } from './backup-report.js'
import { CliError } from './cli-error.js'
import { EXIT } from './exit-code.js'
import { runInProcess } from './test-cli.js'

const cwd = mkdtempSync(join(tmpdir(), 'eventcore-backup-args-'))

const cli = (args: readonly string[], env: Record<string, string> = {}) => runInProcess(args, env, cwd)

describe('backup arguments', () => {
  it('refuses prune without a policy: one line, exit 2, nothing listed', async () => {
    const run = await cli(['backup', 'prune', '--dir', cwd])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      'error: give a retention policy: at least one of --keep-last, --keep-daily, --keep-weekly, --keep-monthly\n',
    )
    expect(run.stdout).toBe('')
  })

  it('refuses prune with both --dry-run and --yes', async () => {
    const run = await cli(['backup', 'prune', '--keep-last', '1', '--dry-run', '--yes'])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe('error: give --dry-run or --yes, not both\n')
  })

  it('refuses a negative or fractional keep count', async () => {
    const run = await cli(['backup', 'prune', '--keep-daily', '-1'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--keep-daily/)
  })

  it('refuses --to-time and --to-position together', async () => {
    const run = await cli(['backup', 'restore', cwd, '--to-position', '3', '--to-time', '2026-12-02T14:00:00Z'])
    expect(run.code).toBe(2)
    expect(run.stderr.split('\n')[0]).toBe(
      "error: option '--to-time <time>' cannot be used with option '--to-position <n>'",
    )
  })

  it('refuses a --to-time that is not an ISO 8601 time with a zone, saying the form', async () => {
    const run = await cli(['backup', 'restore', cwd, '--to-time', '2026-12-02 14:00'])
    expect(run.code).toBe(2)
    expect(run.stderr.split('\n')[0]).toMatch(
      /^error: option '--to-time <time>' argument '2026-12-02 14:00' is invalid\. expected an ISO 8601 time with a zone.*2026-12-02T14:00:00Z/,
    )
  })

  it('answers a path that does not exist, or is no backup, with one line and exit 2 (before any database opens)', async () => {
    const missing = await cli(['backup', 'verify', 'nowhere'])
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${join(cwd, 'nowhere')}: no such file or directory\n`,
    })
    mkdirSync(join(cwd, 'empty'), { recursive: true })
    // A restore would otherwise create a PGlite database at --data-dir before finding out.
    const notBackup = await cli(['backup', 'restore', 'empty', '--data-dir', join(cwd, 'never-created')])
    expect(notBackup).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: ${join(cwd, 'empty')}: not a backup (no manifest.json)\n`,
    })
  })

  it('prints the error as JSON too with --json', async () => {
    const run = await cli(['--json', 'backup', 'verify', 'nowhere'])
    expect(run.code).toBe(2)
    expect(JSON.parse(run.stdout)).toEqual({
      error: { kind: 'usage', message: `${join(cwd, 'nowhere')}: no such file or directory` },
    })
  })

  it('lists a directory without backups as such, from EVENTCORE_BACKUP_DIR', async () => {
    const run = await cli(['backup', 'list'], { EVENTCORE_BACKUP_DIR: join(cwd, 'none-yet') })
    expect(run).toEqual({ code: 0, stdout: `no backups in ${join(cwd, 'none-yet')}\n`, stderr: '' })
  })
})

describe('BackupErrors', () => {
  const thrown = (kind: BackupErrorKind) =>
    onBackupError(async () => {
      throw new BackupError(kind, `${kind} happened`, {
        problems: [{ kind: 'chunk-missing', file: 'chunk-000002.ndjson.gz', detail: 'no such file' }],
      })
    })

  it('are exit 1 with every problem on its line when the backup is invalid', async () => {
    const outcome = await thrown('invalid-backup')
    expect(outcome.exitCode).toBe(EXIT.failed)
    expect(outcome.text).toBe('invalid-backup happened\nchunk-missing  chunk-000002.ndjson.gz  no such file\n')
  })

  it.each([
    ['not-a-backup', 'usage'],
    ['no-parent', 'usage'],
    ['bad-option', 'usage'],
    ['target-not-empty', 'usage'],
    ['io', 'config'],
  ] as const)('are a one-line %s error, exit 2 (CliError %s)', async (kind, cliKind) => {
    const error = await thrown(kind).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CliError)
    expect(error).toMatchObject({ kind: cliKind, message: `${kind} happened` })
  })

  it('leave other errors alone', async () => {
    const error = new Error('boom')
    await expect(
      onBackupError(async () => {
        throw error
      }),
    ).rejects.toBe(error)
  })
})

describe('reports', () => {
  it('name a problem by kind, file:line and detail', () => {
    expect(problemLine({ kind: 'order', file: 'chunk-000001.ndjson.gz', line: 17, detail: 'position 5 after 9' })).toBe(
      'order  chunk-000001.ndjson.gz:17  position 5 after 9',
    )
    expect(problemLine({ kind: 'count-mismatch', detail: '3 events, manifest says 4' })).toBe(
      'count-mismatch  -  3 events, manifest says 4',
    )
  })

  it('show sizes in binary units', () => {
    expect([sizeText(512), sizeText(3740), sizeText(5 * 1024 ** 3)]).toEqual(['512 B', '3.7 KiB', '5.0 GiB'])
  })

  it('show a prune newest first, with why each backup stays', () => {
    const result = { keep: [{ id: 'b-2', reasons: ['last 1', 'daily 2026-12-02'] }], remove: ['b-1'], removed: [] }
    expect(pruneText(result, { dryRun: true })).toBe(
      'ID   ACTION        KEPT BY\nb-2  keep          last 1, daily 2026-12-02\nb-1  would remove\n1 kept, 1 would remove\n',
    )
    expect(pruneText({ ...result, removed: ['b-1'] }, { dryRun: false })).toMatch(
      /b-1 {2}removed\n1 kept, 1 removed\n$/,
    )
    expect(pruneText({ keep: [], remove: [], removed: [] }, { dryRun: true })).toBe('0 kept, nothing to remove\n')
  })
})
