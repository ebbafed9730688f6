// The built eventcore-cli against PostgreSQL over TLS, for real: one scratch cluster for the file
// with `ssl = on`, a certificate for localhost signed by a throwaway CA (written to a file, as
// EVENTCORE_DATABASE_SSL_CA_FILE wants it) and a pg_hba.conf that takes TCP over TLS only, opened
// to plaintext too for the audit's "this connection does not use TLS", and pinned to TLS 1.1 last.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { canCreateScratchCluster, createTlsScratchCluster, type TlsScratchCluster } from '@eventcore/postgres/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAudit } from './audit/test-audit.js'
import type { ChecklistReport } from './checklist/report.js'
import { type CliRun, runBuiltCli } from './test-cli.js'

const available = process.env.EVENTCORE_TEST_DATABASE_URL !== undefined && canCreateScratchCluster()

interface HealthJson {
  readonly checks: readonly { name: string; status: string; detail: string }[]
  readonly facts: { readonly tls: { inUse: boolean; version: string | null } | 'not-applicable' }
}

const TLS_FINDINGS = ['EC-ENC-010', 'EC-ENC-011', 'EC-ENC-012']

const dbTlsItem = (stdout: string) =>
  (JSON.parse(stdout) as ChecklistReport).sections
    .flatMap((section) => section.groups.flatMap((group) => group.items))
    .find((item) => item.id === 'security.db-tls')

/** The one line a refused connection prints: `error: …`, no stack, no second line. */
function oneErrorLine(run: CliRun): string {
  const lines = run.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(run.stderr).not.toMatch(/\n\s+at /)
  return lines[0] ?? ''
}

