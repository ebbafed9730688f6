import { isEventCoreError } from '@eventcore/core'
import type { FastifyServerOptions } from 'fastify'

/** The `logger` options of a Fastify server (pino's, plus Fastify's own). */
export type LoggerOptions = Exclude<NonNullable<FastifyServerOptions['logger']>, boolean>

/** Options of {@link eventcoreLoggerOptions}. */
export interface LogRedactionOptions {
  /**
   * Field names whose values never reach a log line, at any depth, besides the credentials and
   * bodies always redacted: a service's personal data, e.g. `['email', 'first_name']`. Compared
   * ignoring case, `-` and `_`, so `first_name` also covers `firstName` and `First-Name`.
   * @default []
   */
  readonly redactKeys?: readonly string[]
  /** pino redaction paths besides, e.g. `['order.card.number']`. @default [] */
  readonly redactPaths?: readonly string[]
}

/** What a redacted value is replaced with. */
const CENSOR = '[redacted]'

// Any field whose name contains one of these (case, `-` and `_` ignored) holds a credential:
// `authorization`, `set-cookie`, `x-api-key`, `refresh_token`, `clientSecret`, `db_password`…
const CREDENTIAL_PARTS = [
  'authorization',
  'cookie',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'credential',
  'privatekey',
]
// Bodies are never logged whole: whatever a client or an event carries, they may hold anything.
const BODY_KEYS = ['body', 'payload']

const normalized = (key: string) => key.toLowerCase().replaceAll(/[-_]/g, '')

// Nesting deeper than this is not logged at all (nor walked).
const MAX_DEPTH = 8
const MAX_CAUSES = 4
// A code is an identifier (`ECONNREFUSED`, `23505`, `FST_ERR_CTP_BODY_TOO_LARGE`), never free text.
const CODE = /^[\w.-]{1,64}$/

/**
 * An error as a log line may show it: its type, code and stack frames, and the same of its causes.
 * Never its message, nor its other fields: those quote input (a JSON parser's snippet of the body,
 * a driver's `Key (email)=(…) already exists`, the raw bytes of a malformed request).
 */
function loggedError(error: Error, depth = 0): Record<string, unknown> {
  const code: unknown = Reflect.get(error, 'code')
  const header = String(error)
  // The message may span lines; only the frames after it are kept.
  const stack = error.stack?.startsWith(header) ? error.stack.slice(header.length) : (error.stack ?? '')
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line))
  return {
    type: error.constructor?.name ?? 'Error',
    ...((typeof code === 'string' || typeof code === 'number') && CODE.test(String(code)) ? { code } : {}),
    ...(isEventCoreError(error) ? { kind: error.kind } : {}),
    ...(frames.length > 0 ? { stack: frames.join('\n') } : {}),
    ...(error.cause instanceof Error && depth < MAX_CAUSES ? { cause: loggedError(error.cause, depth + 1) } : {}),
  }
}

/** `value` with sensitive fields censored at any depth; objects that are not plain (a request) are left to their serializer. */
function redacted(value: unknown, sensitive: (key: string) => boolean, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (value instanceof Error) return loggedError(value)
  if (depth >= MAX_DEPTH) return CENSOR
  if (Array.isArray(value)) return value.map((item) => redacted(item, sensitive, depth + 1))
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return value
  const copy: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    copy[key] = sensitive(key) ? CENSOR : redacted(item, sensitive, depth + 1)
  }
  return copy
}

interface LoggedRequest {
  readonly method?: string
  readonly ip?: string
  readonly routeOptions?: { readonly url?: string }
  readonly socket?: { readonly remoteAddress?: string }
}

/**
 * pino options that keep credentials, bodies and personal data out of a service's logs, for
 * `Fastify({ logger })`. They work at the source of each line, before it is written:
 * - any field named like a credential (`authorization`, `cookie`, `set-cookie`, `*token*`,
 *   `*secret*`, `*password*`, `*api-key*`…), any `body` or `payload`, and the fields named in
 *   `redactKeys` are censored at any depth in a call's fields (a child logger's bindings are not
 *   walked: bind identifiers such as a correlation id there, not data; `redactPaths` do apply);
 * - a request is logged as its method, its route's pattern (`/users/:id`, never the URL, whose path
 *   and query may carry anything) and its client's address; no header;
 * - an error is logged as its type, `code`, EventCore `kind` and stack frames, with its causes,
 *   never its message (which may quote input), and a line about an error without a message of its
 *   own says the error's type rather than its message.
 *
 * @example
 * const app = Fastify({
 *   logger: { level: 'info', ...eventcoreLoggerOptions({ redactKeys: ['email', 'first_name', 'last_name'] }) },
 * })
 */
export function eventcoreLoggerOptions({ redactKeys = [], redactPaths = [] }: LogRedactionOptions = {}): LoggerOptions {
  const personal = new Set([...BODY_KEYS, ...redactKeys].map(normalized))
  const sensitive = (key: string) => {
    const name = normalized(key)
    return personal.has(name) || CREDENTIAL_PARTS.some((part) => name.includes(part))
  }
  return {
    redact: { paths: [...redactPaths], censor: CENSOR },
    // Errors are shaped here, before serializers run: pino's `err` serializer leaves a plain object be.
    formatters: {
      log: (fields) => redacted(fields, sensitive, 0) as Record<string, unknown>,
    },
    serializers: {
      req: (request: LoggedRequest) => ({
        method: request.method,
        route: request.routeOptions?.url,
        remoteAddress: request.ip ?? request.socket?.remoteAddress,
      }),
    },
    hooks: {
      // pino would use the error's message as the line's message when none is given.
      logMethod(args, method) {
        const [first, message] = args
        const error = first instanceof Error ? first : Reflect.get(Object(first), 'err')
        if (message === undefined && error instanceof Error && Reflect.get(Object(first), 'msg') === undefined) {
          return method.call(this, first, error.constructor?.name ?? 'Error')
        }
        return method.apply(this, args)
      },
    },
  }
}
