import { isAbsolute, join, relative } from 'node:path'
import {
  type Config,
  DEV_SECRET_FILE,
  formatProblems,
  loadConfig,
  MEMORY_DATA_DIR,
  type RawEnv,
} from './config/index.js'
import { GENERATED_SECRET_WARNING } from './config/load-config.js'
import { consoleLog } from './console-log.js'
import { envWithFile } from './env-file.js'
import { exitOnSignals, holdSignalsWhileStarting } from './exit-on-signals.js'
import type { ServiceDefinition } from './service-definition.js'
import { migrateService, type RunningService, startService } from './start-service.js'
import { mintToken } from './token.js'
import { startTracing } from './tracing.js'

const DEV_TOKEN_TTL_SECONDS = 3600

/** `path` as the banner shows it: relative to the working directory when inside it (`./data/…`). */
function shown(path: string): string {
  const relativePath = relative(process.cwd(), path)
  return relativePath === '' || relativePath.startsWith('..') || isAbsolute(relativePath) ? path : `./${relativePath}`
}

/** Where the development secret came from, and so whether more tokens can be signed with it. */
function secretNote(config: Config): string {
  if (config.dataDir === MEMORY_DATA_DIR) {
    return (
      'Development only: no EVENTCORE_JWT_SECRET is set and EVENTCORE_DATA_DIR=memory:// keeps the generated\n' +
      'secret in this process only, so the token below is the only one (npm run token cannot sign another;\n' +
      'set EVENTCORE_JWT_SECRET to sign your own).\n'
    )
  }
  const path = shown(join(config.dataDir, DEV_SECRET_FILE))
  return config.auth.createdSecret === true
    ? `Development only: no EVENTCORE_JWT_SECRET was set, so one was generated (kept in ${path}).\n`
    : `Development only: no EVENTCORE_JWT_SECRET is set: using the development secret kept in ${path}.\n`
}

async function devTokenText(service: ServiceDefinition, config: Config, url: string): Promise<string> {
  const { devToken } = service
  const { secret, maxTokenAgeSeconds, issuer, audience } = config.auth.options
  if (!devToken || !config.auth.generatedSecret || !secret) return ''
  const token = await mintToken({
    secret,
    sub: devToken.sub,
    roles: devToken.roles,
    ttlSeconds: Math.min(DEV_TOKEN_TTL_SECONDS, maxTokenAgeSeconds ?? DEV_TOKEN_TTL_SECONDS),
    ...(issuer ? { issuer } : {}),
    ...(audience ? { audience } : {}),
    now: new Date(),
  })
  return `\n${secretNote(config)}${devToken.message(token, url, { canSignMore: config.dataDir !== MEMORY_DATA_DIR })}`
}

const LISTEN_FAILURES = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'])
const DATABASE_UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH'])

/** The codes of `error` and of its causes, outermost first, each with the error carrying it. */
function codesOf(error: unknown, depth = 0): Array<{ code: string; error: object }> {
  if (typeof error !== 'object' || error === null || depth > 4) return []
  const code: unknown = Reflect.get(error, 'code')
  const rest = codesOf(Reflect.get(error, 'cause'), depth + 1)
  return typeof code === 'string' ? [{ code, error }, ...rest] : rest
}

/**
 * A start-up failure the operator can fix, said as what to change (the failure's own message
 * names the system call, not the setting); `undefined` for the others, told as they are.
 */
