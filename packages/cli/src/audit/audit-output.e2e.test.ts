// `audit` through the built binary: the configuration source, the text, JSON and SARIF outputs,
// --fail-on and the exit codes.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runBuiltCli, TEST_SECRET } from '../test-cli.js'
import { RULE_IDS, RULES } from './rules.js'
import { runAudit, sarifErrors } from './test-audit.js'

const RANDOM_SECRET = 'q3V9xT2mL7pK4wZ8rN1bH6cJ5fD0gS8yA2eU7iO4tR9='
/** A production configuration with nothing to find. */
const GOOD = {
  NODE_ENV: 'production',
  EVENTCORE_DATA_DIR: 'memory://',
  EVENTCORE_JWT_SECRET: RANDOM_SECRET,
  EVENTCORE_JWT_AUDIENCE: 'users-api',
  EVENTCORE_TRUST_PROXY: 'true',
  EVENTCORE_METRICS_PORT: '9464',
  EVENTCORE_CORS_ORIGINS: 'https://app.example.com',
}
/** Development mode, a guessable secret, any origin, day-long tokens. */
const BAD = {
  EVENTCORE_DATA_DIR: 'memory://',
  EVENTCORE_JWT_SECRET: 'abababababababababababababababab',
  EVENTCORE_CORS_ORIGINS: '*',
  EVENTCORE_JWT_MAX_AGE_SECONDS: '86400',
  EVENTCORE_JWT_AUDIENCE: 'users-api',
}
const audit = (args: readonly string[], env: Readonly<Record<string, string>>) => runBuiltCli(['audit', ...args], env)

