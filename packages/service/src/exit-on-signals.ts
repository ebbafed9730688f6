import type { RunningService } from './start-service.js'

/**
 * Graceful shutdown for the process that runs `service`: on SIGTERM or SIGINT drain, finish what
 * is in flight, close, exit 0; past `deadlineMs` exit 1. Later signals change nothing. Signals
 * belong to the process, not the library: `startService` installs none, `runService` calls this.
 * `received`: a signal that came while the service started ({@link holdSignalsWhileStarting}),
 * acted on at once.
 *
 * @example
 * const service = await startService(config, usersService)
 * exitOnSignals(service, config.shutdownTimeoutMs)
 */
export function exitOnSignals(service: RunningService, deadlineMs: number, received?: NodeJS.Signals): void {
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    service.app.log.info({ signal }, 'shutting down')
    const deadline = setTimeout(() => {
      service.app.log.error({ deadlineMs }, 'shutdown deadline passed; exiting')
      process.exit(1)
    }, deadlineMs)
    deadline.unref()
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        service.app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  if (received !== undefined) stop(received)
}

/** Signals that came while a service started, see {@link holdSignalsWhileStarting}. */
export interface HeldSignals {
  /** The first signal that came, if any. */
  readonly received: () => NodeJS.Signals | undefined
  /** Removes the handlers and the deadline: call once the start has ended, either way. */
  readonly release: () => void
}

/**
 * Holds SIGTERM and SIGINT while a service starts (the first start of the embedded PGlite takes
 * seconds). Node as PID 1 in a container has no default handler, so without one a stop then is
 * ignored until the grace period ends in SIGKILL; and exiting at once could leave a half-created
 * data directory. The first signal is kept for {@link exitOnSignals}; if the start has not ended
 * `deadlineMs` after it, the process exits 1.
 *
 * @example
 * const held = holdSignalsWhileStarting(config.shutdownTimeoutMs)
 * const service = await startService(config, usersService).finally(held.release)
 * exitOnSignals(service, config.shutdownTimeoutMs, held.received())
 */
export function holdSignalsWhileStarting(deadlineMs: number): HeldSignals {
  let received: NodeJS.Signals | undefined
  let deadline: NodeJS.Timeout | undefined
  const hold = (signal: NodeJS.Signals) => {
    if (received !== undefined) return
    received = signal
    process.stderr.write(`${signal} while starting: stopping once the start has ended\n`)
    deadline = setTimeout(() => {
      process.stderr.write(`the start did not end within ${deadlineMs} ms of ${signal}; exiting\n`)
      process.exit(1)
    }, deadlineMs)
    deadline.unref()
  }
  process.on('SIGTERM', hold)
  process.on('SIGINT', hold)
  return {
    received: () => received,
    release: () => {
      clearTimeout(deadline)
      process.off('SIGTERM', hold)
      process.off('SIGINT', hold)
    },
  }
}
