// Test support (not built): the built `eventcore-cli` run as users run it, and the reference users
// service (its built main script, run as a child process, never imported) to point it at.
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ChildService, spawnService } from '@eventcore/service/testing'
import { type CliIo, processIo } from './io.js'
import { runCli } from './run-cli.js'

/** The published bin script; it runs `dist/main.js`, which `npm test` builds (tsc -b) first. */
export const CLI_BIN = join(import.meta.dirname, '../bin/eventcore-cli.js')

/** The reference service's built main script, spawned as a user would run it. */
export const USERS_SERVICE_MAIN = join(import.meta.dirname, '../../../examples/users-service/dist/main.js')

/** A 32-byte HS256 secret for tests. */
export const TEST_SECRET = 'cli-tests-secret-0123456789abcdefghij'

/** A finished CLI run. */
export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * An empty working directory for CLI runs: a checkout where `npm start` ran has `./data` with a
 * development secret, which the CLI would (rightly) use.
 */
const CLI_CWD = mkdtempSync(join(tmpdir(), 'eventcore-cli-cwd-'))

/**
 * Runs the built CLI with `args` and only `env` (plus `PATH`), in an empty working directory, so a
 * developer's own `EVENTCORE_*` variables and `./data` cannot leak in; stdout and stderr are pipes,
 * not a terminal.
 */
export function runBuiltCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  timeoutMs = 60_000,
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      { cwd: CLI_CWD, env: { PATH: process.env.PATH ?? '', ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/**
 * Runs the CLI's program in this process (the built binary runs the same program) with only `env`,
 * in `cwd`, stdout and stderr captured and not a terminal: for tests that run many commands, each
 * of which would spend a second or two starting a process.
 */
export async function runInProcess(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  cwd: string = CLI_CWD,
): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const io: CliIo = {
    ...processIo(),
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
    },
    env,
    stdoutIsTty: false,
    stderrIsTty: false,
    cwd,
  }
  return { code: await runCli(args, io), stdout, stderr }
}

/** The users service on an in-memory PGlite (or `env`'s database), signing with {@link TEST_SECRET}. */
export function startUsersService(env: Readonly<Record<string, string>> = {}): Promise<ChildService> {
  return spawnService(USERS_SERVICE_MAIN, {
    EVENTCORE_JWT_SECRET: TEST_SECRET,
    EVENTCORE_DATA_DIR: 'memory://',
    ...env,
  })
}

/** A TCP port free a moment ago on 127.0.0.1 (bound, then closed). */
export { freePort } from '@eventcore/service/testing'
