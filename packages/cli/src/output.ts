import picocolors from 'picocolors'
import yoctoSpinner from 'yocto-spinner'
import type { CliIo } from './io.js'

/** The colours a command may use; plain text when colour is off. */
export type Colors = ReturnType<typeof picocolors.createColors>

/** How a command writes for people: colours and a spinner, both only where they belong. */
export interface Output {
  readonly colors: Colors
  /**
   * Shows a spinner on stderr while `work` runs (a terminal, no `--json`), then clears it; `work`
   * may change its text (progress), which does nothing off a terminal.
   */
  spin<T>(label: string, work: (update: (text: string) => void) => Promise<T>): Promise<T>
}

/**
 * Colour only on a terminal, never under `NO_COLOR` (any non-empty value, as no-color.org says)
 * or `--json`; `FORCE_COLOR` is not consulted because output that tests and CI read must stay plain.
 */
export function colorEnabled(io: CliIo, json: boolean): boolean {
  const noColor = io.env.NO_COLOR
  return io.stdoutIsTty && !json && (noColor === undefined || noColor === '')
}

/** The {@link Output} for `io` under the global options. */
export function createOutput(io: CliIo, { json }: { json: boolean }): Output {
  const colors = picocolors.createColors(colorEnabled(io, json))
  const spinning = io.stderrIsTty && !json
  return {
    colors,
    spin: async (label, work) => {
      if (!spinning) return work(() => {})
      const spinner = yoctoSpinner({ text: label, stream: process.stderr, color: 'cyan' }).start()
      try {
        return await work((text) => {
          spinner.text = text
        })
      } finally {
        spinner.stop()
      }
    },
  }
}