function whatToFix(error: unknown, config: Config): string | undefined {
  const codes = codesOf(error)
  const listening = codes.find(({ code }) => LISTEN_FAILURES.has(code))
  if (listening !== undefined) {
    const port: unknown = Reflect.get(listening.error, 'port')
    const variable = port !== undefined && port === config.metricsPort ? 'EVENTCORE_METRICS_PORT' : 'EVENTCORE_PORT'
    const shownPort = String(port ?? config.port)
    if (listening.code === 'EADDRINUSE') return `port ${shownPort} is in use: stop the other process or set ${variable}`
    if (listening.code === 'EACCES')
      return `port ${shownPort} needs privileges this process lacks: set ${variable} to 1024 or above`
    return `${config.host} is not an address of this machine: set EVENTCORE_HOST (e.g. 127.0.0.1 or 0.0.0.0)`
  }
  const message = error instanceof Error ? error.message : String(error)
  // The store names the directory and its holder, not the setting that chose the directory.
  if (config.database.url === undefined && /is in use by process \d+/.test(message))
    return `${message} (EVENTCORE_DATA_DIR)`
  if (config.database.url !== undefined && codes.some(({ code }) => DATABASE_UNREACHABLE.has(code))) {
    return `${message}: is PostgreSQL running, and does EVENTCORE_DATABASE_URL name it?`
  }
  return undefined
}

async function run(service: ServiceDefinition, env: RawEnv): Promise<RunningService> {
  const loaded = loadConfig(env)
  if (!loaded.ok) {
    process.stderr.write(`${formatProblems(loaded.problems)}\n`)
    process.exit(1)
  }
  const { config, warnings } = loaded
  // The banner's own note says where a generated secret is kept, beside the token it signed.
  const saidByBanner = (warning: string) =>
    service.devToken !== undefined && warning.startsWith(GENERATED_SECRET_WARNING)
  for (const warning of warnings) if (!saidByBanner(warning)) process.stderr.write(`warning: ${warning}\n`)

  // Before the store opens, so that the projections' first batches are traced too.
  const held = holdSignalsWhileStarting(config.shutdownTimeoutMs)
  const tracing = await startTracing(env, { serviceName: service.name })
  const running = await startService(config, service, {
    tracing,
    logStream: consoleLog(config, process.stdout.isTTY === true),
    onFirstStart: (dir) =>
      process.stderr.write(
        `Creating the embedded PostgreSQL database in ${dir}: the first start takes several seconds…\n`,
      ),
  })
    .catch((error: unknown) => {
      const fix = whatToFix(error, config)
      throw fix === undefined ? error : new Error(fix, { cause: error })
    })
    .finally(held.release)
  exitOnSignals(running, config.shutdownTimeoutMs, held.received()) // before anything else can be awaited

  const store = config.database.url ? 'PostgreSQL' : `embedded PGlite (${shown(config.dataDir)})`
  const { url, metricsUrl } = running
  // Composed first and written at once: no log line can land inside it.
  const banner =
    `${service.title ?? `EventCore ${service.name}`} on ${store}, listening at ${url}\n` +
    (config.apiDocs ? `  API docs: ${url}/docs   ` : '  ') +
    `OpenAPI: ${url}/openapi.json\n` +
    `  health: ${url}/health   ready: ${url}/ready   metrics: ${metricsUrl ?? url}/metrics\n` +
    (tracing?.url ? `  traces: OTLP to ${tracing.url}\n` : '') +
    (await devTokenText(service, config, url))
  running.app.log.info({ url, store }, `${service.name} listening`)
  process.stdout.write(banner)
  return running
}

/**
 * The whole process of a service, for its `main.ts`: loads the configuration from `env`, with a
 * development `.env` file beneath it ({@link envWithFile}: `./.env` outside production, or
 * `EVENTCORE_ENV_FILE`) (every
 * problem at once, then exit 1), starts the service, shuts it down gracefully on SIGTERM or SIGINT
 * ({@link exitOnSignals}), and prints where it listens (and, on a generated development secret,
 * its {@link DevToken}). A start that fails prints one line and exits 1.
 *
 * @example
 * // main.ts
 * await runService(usersService)
 */
export async function runService(service: ServiceDefinition, env: RawEnv = process.env): Promise<RunningService> {
  const withFile = envWithFile(env, process.cwd())
  if (!withFile.ok) {
    process.stderr.write(`${withFile.problem}\n`)
    process.exit(1)
  }
  if (withFile.file !== undefined)
    process.stderr.write(`settings from ${shown(withFile.file)} (the environment wins)\n`)
  try {
    return await run(service, withFile.env)
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
