// Test support (not built): the audit run through the built binary, its JSON report read back.
import { createRequire } from 'node:module'
import AjvDraft04 from 'ajv-draft-04'
import addFormats from 'ajv-formats'
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

const requireJson = createRequire(import.meta.url)
/**
 * The SARIF 2.1.0 JSON schema as Microsoft's SARIF SDK ships it on npm (`@microsoft/jest-sarif`,
 * `lib/schemas/sarif-2.1.0-rtm.5.json`, JSON Schema draft-04), not a copy of ours.
 */
const SARIF_SCHEMA_FILE = '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'

/** The schema errors of `log` against the SARIF 2.1.0 schema; empty when it is valid. */
export function sarifErrors(log: unknown): string[] {
  // The schema's language pattern has a stray `]` that the `u` flag refuses; without it the pattern works as intended.
  // Both are CommonJS: under NodeNext their constructor and function are the `default` of the module.
  const ajv = new AjvDraft04.default({ strict: false, allErrors: true, unicodeRegExp: false })
  addFormats.default(ajv)
  const validate = ajv.compile(requireJson(SARIF_SCHEMA_FILE) as object)
  if (validate(log)) return []
  return (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`)
}
