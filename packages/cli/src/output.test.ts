// When the CLI may colour its output: only a terminal, never under NO_COLOR or --json.
import { describe, expect, it } from 'vitest'
import type { CliIo } from './io.js'
import { colorEnabled, createOutput } from './output.js'

const io = (stdoutIsTty: boolean, env: Record<string, string> = {}): CliIo => ({
  stdout: () => {},
  stderr: () => {},
  env,
  stdoutIsTty,
  stderrIsTty: stdoutIsTty,
  cwd: '/',
  now: () => new Date(0),
})

describe('colour', () => {
  it('is on for a terminal, off for a pipe', () => {
    expect(colorEnabled(io(true), false)).toBe(true)
    expect(colorEnabled(io(false), false)).toBe(false)
  })

  it('is off with NO_COLOR set to anything, and on when it is empty (no-color.org)', () => {
    expect(colorEnabled(io(true, { NO_COLOR: '1' }), false)).toBe(false)
    expect(colorEnabled(io(true, { NO_COLOR: '' }), false)).toBe(true)
  })

  it('is off with --json', () => {
    expect(colorEnabled(io(true), true)).toBe(false)
  })

  it('paints with ANSI escapes only when on', () => {
    expect(createOutput(io(true), { json: false }).colors.red('x')).toBe('\u001b[31mx\u001b[39m')
    expect(createOutput(io(true, { NO_COLOR: '1' }), { json: false }).colors.red('x')).toBe('x')
  })
})
