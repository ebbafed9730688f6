// Test support: runs a program (amtool, shellcheck, a deploy script) to its end and keeps what it
// wrote and how long it took, never throwing for a non-zero exit: the exit code is the result.
import { execFile } from 'node:child_process'

/** A finished command. */
export interface CommandRun {
  /** The exit code, or null when a signal (or the time limit) ended it. */
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly elapsedMs: number
}

/** Options of {@link runCommand}. */
export interface RunOptions {
  /** The whole environment of the command (nothing is inherited unless passed). @default process.env */
  readonly env?: NodeJS.ProcessEnv
  /** Killed (code null) after this long. @default 60_000 */
  readonly timeoutMs?: number
  /** The working directory. @default process.cwd() */
  readonly cwd?: string
}

/** Runs `file` with `args`; resolves when it ends. */
export function runCommand(file: string, args: readonly string[], options: RunOptions = {}): Promise<CommandRun> {
  const { env = process.env, timeoutMs = 60_000, cwd } = options
  const started = Date.now()
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { env, cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
        resolve({ code, stdout, stderr, elapsedMs: Date.now() - started })
      },
    )
  })
}
