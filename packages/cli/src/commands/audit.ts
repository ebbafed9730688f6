import { Command, InvalidArgumentError, Option } from 'commander'
import { auditConfig } from '../audit/config-audit.js'
import { auditDatabase, PGLITE_NOT_APPLICABLE } from '../audit/database-audit.js'
import { type Finding, SEVERITIES, type Severity } from '../audit/finding.js'
import { auditReport, renderAudit, type SourceReport } from '../audit/report.js'
import { toSarif } from '../audit/sarif.js'
import { auditUrl } from '../audit/url-audit.js'
import { CliError, isCliError, messageOf } from '../cli-error.js'
import { loadCliConfig } from '../config.js'
import { bearerToken } from '../credentials.js'
import { openDatabase } from '../database.js'
import { EXIT } from '../exit-code.js'
import { parseBaseUrl } from '../http-client.js'
import { action, positiveInteger, type Shell } from '../shell.js'
import { CLI_VERSION } from '../version.js'

/** `--format` values. */
type AuditFormat = 'text' | 'json' | 'sarif'

interface AuditOptions {
  readonly url?: string
  readonly databaseUrl?: string
  readonly dataDir?: string
  readonly config: boolean
  readonly database: boolean
  readonly token?: string
  readonly apiPath: string
  readonly floodMax: number
  readonly format: AuditFormat
  readonly failOn: Severity
}

const HELP = `
Sources (each optional):
  config    the EVENTCORE_* configuration, loaded as the service loads it (--no-config to skip)
  database  the PostgreSQL at EVENTCORE_DATABASE_URL / --database-url, as the role it connects with
            (--no-database to skip; the embedded PGlite has nothing to audit and is reported skipped)
  url       a running service at --url: headers, HSTS, plain HTTP, CORS, /metrics, error bodies, and a
            flood of bad tokens (it spends up to RateLimit-Limit + 20 of this client's requests, at
            most --flood-max, within --timeout; run it last, or from a machine whose limit may run out)

Exit codes: 0 no finding at or above --fail-on (default high), 1 some finding is, 2 bad usage,
configuration, or a database or URL that did not answer.

Examples:
  eventcore-cli audit
  eventcore-cli audit --url https://api.example.com --no-database --format sarif > audit.sarif
  eventcore-cli audit --database-url postgres://app@db.internal/app --fail-on medium --json
`

const pathFlag = (text: string): string => {
  if (!text.startsWith('/')) throw new InvalidArgumentError('expected a path starting with /')
  return text
}

/** `eventcore-cli audit`: the security auditor. */
export function auditCommand(shell: Shell): Command {
  return new Command('audit')
    .description('Audits security: the configuration, the live database and a running service; findings by severity.')
    .option('--url <url>', 'a running service to audit from outside, e.g. https://api.example.com')
    .option('--database-url <url>', 'the PostgreSQL to audit (default EVENTCORE_DATABASE_URL)')
    .option('--data-dir <dir>', 'the embedded database directory (default EVENTCORE_DATA_DIR)')
    .option('--no-config', 'do not audit the EVENTCORE_* configuration')
    .option('--no-database', 'do not audit the database')
    .option('--token <jwt>', 'a valid token, so the malformed-body probe reaches the body parser')
    .addOption(
      new Option('--api-path <path>', 'an authenticated API route to probe')
        .default('/api/v1/users')
        .argParser(pathFlag),
    )
    .addOption(
      new Option('--flood-max <n>', 'most bad-token requests the rate-limit probe sends')
        .default(300)
        .argParser(positiveInteger),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity')
        .choices([...SEVERITIES])
        .default('high'),
    )
    .addHelpText('after', HELP)
    .action(
      action<AuditOptions>(shell, async ({ io, global, output }, _args, options) => {
        const base = options.url === undefined ? undefined : parseBaseUrl(options.url)
        const token = options.token === undefined ? undefined : bearerToken(options.token)
        // Keyless: a missing JWT key is a finding to report, not a reason to stop, and an audit
        // never writes a development secret.
        const config = loadCliConfig(
          io,
          { EVENTCORE_DATABASE_URL: options.databaseUrl, EVENTCORE_DATA_DIR: options.dataDir },
          { keyless: true },
        )
        const findings: Finding[] = []
        const sources: SourceReport[] = []
        const audited = (source: SourceReport['source'], found: readonly Finding[], notes: readonly string[] = []) => {
          findings.push(...found)
          sources.push({ source, status: 'audited', findings: found.length, notes })
        }

        if (options.config) audited('config', auditConfig(config, io.env))
        else sources.push({ source: 'config', status: 'skipped', reason: '--no-config' })

        if (!options.database) sources.push({ source: 'database', status: 'skipped', reason: '--no-database' })
        else if (config.database.url === undefined)
          sources.push({ source: 'database', status: 'skipped', reason: PGLITE_NOT_APPLICABLE })
        else {
          const { store, kind, location } = await openDatabase(config, {
            migrate: 'inspect',
            timeoutMs: global.timeoutMs,
          })
          try {
            audited('database', await output.spin(`auditing ${location}`, () => auditDatabase(store, { kind })))
          } catch (error) {
            if (isCliError(error)) throw error
            throw new CliError('connection', `${location}: ${messageOf(error)}`, { cause: error })
          } finally {
            await store.close()
          }
        }

        if (base === undefined) sources.push({ source: 'url', status: 'skipped', reason: 'no --url given' })
        else {
          const notes: string[] = []
          const found = await output.spin(`auditing ${base}`, () =>
            auditUrl(base, {
              timeoutMs: global.timeoutMs,
              apiPath: options.apiPath,
              floodMax: options.floodMax,
              onNote: (note) => notes.push(note),
              ...(token === undefined ? {} : { token }),
            }),
          )
          audited('url', found, notes)
        }

        const report = auditReport(findings, sources, options.failOn)
        const text =
          options.format === 'sarif'
            ? `${JSON.stringify(toSarif(report.findings, { version: CLI_VERSION }), null, 2)}\n`
            : options.format === 'json'
              ? `${JSON.stringify(report, null, 2)}\n`
              : renderAudit(report, output.colors)
        return { exitCode: report.summary.failed ? EXIT.failed : EXIT.ok, json: report, text }
      }),
    )
}
