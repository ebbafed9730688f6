import { type Config, formatProblems, loadConfig, type RawEnv } from './config/index.js'
import { exitOnSignals, holdSignalsWhileStarting } from './exit-on-signals.js'
import type { ServiceDefinition } from './service-definition.js'
import { migrateService, type RunningService, startService } from './start-service.js'
import { mintToken } from './token.js'
import { startTracing } from './tracing.js'

const DEV_TOKEN_TTL_SECONDS = 3600

async function printDevToken(service: ServiceDefinition, config: Config, url: string): Promise<void> {
  const { devToken } = service
  const { secret, maxTokenAgeSeconds, issuer, audience } = config.auth.options
  if (!devToken || !config.auth.generatedSecret || !secret) return
  const token = await mintToken({
    secret,
    sub: devToken.sub,
    roles: devToken.roles,
    ttlSeconds: Math.min(DEV_TOKEN_TTL_SECONDS, maxTokenAgeSeconds ?? DEV_TOKEN_TTL_SECONDS),
    ...(issuer ? { issuer } : {}),
    ...(audience ? { audience } : {}),
    now: new Date(),
  })
  process.stdout.write(
    `\nDevelopment only: no EVENTCORE_JWT_SECRET was set, so one was generated (kept in ${config.dataDir}).\n` +
      devToken.message(token, url),
  )
}

async function run(service: ServiceDefinition, env: RawEnv): Promise<RunningService> {
  const loaded = loadConfig(env)
  if (!loaded.ok) {
    process.stderr.write(`${formatProblems(loaded.problems)}\n`)
    process.exit(1)
  }
  const { config, warnings } = loaded
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`)

  // Before the store opens, so that the projections' first batches are traced too.
  const held = holdSignalsWhileStarting(config.shutdownTimeoutMs)
  const tracing = await startTracing(env, { serviceName: service.name })
  const running = await startService(config, service, {
    tracing,
    onFirstStart: (dir) =>
      process.stderr.write(
        `Creating the embedded PostgreSQL database in ${dir}: the first start takes several seconds…\n`,
      ),
  }).finally(held.release)
  exitOnSignals(running, config.shutdownTimeoutMs, held.received()) // before anything else can be awaited

  const store = config.database.url ? 'PostgreSQL' : `embedded PGlite (${config.dataDir})`
  const { url, metricsUrl } = running
  running.app.log.info({ url, store }, `${service.name} listening`)
  process.stdout.write(`${service.title ?? `EventCore ${service.name}`} on ${store}, listening at ${url}\n`)
  process.stdout.write(
    `  OpenAPI: ${url}/openapi.json   health: ${url}/health   ready: ${url}/ready   metrics: ${metricsUrl ?? url}/metrics\n`,
  )
  if (tracing?.url) process.stdout.write(`  traces: OTLP to ${tracing.url}\n`)
  await printDevToken(service, config, url)
  return running
}

/**
 * The whole process of a service, for its `main.ts`: loads the configuration from `env` (every
 * problem at once, then exit 1), starts the service, shuts it down gracefully on SIGTERM or SIGINT
 * ({@link exitOnSignals}), and prints where it listens (and, on a generated development secret,
 * its {@link DevToken}). A start that fails prints one line and exits 1.
 *
 * @example
 * // main.ts
 * await runService(usersService)
 */
export async function runService(service: ServiceDefinition, env: RawEnv = process.env): Promise<RunningService> {
  try {
    return await run(service, env)
  } catch (error) {
    process.stderr.write(
      `the ${service.name} failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    process.exit(1)
  }
}

/**
 * The whole process of a service's migration step, for its `migrate.ts` (a migration Job, or a
 * deploy step before the replicas start with `EVENTCORE_DATABASE_MIGRATE=false`): loads the
 * configuration from `env` (`EVENTCORE_DATABASE_URL` naming the migrator), applies EventCore's
 * migrations and the service's own DDL ({@link migrateService}), prints one line and returns; a
 * bad configuration or a failure prints why and exits 1. It never verifies or signs a token, so no
 * JWT key is needed, even with `NODE_ENV=production` (a migration Job mounts only the migrator's URL).
 *
 * @example
 * // migrate.ts
 * await runServiceMigrations(usersService)
 */
export async function runServiceMigrations(service: ServiceDefinition, env: RawEnv = process.env): Promise<void> {
  const loaded = loadConfig(env, { keyless: true })
  if (!loaded.ok) {
    process.stderr.write(`${formatProblems(loaded.problems)}\n`)
    process.exit(1)
  }
  const { config } = loaded
  try {
    await migrateService(config, service)
  } catch (error) {
    process.stderr.write(
      `the ${service.name} failed to migrate: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    process.exit(1)
  }
  const store = config.database.url ? 'PostgreSQL' : `embedded PGlite (${config.dataDir})`
  process.stdout.write(`${service.name}: schema ${config.database.schema} on ${store} is migrated\n`)
}
