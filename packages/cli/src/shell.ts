import { type Command, InvalidArgumentError } from 'commander'
import { CliError, isCliError, messageOf } from './cli-error.js'
import { EXIT, type ExitCode } from './exit-code.js'
import type { CliIo } from './io.js'
import { createOutput, type Output } from './output.js'

/** The options every command takes (declared once, on the program). */
export interface GlobalOptions {
  /** Print one JSON document on stdout instead of text. */
  readonly json: boolean
  /** Stack traces with errors. */
  readonly verbose: boolean
  /** The longest wait for any one network operation, in milliseconds. */
  readonly timeoutMs: number
}

/** What a command's work gets. */
export interface CommandContext {
  readonly io: CliIo
  readonly global: GlobalOptions
  readonly output: Output
}

/** What a command's work returns: its exit code, and what to print for people and for machines. */
export interface Outcome {
  readonly exitCode: ExitCode
  /** Printed with `--json`. */
  readonly json: unknown
  /** Printed otherwise. */
  readonly text: string
  /** The command printed as it went (`events tail --follow`): neither `json` nor `text` is printed. */
  readonly streamed?: boolean
}

/** What commands share: the process's io, and the exit code the run ends with. */
export interface Shell {
  readonly io: CliIo
  exitCode: ExitCode
}

/** Default of `--timeout`. */
export const DEFAULT_TIMEOUT_MS = 10_000

/** Parses a flag's positive whole number (`--timeout 5000`), as commander's argument parser. */
export function positiveInteger(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError('expected a positive whole number')
  }
  return Number(text)
}

/** Parses a flag's positive number, fractions allowed (`--p95-ms 2.5`). */
export function positiveNumber(text: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError('expected a positive number')
  return value
}

function globalOptions(command: Command): GlobalOptions {
  const all = command.optsWithGlobals<{ json?: boolean; verbose?: boolean; timeout?: number }>()
  return { json: all.json === true, verbose: all.verbose === true, timeoutMs: all.timeout ?? DEFAULT_TIMEOUT_MS }
}

/**
 * A commander action running `work`: prints its outcome (JSON with `--json`, else text) and sets the
 * exit code. A {@link CliError}, or anything else thrown, is one line on stderr and exit 2; with
 * `--json` the same error is also printed on stdout as `{ "error": { kind, message } }`.
 *
 * @example
 * new Command('ping').action(action(shell, async (context) => ({ exitCode: EXIT.ok, json: {}, text: 'pong\n' })))
 */
export function action<Options extends object>(
  shell: Shell,
  work: (context: CommandContext, args: readonly string[], options: Options) => Promise<Outcome>,
): (...params: unknown[]) => Promise<void> {
  return async (...params) => {
    const command = params.at(-1) as Command
    const global = globalOptions(command)
    const context: CommandContext = { io: shell.io, global, output: createOutput(shell.io, global) }
    try {
      const outcome = await work(context, command.args, command.opts() as Options)
      if (!outcome.streamed) shell.io.stdout(global.json ? `${JSON.stringify(outcome.json, null, 2)}\n` : outcome.text)
      shell.exitCode = outcome.exitCode
    } catch (error) {
      const kind = isCliError(error) ? error.kind : 'internal'
      const message = messageOf(error).replaceAll(/\s*\n\s*/g, ' ')
      if (global.json) shell.io.stdout(`${JSON.stringify({ error: { kind, message } }, null, 2)}\n`)
      shell.io.stderr(`error: ${message}\n`)
      if (global.verbose && error instanceof Error && error.stack) shell.io.stderr(`${error.stack}\n`)
      shell.exitCode = EXIT.error
    }
  }
}

/** A usage error (exit 2) for what the flags cannot say by themselves. */
export const usage = (message: string): CliError => new CliError('usage', message)
