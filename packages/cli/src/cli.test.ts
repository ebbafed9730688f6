// The program itself, run as the built binary: help, usage errors, exit codes, --json, colour.
import { readFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { join } from 'node:path'
import { rolesSql } from '@eventcore/postgres'
import type { ChildService } from '@eventcore/service/testing'
import type { Command } from 'commander'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliIo, processIo } from './io.js'
import { createProgram } from './program.js'
import { runCli } from './run-cli.js'
import { runBuiltCli, startUsersService, TEST_SECRET } from './test-cli.js'
import { CLI_VERSION } from './version.js'

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is looked for
const ANSI = /\u001b\[/

describe('eventcore-cli', () => {
  let service: ChildService
  /** A port nothing listens on: bound once, then closed. */
  let closedPort: number
  beforeAll(async () => {
    service = await startUsersService()
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    closedPort = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
  })
  afterAll(async () => {
    await service?.kill()
  })

  it('prints its help, commands and exit codes with exit 0', async () => {
    const run = await runBuiltCli(['--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('health-check')
    expect(run.stdout).toMatch(/Exit codes:\n\s+0 .*\n\s+1 .*\n\s+2 /)
  })

  it('answers an unknown command with one line and exit 2', async () => {
    const run = await runBuiltCli(['no-such-command'])
    expect(run.code).toBe(2)
    expect(run.stderr.split('\n')[0]).toBe("error: unknown command 'no-such-command'")
  })

  it('answers a bad flag value with exit 2', async () => {
    const run = await runBuiltCli(['--timeout', 'soon', 'health-check', 'app', '--url', service.url])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--timeout')
  })

  it('checks a running service: /health, /ready with its checks, /metrics', async () => {
    const run = await runBuiltCli(['health-check', 'app', '--url', service.url])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/✅ GET \/health [\d.]+ ms — HTTP 200/)
    expect(run.stdout).toMatch(/✅ {3}ready: database/)
    expect(run.stdout).toMatch(/✅ GET \/metrics .* \d+ eventcore_\* metric families/)
    expect(run.stdout).not.toMatch(ANSI)
  })

  it('names why a service is not ready (its problem detail), failing with exit 1', async () => {
    const draining = await startUsersService({
      EVENTCORE_SHUTDOWN_DRAIN_MS: '20000',
      EVENTCORE_SHUTDOWN_TIMEOUT_MS: '30000',
    })
    try {
      draining.signal('SIGTERM')
      // Draining: /ready answers 503 while requests are still served.
      while ((await fetch(`${draining.url}/ready`)).status !== 503) await new Promise((done) => setTimeout(done, 20))
      const run = await runBuiltCli(['health-check', 'app', '--url', draining.url])
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(/❌ GET \/ready [\d.]+ ms — HTTP 503, the service is shutting down\n/)
    } finally {
      await draining.kill()
    }
  })

  it('prints the same as one JSON document with --json', async () => {
    const run = await runBuiltCli(['health-check', 'app', '--url', service.url, '--json'])
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as { url: string; checks: { name: string; status: string }[] }
    expect(report.url).toBe(service.url)
    expect(report.checks.map((check) => check.status)).not.toContain('fail')
    expect(report.checks.map((check) => check.name)).toEqual(expect.arrayContaining(['GET /health', 'GET /ready']))
  })

  it('reports a service that does not answer as a connection error: one line, exit 2', async () => {
    const run = await runBuiltCli([
      'health-check',
      'app',
      '--url',
      `http://127.0.0.1:${closedPort}`,
      '--timeout',
      '2000',
    ])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(
      new RegExp(`^error: GET http://127\\.0\\.0\\.1:${closedPort}/health: .*ECONNREFUSED.*\\n$`),
    )
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })

  it('prints the error as JSON too with --json, and a stack only with --verbose', async () => {
    const json = await runBuiltCli(['health-check', 'app', '--url', 'ftp://x', '--json'])
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stdout)).toEqual({ error: { kind: 'usage', message: expect.stringContaining('--url') } })
    const verbose = await runBuiltCli(['health-check', 'app', '--url', `http://127.0.0.1:${closedPort}`, '--verbose'])
    expect(verbose.stderr).toMatch(/\n\s+at /)
  })

  it('reports a URL that does not answer within --timeout', async () => {
    // A listening socket that never answers: connect succeeds, the response never comes.
    const silent = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as AddressInfo
    try {
      const started = performance.now()
      const run = await runBuiltCli(['health-check', 'app', '--url', `http://127.0.0.1:${port}`, '--timeout', '300'])
      expect(run.code).toBe(2)
      expect(run.stderr).toContain('no answer within 300 ms (--timeout)')
      expect(performance.now() - started).toBeLessThan(10_000)
    } finally {
      silent.close()
    }
  })

  it('makes a token the service accepts, and refuses what it cannot sign', async () => {
    const env = { EVENTCORE_JWT_SECRET: TEST_SECRET }
    const run = await runBuiltCli(['token', 'create', '--sub', 'cli-test', '--role', 'user', '--ttl', '60'], env)
    expect(run.code).toBe(0)
    const token = run.stdout.trim()
    const me = await fetch(`${service.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(me.status).toBe(200)
    expect(((await me.json()) as { subject: string }).subject).toBe('cli-test')

    const tooLong = await runBuiltCli(['token', 'create', '--sub', 'x', '--role', 'user', '--ttl', '999999'], env)
    expect(tooLong.code).toBe(2)
    expect(tooLong.stderr).toMatch(/^error: --ttl 999999 exceeds the maximum token age/)
    const publicKeys = await runBuiltCli(['token', 'create', '--sub', 'x', '--role', 'user'], {
      EVENTCORE_JWT_JWKS_URL: 'https://issuer.example/.well-known/jwks.json',
      EVENTCORE_DATA_DIR: 'memory://',
    })
    expect(publicKeys.code).toBe(2)
    expect(publicKeys.stderr).toMatch(/^error: the service verifies tokens with public keys/)
    const noRole = await runBuiltCli(['token', 'create', '--sub', 'x'], env)
    expect(noRole.code).toBe(2)
    expect(noRole.stdout).toBe('')
  })

  it('never prints the secret', async () => {
    const run = await runBuiltCli(['token', 'create', '--sub', 'x', '--role', 'user', '--json'], {
      EVENTCORE_JWT_SECRET: TEST_SECRET,
    })
    expect(run.code).toBe(0)
    expect(run.stdout + run.stderr).not.toContain(TEST_SECRET)
  })

  it('prints the SQL of the two roles, and refuses a role name that would need quoting', async () => {
    const run = await runBuiltCli(['db', 'roles', '--print-sql', '--schema', 'shop', '--app', 'shop_app'])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`${rolesSql({ schema: 'shop', app: 'shop_app' }).trimEnd()}\n`)
    const bad = await runBuiltCli(['db', 'roles', '--print-sql', '--app', 'App; DROP'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^error: .*app/)
    const none = await runBuiltCli(['db', 'roles'])
    expect(none.code).toBe(2)
  })

  it('has --help with an example on every command', async () => {
    const leaves = (command: Command, path: string[]): string[][] =>
      command.commands.length === 0 ? [path] : command.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]))
    const program = createProgram({ io: processIo(), exitCode: 0 })
    const paths = leaves(program, [])
    expect(paths.length).toBeGreaterThanOrEqual(18)
    // In-process: the built binary's --help is the same program (checked above), and 25 processes at
    // once would each load every module for a second or two.
    const helpOf = async (path: readonly string[]) => {
      let stdout = ''
      const io: CliIo = {
        ...processIo(),
        stdout: (text) => {
          stdout += text
        },
        stderr: () => {},
        env: {},
      }
      return { code: await runCli([...path, '--help'], io), stdout }
    }
    const runs: { code: number; stdout: string }[] = []
    for (const path of paths) runs.push(await helpOf(path))
    const withoutExample = paths.filter((_, i) => runs[i]?.code !== 0 || !/Examples?:\n/.test(runs[i]?.stdout ?? ''))
    expect(withoutExample).toEqual([])
  })

  it('reports its package version', async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as {
      version: string
    }
    expect(CLI_VERSION).toBe(version)
    expect((await runBuiltCli(['--version'])).stdout).toBe(`${version}\n`)
  })
})
