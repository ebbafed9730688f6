import type { RunningService } from './start-service.js'

/**
 * Graceful shutdown for the process that runs `service`: on SIGTERM or SIGINT drain, finish what
 * is in flight, close, exit 0; past `deadlineMs` exit 1. Later signals change nothing. Signals
 * belong to the process, not the library: `startService` installs none, `runService` calls this.
 *
 * @example
 * const service = await startService(config, usersService)
 * exitOnSignals(service, config.shutdownTimeoutMs)
 */
export function exitOnSignals(service: RunningService, deadlineMs: number): void {
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
}
