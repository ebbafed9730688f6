import type { RawEnv } from '@eventcore/service'

/** Where the CLI reads and writes: the process's own, or a test's. */
export interface CliIo {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly env: RawEnv
  /** Colour and spinners only on a terminal. */
  readonly stdoutIsTty: boolean
  readonly stderrIsTty: boolean
  readonly cwd: string
  readonly now: () => Date
}

/** The running process's streams, environment and clock. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    stdoutIsTty: process.stdout.isTTY === true,
    stderrIsTty: process.stderr.isTTY === true,
    cwd: process.cwd(),
    now: () => new Date(),
  }
}
