import { CommanderError } from 'commander'
import { EXIT, type ExitCode } from './exit-code.js'
import { type CliIo, processIo } from './io.js'
import { createProgram } from './program.js'
import type { Shell } from './shell.js'

/**
 * Runs `eventcore-cli` with `argv` (the arguments after the program name) and returns its exit
 * code: 0 ok, 1 a check failed, 2 usage, configuration or connection error.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2))
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  const shell: Shell = { io, exitCode: EXIT.ok }
  try {
    await createProgram(shell).parseAsync([...argv], { from: 'user' })
    return shell.exitCode
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error
    // Commander has printed the help, the version, or its one-line message already.
    const shown = error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
    return shown ? EXIT.ok : EXIT.error
  }
}
