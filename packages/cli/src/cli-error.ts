/**
 * Why a command could not run: `usage` (arguments or flags), `config` (the `EVENTCORE_*`
 * configuration), `connection` (a database or URL that did not answer in time or refused us).
 * Each ends the command with exit code 2 and its message as one line.
 */
export type CliErrorKind = 'usage' | 'config' | 'connection'

/** An error the CLI reports as one line (a stack only with `--verbose`). */
export class CliError extends Error {
  readonly kind: CliErrorKind

  constructor(kind: CliErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CliError'
    this.kind = kind
  }
}

/** True for a {@link CliError}. */
export const isCliError = (error: unknown): error is CliError => error instanceof CliError

/** The message of anything thrown, without its stack. */
export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0])
  if (error instanceof Error) return error.message || error.name
  return String(error)
}