describe.runIf(available)('eventcore-cli over TLS to PostgreSQL (scratch cluster)', () => {
  let tls: TlsScratchCluster
  let dir: string
  let caFile: string
  let wrongCaFile: string
  const verifyFull = () => tls.url('sslmode=verify-full')
  const withCa = (file = caFile) => ({ EVENTCORE_DATABASE_SSL_CA_FILE: file })

  beforeAll(async () => {
    tls = await createTlsScratchCluster({ hba: 'tls-only' })
    dir = mkdtempSync(join(tmpdir(), 'eventcore-cli-tls-'))
    caFile = join(dir, 'ca.pem')
    wrongCaFile = join(dir, 'wrong-ca.pem')
    writeFileSync(caFile, tls.ca)
    writeFileSync(wrongCaFile, tls.wrongCa)
    // The schema, made by the CLI itself as the cluster's superuser, over verify-full.
    const migrate = await runBuiltCli(['migrate', '--database-url', verifyFull()], withCa())
    expect(migrate.stderr).toBe('')
    expect(migrate.code).toBe(0)
    expect(migrate.stdout).toMatch(/^now at \d+$/m)
  }, 60_000)
  afterAll(async () => {
    await tls?.drop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('health-check database over verify-full with the CA file: TLS in use, its version reported', async () => {
    const run = await runBuiltCli(['health-check', 'database', '--json'], {
      EVENTCORE_DATABASE_URL: verifyFull(),
      ...withCa(),
    })
    expect(run.stderr).toBe('')
    // Every check passes or warns (the superuser role warns): nothing fails.
    expect(run.code).toBe(0)
    const health = JSON.parse(run.stdout) as HealthJson
    expect(health.facts.tls).toEqual({ inUse: true, version: expect.stringMatching(/^TLSv1\.[23]$/) })
    const version = (health.facts.tls as { version: string }).version
    expect(health.checks.find((check) => check.name === 'TLS')).toEqual({
      name: 'TLS',
      status: 'pass',
      detail: `in use on this connection (${version})`,
    })
    expect(health.checks.find((check) => check.name === 'migrations')?.status).toBe('pass')
  })

  it('refuses a server certificate the given CA did not sign: exit 2, one line naming TLS and the cause, at once', async () => {
    const started = Date.now()
    const run = await runBuiltCli(['health-check', 'database', '--json'], {
      EVENTCORE_DATABASE_URL: verifyFull(),
      ...withCa(wrongCaFile),
    })
    const elapsed = Date.now() - started
    expect(run.code).toBe(2)
    expect(oneErrorLine(run)).toMatch(
      /^error: postgres:\/\/postgres@localhost:\d+\/postgres\?sslmode=verify-full: connecting to the database failed: TLS to PostgreSQL failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): unable to verify the first certificate; check the CA certificate/,
    )
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { kind: 'connection' } })
    // Refused on the handshake, not after the 5 s connect timeout.
    expect(elapsed).toBeLessThan(4000)
  })

  it('sslmode=disable against a server that takes TLS only: exit 2, one line saying the server refused plaintext', async () => {
    const run = await runBuiltCli(['health-check', 'database'], { EVENTCORE_DATABASE_URL: tls.url('sslmode=disable') })
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(oneErrorLine(run)).toMatch(
      /^error: postgres:\/\/postgres@localhost:\d+\/postgres\?sslmode=disable: connecting to the database failed \(28000\): no pg_hba\.conf entry for host "127\.0\.0\.1", user "postgres", database "postgres", no encryption$/,
    )
  })

  it('audit over verify-full finds nothing about database encryption', async () => {
    const run = await runAudit(['--no-config', '--database-url', verifyFull()], withCa())
    expect(run.stderr).toBe('')
    expect(run.report.sources).toContainEqual(expect.objectContaining({ source: 'database', status: 'audited' }))
    // The audit did look at this database: the superuser is reported, TLS is not.
    expect(run.ids).toContain('EC-AUTHZ-010')
    expect(run.ids.filter((id) => TLS_FINDINGS.includes(id))).toEqual([])
  })

  it('checklist over verify-full with the CA passes security.db-tls', async () => {
    const run = await runBuiltCli(['checklist', '--database-url', verifyFull(), '--json'], withCa())
    expect(run.stderr).toBe('')
    expect(dbTlsItem(run.stdout)).toMatchObject({
      status: 'pass',
      detail: 'TLS is required and the server certificate verified',
    })
  })

  it('a server that also takes plaintext: a sslmode=disable connection is reported (EC-ENC-011) and fails security.db-tls', async () => {
    await tls.setHba('tls-or-plain')
    try {
      const plain = tls.url('sslmode=disable')
      const run = await runAudit(['--no-config', '--database-url', plain])
      expect(run.stderr).toBe('')
      expect(run.find('EC-ENC-011')).toMatchObject({
        severity: 'high',
        title: 'This database connection does not use TLS',
        description: 'the server has ssl = on, yet pg_stat_ssl shows this connection unencrypted',
      })
      expect(run.ids).not.toContain('EC-ENC-010')

      const checklist = await runBuiltCli(['checklist', '--database-url', plain, '--json'])
      expect(dbTlsItem(checklist.stdout)).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('EC-ENC-011'),
      })
    } finally {
      await tls.setHba('tls-only')
    }
  })

  // Last: the server pinned to TLS 1.0-1.1 (SECLEVEL=0, which OpenSSL 3 needs for them). Node's
  // client refuses that by default; told to allow it (NODE_OPTIONS, as an old deployment might),
  // it connects, and the audit and the health check say what the connection really uses.
  it('a server limited to TLS 1.1: refused by default in one line naming TLS; allowed, reported as EC-ENC-012', async () => {
    const settings = {
      ssl_min_protocol_version: 'TLSv1',
      ssl_max_protocol_version: 'TLSv1.1',
      ssl_ciphers: 'DEFAULT:@SECLEVEL=0',
    }
    for (const [name, value] of Object.entries(settings)) await tls.cluster.sql(`ALTER SYSTEM SET ${name} = '${value}'`)
    await tls.cluster.reload()
    try {
      await untilSetting('ssl_max_protocol_version', 'TLSv1.1')
      const env = { EVENTCORE_DATABASE_URL: verifyFull(), ...withCa() }
      const refused = await runBuiltCli(['health-check', 'database'], env)
      expect(refused.code).toBe(2)
      expect(oneErrorLine(refused)).toMatch(
        /: connecting to the database failed: TLS to PostgreSQL failed \(EPROTO\): tlsv1 alert protocol version: the server and this client share no TLS version \(this client: TLSv1\.2 to TLSv1\.3; the server: ssl_min_protocol_version and ssl_max_protocol_version\)$/,
      )

      const oldClient = { ...env, NODE_OPTIONS: '--tls-min-v1.0 --tls-cipher-list=DEFAULT:@SECLEVEL=0' }
      const health = await runBuiltCli(['health-check', 'database', '--json'], oldClient)
      expect(health.stderr).toBe('')
      expect((JSON.parse(health.stdout) as HealthJson).checks.find((check) => check.name === 'TLS')).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('TLSv1.1, older than TLS 1.2'),
      })
      const audit = await runAudit(['--no-config'], oldClient)
      expect(audit.stderr).toBe('')
      expect(audit.find('EC-ENC-012')).toMatchObject({
        severity: 'medium',
        description: 'this connection uses TLSv1.1',
      })
    } finally {
      for (const name of Object.keys(settings)) await tls.cluster.sql(`ALTER SYSTEM RESET ${name}`)
      await tls.cluster.reload()
    }
  })

  // A reload is asynchronous: a new connection sees the setting once the server has reread it.
  async function untilSetting(name: string, value: string): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const [row] = await tls.cluster.sql<Record<string, string>>(`SHOW ${name}`)
      if (row?.[name] === value) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`${name} did not become ${value}`)
  }
})
