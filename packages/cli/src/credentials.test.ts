import { describe, expect, it } from 'vitest'
import type { CliIo } from './io.js'
import { runCli } from './run-cli.js'

/** Runs the CLI in-process and returns its exit code and everything it wrote. */
async function run(argv: string[]) {
  let written = ''
  const io: CliIo = {
    stdout: (text) => {
      written += text
    },
    stderr: (text) => {
      written += text
    },
    env: {},
    stdoutIsTty: false,
    stderrIsTty: false,
    cwd: process.cwd(),
    now: () => new Date(),
  }
  const code = await runCli(argv, io)
  return { code, written }
}

describe('a --token that cannot be a bearer token', () => {
  // fetch refuses such a header with an error quoting its whole value, the token included.
  const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsZWFrIn0\nsignature-part'
  it.each([
    ['test', 'smoke', '--url', 'http://127.0.0.1:9'],
    ['validate', 'metrics', '--url', 'http://127.0.0.1:9'],
    ['audit', '--url', 'http://127.0.0.1:9', '--no-config', '--no-database'],
  ])('is refused by %s %s as a usage error that does not repeat it', async (...argv) => {
    const { code, written } = await run([...argv, '--token', token])
    expect(code).toBe(2)
    expect(written).toContain('--token is not a bearer token')
    for (const part of token.split('\n')) expect(written).not.toContain(part)
    for (const part of token.split('.')) expect(written).not.toContain(part)
  })
})
