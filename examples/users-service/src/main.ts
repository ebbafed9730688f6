// What `npm start` runs: the users service, configured from EVENTCORE_* variables.
import { formatProblems, loadConfig, mintToken } from '@eventcore/service'
import { type RunningService, startService } from './server.js'

const DEV_TOKEN_TTL_SECONDS = 3600

/**
 * Signals belong to the process, not the library: on SIGTERM or SIGINT drain, finish what is in
 * flight, close, exit 0; past the deadline exit 1. Later signals change nothing.
 */
function exitOnSignals(service: RunningService, deadlineMs: number): void {
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

async function main(): Promise<void> {
  const loaded = loadConfig(process.env)
  if (!loaded.ok) {
    process.stderr.write(`${formatProblems(loaded.problems)}\n`)
    process.exit(1)
  }
  const { config, warnings } = loaded
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`)

  const service = await startService(config, {
    onFirstStart: (dir) =>
      process.stderr.write(
        `Creating the embedded PostgreSQL database in ${dir}: the first start takes several seconds…\n`,
      ),
  })
  exitOnSignals(service, config.shutdownTimeoutMs) // before anything else can be awaited

  const store = config.database.url ? 'PostgreSQL' : `embedded PGlite (${config.dataDir})`
  service.app.log.info({ url: service.url, store }, 'users service listening')
  process.stdout.write(`EventCore users service on ${store}, listening at ${service.url}\n`)
  process.stdout.write(
    `  OpenAPI: ${service.url}/openapi.json   health: ${service.url}/health   ready: ${service.url}/ready   metrics: ${service.metricsUrl ?? service.url}/metrics\n`,
  )

  if (config.auth.generatedSecret && config.auth.options.secret) {
    const token = await mintToken({
      secret: config.auth.options.secret,
      sub: 'dev-admin',
      roles: ['admin'],
      ttlSeconds: Math.min(DEV_TOKEN_TTL_SECONDS, config.auth.options.maxTokenAgeSeconds ?? DEV_TOKEN_TTL_SECONDS),
      ...(config.auth.options.issuer ? { issuer: config.auth.options.issuer } : {}),
      ...(config.auth.options.audience ? { audience: config.auth.options.audience } : {}),
      now: new Date(),
    })
    process.stdout.write(
      `\nDevelopment only: no EVENTCORE_JWT_SECRET was set, so one was generated (kept in ${config.dataDir}).\n` +
        `An admin token, valid for an hour (more with: npm run -s token -- --role admin --sub you):\n\n  ${token}\n\n` +
        `Try:\n  curl -s -X POST ${service.url}/api/v1/users -H "authorization: Bearer $TOKEN" \\\n` +
        `    -H 'content-type: application/json' -d '{"email":"ada@example.com","first_name":"Ada","last_name":"Lovelace"}'\n`,
    )
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`the users service failed to start: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
