/**
 * The child process of the HTTP benchmark (operation 8): starts one server, the users service or
 * the bare Fastify + pg app, from the spec in `EVENTCORE_BENCH_SERVER_SPEC`, tells the parent its
 * URL over IPC, then answers `settle` and `stop`. Run by `server-process.ts` with `child_process.fork`,
 * so the load generator in the bench process never shares an event loop with the server.
 *
 * @module
 */
import { errorMessage } from '../error-message.js'
import { startBareUsersServer } from './bare-users-server.js'
import {
  type ChildMessage,
  type HttpServerSpec,
  parseParentMessage,
  parseServerSpec,
  SPEC_VARIABLE,
} from './server-messages.js'

/** How long `settle` waits for the users projection before it reports it behind. */
const SETTLE_TIMEOUT_MS = 30_000

interface Started {
  readonly url: string
  /** Resolves to the milliseconds background work took to finish. */
  readonly settle: () => Promise<number>
  readonly close: () => Promise<void>
}

async function start(spec: HttpServerSpec): Promise<Started> {
  if (spec.kind === 'bare') {
    const server = await startBareUsersServer(spec)
    return { url: server.url, settle: async () => 0, close: server.close }
  }
  // Loaded only here, so the bare server's process never loads the service's modules.
  const { startUsersService } = await import('./users-service-server.js')
  const service = await startUsersService(spec)
  return { url: service.url, settle: () => service.settle(SETTLE_TIMEOUT_MS), close: service.close }
}

const send = (message: ChildMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send) return resolve()
    process.send(message, undefined, {}, () => resolve())
  })

async function main(): Promise<void> {
  if (!process.send) throw new Error('run this file with child_process.fork: it talks to its parent over IPC')
  const server = await start(parseServerSpec(process.env[SPEC_VARIABLE] ?? ''))
  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= server
      .close()
      .catch((error: unknown) => void process.stderr.write(`closing failed: ${errorMessage(error)}\n`))
      .finally(() => process.exit(0))
    return stopping
  }
  // The parent went away (it crashed or was killed): nobody will ever send `stop`.
  process.on('disconnect', stop)
  process.on('message', (value: unknown) => {
    const message = parseParentMessage(value)
    if (message?.type === 'stop') void stop()
    if (message?.type === 'usage') {
      const { user, system } = process.cpuUsage()
      void send({ type: 'usage', cpuMicros: user + system })
    }
    if (message?.type === 'settle') {
      server.settle().then(
        (ms) => send({ type: 'settled', ms }),
        (error: unknown) => send({ type: 'settled', ms: 0, problem: errorMessage(error) }),
      )
    }
  })
  await send({ type: 'listening', url: server.url })
}

main().catch(async (error: unknown) => {
  await send({ type: 'failed', message: errorMessage(error) })
  process.exit(1)
})
