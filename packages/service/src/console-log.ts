import pretty from 'pino-pretty'
import type { Config } from './config/index.js'

/** Where a service's log lines go: a readable console, or pino's JSON on stdout (`undefined`). */
export type LogStream = { write(line: string): void } | undefined

// The fields the request line already says in its message.
const REQUEST_FIELDS = [
  'method',
  'route',
  'status',
  'durationMs',
  'problem',
  'correlationId',
  'reqId',
  'pid',
  'hostname',
]

/** A line of the readable console: a request as `POST /api/v1/users 201 12ms corr=…`, anything else by its message. */
function messageOf(log: Record<string, unknown>, messageKey: string): string {
  const message = String(log[messageKey] ?? '')
  const corr = typeof log.correlationId === 'string' ? ` corr=${log.correlationId}` : ''
  if (typeof log.method !== 'string') return `${message}${corr}`
  const route = typeof log.route === 'string' ? log.route : '(no route)'
  if (typeof log.status !== 'number') return `${message}: ${log.method} ${route}${corr}`
  const duration = typeof log.durationMs === 'number' ? ` ${Math.round(log.durationMs)}ms` : ''
  // A refusal says which problem; a failure's error follows on the lines below.
  const problem = typeof log.problem === 'string' ? ` ${log.problem.replace(/^urn:eventcore:problem:/, '')}` : ''
  return `${log.method} ${route} ${log.status}${duration}${corr}${problem}`
}

/**
 * The console a service logs to: outside production, when stdout is a terminal, pino-pretty in
 * this thread (synchronous, so a line never lands inside the banner) with one short line per
 * request; otherwise pino's JSON lines as they are (`undefined`), for a log collector or a pipe
 * (`| npx pino-pretty` reads them too). Redaction happens before either: it is in pino's formatters.
 * `destination` is stdout's descriptor unless a test gives a stream.
 *
 * @example
 * const logStream = consoleLog(config, process.stdout.isTTY === true)
 */
export function consoleLog(
  config: Pick<Config, 'env'>,
  terminal: boolean,
  destination: NodeJS.WritableStream | number = 1,
): LogStream {
  if (config.env === 'production' || !terminal) return undefined
  return pretty({
    destination,
    sync: true,
    colorize: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: REQUEST_FIELDS.join(','),
    // Problems, codes and the rest of a request line are in its message; other fields show below it.
    hideObject: false,
    // Other fields on the line itself, as `key: value`: one event, one line.
    singleLine: true,
    messageFormat: (log, messageKey) => messageOf(log, messageKey),
    customPrettifiers: { time: (time) => String(time) },
  })
}