describe('eventcore-cli audit', () => {
  it('passes a good production configuration: ✅ for the configuration, the other sources skipped with why', async () => {
    const run = await audit(['--no-database'], GOOD)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(
      [
        'Sources:',
        '✅ config — nothing found',
        '⏭️  database — skipped: --no-database',
        '⏭️  url — skipped: no --url given',
        '',
        '0 findings (0 critical, 0 high, 0 medium, 0 low): passes --fail-on high',
        '',
      ].join('\n'),
    )
  })

  it('prints a bad configuration grouped by severity, worst first, and exits 1', async () => {
    const run = await audit([], BAD)
    expect(run.code).toBe(1)
    const headings = run.stdout.split('\n').filter((line) => /^[A-Z]+ \(\d+\)$/.test(line))
    expect(headings).toEqual(['CRITICAL (2)', 'HIGH (2)', 'MEDIUM (1)'])
    expect(run.stdout).toContain('❌ config — 5 findings')
    // No database URL: the embedded PGlite, which has nothing of the database rules to audit.
    expect(run.stdout).toContain('⏭️  database — skipped: embedded PGlite: no network, TLS, roles or pg_hba.conf')
    expect(run.stdout).toMatch(
      /CRITICAL \(2\)\n {2}EC-ENC-001 .*\n.*\n.*\n {2}EC-NET-001 CORS allows any origin \[network-security, config\]/,
    )
    expect(run.stdout).toContain('EVENTCORE_JWT_SECRET has about 32 bits of entropy (32 bytes, 2 distinct characters)')
    expect(run.stdout).toContain('EVENTCORE_JWT_MAX_AGE_SECONDS is 86400 (24.0 h)')
    expect(run.stdout).toMatch(/5 findings \(2 critical, 2 high, 1 medium, 0 low\): fails --fail-on high\n$/)
    expect(run.stdout).not.toContain(BAD.EVENTCORE_JWT_SECRET)
  })

  it('sets the exit code by --fail-on: a medium finding fails only --fail-on medium or low', async () => {
    const env = { ...GOOD, EVENTCORE_JWT_MAX_AGE_SECONDS: '86400' }
    expect((await runAudit(['--no-database'], env)).code).toBe(0)
    expect((await runAudit(['--no-database', '--fail-on', 'medium'], env)).code).toBe(1)
    expect((await runAudit(['--no-database', '--fail-on', 'low'], env)).code).toBe(1)
    const weak = { ...GOOD, EVENTCORE_JWT_SECRET: BAD.EVENTCORE_JWT_SECRET }
    expect((await runAudit(['--no-database'], weak)).code).toBe(1)
    expect((await runAudit(['--no-database', '--fail-on', 'critical'], weak)).code).toBe(0)
  })

  it('prints { findings, summary, sources } with --format json, and the same with --json', async () => {
    const run = await runAudit(['--no-database', '--fail-on', 'medium'], BAD)
    expect(run.report.summary).toEqual({
      total: 5,
      bySeverity: { critical: 2, high: 2, medium: 1, low: 0 },
      failOn: 'medium',
      failed: true,
    })
    expect(run.report.sources).toEqual([
      { source: 'config', status: 'audited', findings: 5, notes: [] },
      { source: 'database', status: 'skipped', reason: '--no-database' },
      { source: 'url', status: 'skipped', reason: 'no --url given' },
    ])
    for (const found of run.report.findings) {
      expect(Object.keys(found).sort()).toEqual(
        ['category', 'description', 'id', 'location', 'recommendation', 'severity', 'source', 'title'].sort(),
      )
    }
    const json = await audit(['--no-database', '--fail-on', 'medium', '--json'], BAD)
    expect(JSON.parse(json.stdout)).toEqual(run.report)
  })

  it('prints SARIF 2.1.0 that validates against the official schema, every rule listed', async () => {
    const run = await audit(['--no-database', '--format', 'sarif'], BAD)
    expect(run.code).toBe(1)
    const log = JSON.parse(run.stdout) as {
      version: string
      runs: {
        tool: { driver: { name: string; rules: { id: string; defaultConfiguration: { level: string } }[] } }
        results: { ruleId: string; level: string; locations: { logicalLocations: { name: string }[] }[] }[]
      }[]
    }
    expect(sarifErrors(log)).toEqual([])
    const [only] = log.runs
    expect(only?.tool.driver.name).toBe('eventcore-cli')
    expect(only?.tool.driver.rules.map((rule) => rule.id)).toEqual(RULE_IDS)
    expect(only?.results.map((result) => [result.ruleId, result.level])).toEqual([
      ['EC-ENC-001', 'error'],
      ['EC-NET-001', 'error'],
      ['EC-AUTH-002', 'error'],
      ['EC-DATA-003', 'error'],
      ['EC-AUTH-003', 'warning'],
    ])
    expect(only?.results[1]?.locations[0]?.logicalLocations[0]?.name).toBe('EVENTCORE_CORS_ORIGINS')
    // The schema is no rubber stamp: a level SARIF does not know is refused.
    expect(
      sarifErrors({ ...log, runs: [{ ...only, results: [{ ...only?.results[0], level: 'critical' }] }] }),
    ).not.toEqual([])
  })

  it('refuses a configuration the service would refuse (production without HTTPS) with one line and exit 2', async () => {
    const run = await audit([], { ...GOOD, EVENTCORE_ENFORCE_HTTPS: 'false' })
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      'error: the configuration has 1 problem: EVENTCORE_ENFORCE_HTTPS=false is refused with NODE_ENV=production; terminate TLS at a proxy and set EVENTCORE_TRUST_PROXY\n',
    )
  })

  it('answers an unknown --format or --fail-on with exit 2', async () => {
    const env = { EVENTCORE_DATA_DIR: 'memory://', EVENTCORE_JWT_SECRET: TEST_SECRET }
    for (const args of [
      ['--format', 'xml'],
      ['--fail-on', 'severe'],
    ]) {
      const run = await audit(args, env)
      expect(run.code).toBe(2)
      expect(run.stderr).toMatch(/^error: option '--(format|fail-on) <\w+>' argument '\w+' is invalid/)
    }
  })

  it('shows its flags, sources and exit codes in --help', async () => {
    const run = await runBuiltCli(['audit', '--help'])
    expect(run.code).toBe(0)
    for (const flag of [
      '--url',
      '--database-url',
      '--data-dir',
      '--no-config',
      '--no-database',
      '--token',
      '--format',
      '--fail-on',
      '--flood-max',
    ]) {
      expect(run.stdout).toContain(flag)
    }
    expect(run.stdout).toMatch(
      /Exit codes: 0 no finding at or above --fail-on \(default high\), 1 some finding is, 2 bad usage/,
    )
  })

  it('documents every rule with its severity in docs/cli.md', () => {
    const docs = readFileSync(join(import.meta.dirname, '../../../../docs/cli.md'), 'utf8')
    for (const id of RULE_IDS) expect(docs).toMatch(new RegExp(`\\| ${id} +\\| ${RULES[id].severity} +\\|`))
  })
})
