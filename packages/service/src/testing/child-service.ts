// Test support for tests of a built service (`@eventcore/service/testing`): its main script as a
// child process, the way `npm start` and a container run it, with its output and exit at hand.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'

// The banner line, not the JSON log line that says the same ("…listening at http://…\"}").
const LISTENING = /listening at (http:\/\/[^\s"]+)\n/

/** How a child process ended: an exit code, or the signal that killed it. */
export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A finished run: its exit and everything it wrote. */
export interface FinishedRun extends Exit {
  readonly stdout: string
  readonly stderr: string
}

/** A running `dist/main.js`. */
export interface ChildService {
  /** Where it listens, parsed from its "listening at <url>" line. */
  readonly url: string
  /** Everything written to stdout (logs included) and stderr so far. */
  output(): { readonly stdout: string; readonly stderr: string }
  /** Resolves when the process ends; never rejects. */
  readonly exited: Promise<Exit>
  /** Sends `signal`; false when the process had already ended. */
  signal(signal: NodeJS.Signals): boolean
  /** Resolves once stdout matches `pattern`; rejects if the process ends first. */
  waitForStdout(pattern: RegExp): Promise<void>
  /** Cleanup for `afterEach`: SIGKILL unless it has ended, then wait for the end. */
  kill(): Promise<Exit>
}

/**
 * Throws a clear error when the service's main script (e.g. `dist/main.js`) has not been built.
 *
 * @example
 * beforeAll(() => assertBuilt(MAIN_SCRIPT))
 */
export function assertBuilt(script: string): void {
  if (!existsSync(script)) throw new Error(`${script} is missing: build first (npx tsc -b)`)
}

// Only what the test names, so a developer's own EVENTCORE_* variables cannot leak in.
const baseEnv = (env: Readonly<Record<string, string>>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '',
  EVENTCORE_HOST: '127.0.0.1',
  EVENTCORE_PORT: '0',
  EVENTCORE_LOG_LEVEL: 'warn',
  ...env,
})

function launch(script: string, env: Readonly<Record<string, string>>) {
  assertBuilt(script)
  const child: ChildProcess = spawn(process.execPath, [script], {
    env: baseEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const text = { stdout: '', stderr: '' }
  const watchers = new Set<() => void>()
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    text.stdout += chunk
    for (const watch of watchers) watch()
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    text.stderr += chunk
  })
  // 'close' (not 'exit') so that the output is complete when it resolves.
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  const waitForStdout = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const watch = () => {
        if (!pattern.test(text.stdout)) return
        watchers.delete(watch)
        resolve()
      }
      watchers.add(watch)
      watch()
      void exited.then((exit) => {
        if (!watchers.delete(watch)) return
        reject(new Error(`the service ended (${JSON.stringify(exit)}) before printing ${pattern}:\n${text.stderr}`))
      })
    })
  return { child, text, exited, waitForStdout }
}

/**
 * Runs the main script `script` with `env` (on top of 127.0.0.1, port 0 and log level warn) until it
 * prints where it listens.
 *
 * @example
 * const service = await spawnService(MAIN_SCRIPT, { EVENTCORE_JWT_SECRET: secret, EVENTCORE_DATA_DIR: 'memory://' })
 * service.signal('SIGTERM')
 * expect(await service.exited).toEqual({ code: 0, signal: null })
 */
export async function spawnService(script: string, env: Readonly<Record<string, string>>): Promise<ChildService> {
  const { child, text, exited, waitForStdout } = launch(script, env)
  await waitForStdout(LISTENING)
  const url = LISTENING.exec(text.stdout)?.[1]
  if (url === undefined) throw new Error(`no URL in the service's output:\n${text.stdout}`)
  let ended = false
  void exited.then(() => {
    ended = true
  })
  return {
    url,
    output: () => ({ ...text }),
    exited,
    signal: (signal) => !ended && child.kill(signal),
    waitForStdout,
    kill: async () => {
      if (!ended) child.kill('SIGKILL')
      return exited
    },
  }
}

/**
 * Runs the main script `script` with `env` to its end, for start-ups that must fail; a service that
 * starts listening instead is killed and reported as such.
 *
 * @example
 * const run = await runToExit(MAIN_SCRIPT, { NODE_ENV: 'production' })
 * expect(run.code).toBe(1)
 */
export async function runToExit(script: string, env: Readonly<Record<string, string>>): Promise<FinishedRun> {
  const { child, text, exited, waitForStdout } = launch(script, env)
  const listening = waitForStdout(LISTENING).then(
    () => child.kill('SIGKILL'),
    () => undefined,
  )
  const exit = await exited
  await listening
  return { ...exit, ...text }
}
