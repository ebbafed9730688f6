// Test support: an external tool (Prometheus, Alertmanager) run as a child process with a scratch
// directory of its own, its stderr kept for error messages.
import { type ChildProcess, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'

/** A running tool. */
export interface ToolProcess {
  /** Everything it wrote to stderr so far. */
  log(): string
  /** Resolves once `ok()` is true; rejects, with the tool's log, if it ends first or `timeoutMs` passes. */
  until(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void>
  /** Ends it (SIGTERM), waits for the end and removes `dir`. */
  stop(): Promise<void>
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts `binary` with `args`; `dir` (its storage) is removed when it is stopped. */
export function launchTool(binary: string, args: readonly string[], dir: string): ToolProcess {
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    log += chunk
  })
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  return {
    log: () => log,
    until: async (what, ok, timeoutMs) => {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`${binary} ended: ${log}`)
        if (await ok().catch(() => false)) return
        await wait(100)
      }
      throw new Error(`${binary}: ${what} within ${timeoutMs} ms:\n${log}`)
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
