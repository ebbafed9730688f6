// `eventcore-cli validate manifests`: the program in-process on files and directories, and the
// built binary reading a rendering from stdin, as `kubectl kustomize … |` feeds it.
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLI_BIN, type CliRun, runInProcess } from '../test-cli.js'
import { scratchDir } from '../test-servers.js'
import { MANIFEST_CHECKS } from './policy.js'
import { edited, PASSING } from './test-manifests.js'

const scratch = scratchDir('eventcore-manifests-')
const write = (name: string, text: string): string => {
  writeFileSync(join(scratch.path, name), text)
  return name
}

// The built binary with `input` on its stdin.
function piped(args: readonly string[], input: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI_BIN, ...args], { cwd: scratch.path }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr })
    })
    child.stdin?.end(input)
  })
}

interface Report {
  readonly source: string
  readonly checks: readonly { readonly name: string; readonly status: string; readonly detail: string }[]
}

describe('eventcore-cli validate manifests', () => {
  afterAll(() => scratch.remove())

  it('prints every check and exits 0 when the rendering passes', async () => {
    const run = await runInProcess(['validate', 'manifests', write('passing.yaml', PASSING)], {}, scratch.path)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const lines = run.stdout.trimEnd().split('\n')
    expect(lines.map((line) => line.replace(/^✅ ([^—]+) — .*$/, '$1'))).toEqual(Object.values(MANIFEST_CHECKS))
  })

  it('exits 1 naming the offender, and reports JSON with --json', async () => {
    const file = write('latest.yaml', edited(PASSING, ['users-service:0.1.0', 'users-service:latest']))
    const text = await runInProcess(['validate', 'manifests', file], {}, scratch.path)
    expect(text.code).toBe(1)
    expect(text.stdout).toContain(
      '❌ image tags — Deployment/eventcore-app container app: ghcr.io/eventcore/users-service:latest is latest',
    )
    const json = await runInProcess(['validate', 'manifests', file, '--json'], {}, scratch.path)
    expect(json.code).toBe(1)
    const report = JSON.parse(json.stdout) as Report
    expect(report.source).toBe(file)
    expect(report.checks.find((check) => check.name === MANIFEST_CHECKS.imageTags)?.status).toBe('fail')
  })

  it('reads every .yaml and .yml of a directory, in name order', async () => {
    mkdirSync(join(scratch.path, 'rendered'))
    const [first = '', second = ''] = PASSING.split('\n---\napiVersion: v1\nkind: Service')
    write('rendered/a.yaml', first)
    write('rendered/b.yml', `apiVersion: v1\nkind: Service${second}`)
    write('rendered/notes.txt', 'not: [yaml')
    const run = await runInProcess(['validate', 'manifests', 'rendered'], {}, scratch.path)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
  })

  it('exits 2 with one line for a file it cannot read or a document that is not YAML', async () => {
    const missing = await runInProcess(['validate', 'manifests', 'absent.yaml'], {}, scratch.path)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/^error: cannot read absent\.yaml: ENOENT[^\n]*\n$/)
    const bad = write('bad.yaml', `${PASSING}---\nkind: [\n`)
    const broken = await runInProcess(['validate', 'manifests', bad], {}, scratch.path)
    expect(broken.code).toBe(2)
    expect(broken.stderr).toMatch(/^error: bad\.yaml, document 11: not YAML: [^\n]*[^:]\n$/)
  })

  it('reads the rendering from stdin with -', async () => {
    const passing = await piped(['validate', 'manifests', '-'], PASSING)
    expect(passing.stderr).toBe('')
    expect(passing.code).toBe(0)
    expect(passing.stdout).toContain('✅ termination grace — ')
    const broken = await piped(['validate', 'manifests', '-'], 'kind: [')
    expect(broken.code).toBe(2)
    expect(broken.stderr).toMatch(/^error: stdin, document 1: not YAML/)
  })
})
