import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type ChildMessage, type HttpServerSpec, parseChildMessage, SPEC_VARIABLE } from './server-messages.js'

/** A server running in a child process. */
export interface HttpServerProcess {
  /** Where it listens, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /**
   * Waits until the server has nothing left running in the background (the users projection
   * caught up); resolves to how long that took, or with why it did not.
   */
  settle(): Promise<{ readonly ms: number; readonly problem?: string }>
  /** The CPU time (user + system) the server's process has used so far, in microseconds. */
  cpuMicros(): Promise<number>
  /** Closes the server and waits for its process to exit. Idempotent. */
  stop(): Promise<void>
}

/** Starts server processes and stops whatever is still running when the run ends. */
export interface HttpServerFleet {
  /** Forks a child that starts the server; resolves once it listens, rejects with why it could not. */
  start(spec: HttpServerSpec): Promise<HttpServerProcess>
  /** Refuses new starts and stops every running child. */
  stopAll(): Promise<void>
}

/** The child's entry, next to this file (`dist/http/server-entry.js` once built). */
const ENTRY = fileURLToPath(new URL('./server-entry.js', import.meta.url))
const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 10_000
/** Longer than the child's own wait for the projection, so the child reports why first. */
const SETTLE_TIMEOUT_MS = 60_000
/** Enough of the child's stderr to say why it died. */
const STDERR_TAIL = 2000

/** Resolves to the first message the predicate accepts, rejects if the child exits first or the time runs out. */
function nextMessage<T extends ChildMessage>(
  child: ChildProcess,
  accept: (message: ChildMessage) => message is T,
  timeoutMs: number,
  why: () => string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    const onMessage = (value: unknown) => {
      const message = parseChildMessage(value)
      if (message && accept(message)) {
        done()
        resolve(message)
      }
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      done()
      reject(new Error(`the server process exited (${signal ?? `code ${code}`})${why()}`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`the server process did not answer within ${timeoutMs} ms${why()}`))
    }, timeoutMs)
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (exited(child)) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/**
 * Makes a {@link HttpServerFleet} forking `server-entry.js`, one process per server.
 *
 * @example
 * const fleet = createHttpServerFleet()
 * const server = await fleet.start({ kind: 'bare', databaseUrl, schema, poolSize: 8, jwtSecret: '' })
 * await server.stop()
 */
export function createHttpServerFleet(entry: string = ENTRY): HttpServerFleet {
  const running = new Set<() => Promise<void>>()
  let closed = false
  return {
    async start(spec) {
      if (closed) throw new Error('the run is stopping')
      // In the environment, not the arguments: `ps` shows arguments to everyone, and the spec holds secrets.
      const env = { ...process.env, [SPEC_VARIABLE]: JSON.stringify(spec) }
      const child = fork(entry, [], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
      let stderr = ''
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL)
      })
      const why = () => (stderr.trim() ? `: ${stderr.trim()}` : '')
      let stopping: Promise<void> | undefined
      const stop = () => {
        stopping ??= (async () => {
          if (child.connected) child.send({ type: 'stop' })
          else if (!exited(child)) child.kill('SIGTERM')
          await waitForExit(child, STOP_TIMEOUT_MS)
          running.delete(stop)
        })()
        return stopping
      }
      running.add(stop)
      const first = await nextMessage(
        child,
        (m): m is Extract<ChildMessage, { type: 'listening' | 'failed' }> =>
          m.type === 'listening' || m.type === 'failed',
        START_TIMEOUT_MS,
        why,
      ).catch(async (error: unknown) => {
        await stop()
        throw error
      })
      if (first.type === 'failed') {
        await stop()
        throw new Error(first.message)
      }
      return {
        url: first.url,
        async settle() {
          child.send({ type: 'settle' })
          const settled = await nextMessage(
            child,
            (m): m is Extract<ChildMessage, { type: 'settled' }> => m.type === 'settled',
            SETTLE_TIMEOUT_MS,
            why,
          )
          return settled.problem === undefined ? { ms: settled.ms } : { ms: settled.ms, problem: settled.problem }
        },
        async cpuMicros() {
          child.send({ type: 'usage' })
          const usage = await nextMessage(
            child,
            (m): m is Extract<ChildMessage, { type: 'usage' }> => m.type === 'usage',
            SETTLE_TIMEOUT_MS,
            why,
          )
          return usage.cpuMicros
        },
        stop,
      }
    },
    async stopAll() {
      closed = true
      await Promise.allSettled([...running].map((stop) => stop()))
    },
  }
}
