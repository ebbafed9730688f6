// Test support (not built): the audit run through the built binary, its JSON report read back.
import { expect } from 'vitest'
import { type CliRun, runBuiltCli, TEST_SECRET } from '../test-cli.js'
import type { Finding } from './finding.js'
import type { AuditReport } from './report.js'

/** A finished `audit --format json` run and its report. */
export interface AuditRun extends CliRun {
  readonly report: AuditReport
  /** The ids of its findings, sorted. */
  readonly ids: readonly string[]
  /** The finding of rule `id`, if any. */
  readonly find: (id: string) => Finding | undefined
}

/**
 * Runs `eventcore-cli audit … --format json` with only `env` (over an in-memory data directory and
 * {@link TEST_SECRET}, so nothing is written; give a variable `''` to leave it unset) and parses its report.
 */
export async function runAudit(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<AuditRun> {
  const run = await runBuiltCli(['audit', ...args, '--format', 'json'], {
    EVENTCORE_DATA_DIR: 'memory://',
    EVENTCORE_JWT_SECRET: TEST_SECRET,
    ...env,
  })
  let report: AuditReport
  try {
    report = JSON.parse(run.stdout) as AuditReport
  } catch {
    throw new Error(`audit printed no JSON report (exit ${run.code}): ${run.stderr}${run.stdout}`)
  }
  expect(report.summary.total).toBe(report.findings.length)
  return {
    ...run,
    report,
    ids: report.findings.map((found) => found.id).sort(),
    find: (id) => report.findings.find((found) => found.id === id),
  }
}
