// `audit` reading pg_hba.conf: on a scratch cluster of the test's own (its pg_hba.conf is changed,
// which the shared cluster's must never be), remote trust/md5/password rules are reported, local ones not.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { openPostgresStore } from '@eventcore/postgres'
import { canCreateScratchCluster, createScratchCluster, type ScratchCluster } from '@eventcore/postgres/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBuiltCli, TEST_SECRET } from '../test-cli.js'
import { runAudit, sarifErrors } from './test-audit.js'

const available = process.env.EVENTCORE_TEST_DATABASE_URL !== undefined && canCreateScratchCluster()

describe.runIf(available)('eventcore-cli audit of pg_hba.conf (scratch cluster)', () => {
  let cluster: ScratchCluster
  let hbaFile: string
  let original: string
  const env = { EVENTCORE_DATABASE_SCHEMA: 'eventcore' }

  beforeAll(async () => {
    cluster = await createScratchCluster()
    const store = await openPostgresStore({ connectionString: cluster.url(), schema: 'eventcore', poolSize: 1 })
    await store.close()
    const [row] = await cluster.sql<{ hba_file: string }>('SHOW hba_file')
    hbaFile = row?.hba_file ?? ''
    original = readFileSync(hbaFile, 'utf8')
  }, 120_000)
  afterAll(async () => {
    await cluster?.drop()
  })

  it('reports trust and md5 rules for remote addresses with their lines, and not loopback ones', async () => {
    const clean = await runAudit(['--no-config', '--database-url', cluster.url()], env)
    expect(clean.stderr).toBe('')
    expect(clean.ids).not.toContain('EC-AUTH-011')
    expect(clean.ids).not.toContain('EC-AUTH-012')

    appendFileSync(
      hbaFile,
      '\nhost all all 10.0.0.0/8 trust\nhost all all 192.168.0.0/16 md5\nhost all all 127.0.0.1/32 md5\n',
    )
    await cluster.sql('SELECT pg_reload_conf()')
    try {
      const run = await runAudit(['--no-config', '--database-url', cluster.url()], env)
      expect(run.find('EC-AUTH-011')).toMatchObject({ severity: 'high', location: 'pg_hba.conf' })
      expect(run.find('EC-AUTH-011')?.description).toMatch(
        /^pg_hba\.conf has line \d+: host 10\.0\.0\.0 trust; line \d+: host 192\.168\.0\.0 md5$/,
      )
      const sarif = await runBuiltCli(['audit', '--no-config', '--database-url', cluster.url(), '--format', 'sarif'], {
        ...env,
        EVENTCORE_DATA_DIR: 'memory://',
        EVENTCORE_JWT_SECRET: TEST_SECRET,
      })
      expect(sarifErrors(JSON.parse(sarif.stdout))).toEqual([])
      expect(sarif.stdout).toContain('"kind": "namespace"')
    } finally {
      writeFileSync(hbaFile, original)
      await cluster.sql('SELECT pg_reload_conf()')
    }
  })
})
