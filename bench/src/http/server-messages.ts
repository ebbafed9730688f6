/**
 * What the bench process and an HTTP server child (`server-entry.ts`) say to each other:
 * the server to start (an environment variable) and the messages over the IPC channel. Messages
 * arrive as `unknown`, so each side parses what it gets and refuses anything else.
 *
 * @module
 */

/** Which server a child runs. */
export type HttpServerKind = 'eventcore' | 'bare'

/** The environment variable that hands a child its {@link HttpServerSpec}, as JSON. */
export const SPEC_VARIABLE = 'EVENTCORE_BENCH_SERVER_SPEC'

/** The server a child starts. */
export interface HttpServerSpec {
  /** `eventcore`: the users service (`startService`); `bare`: Fastify and one raw statement per route. */
  readonly kind: HttpServerKind
  readonly databaseUrl: string
  /** A fresh schema of this run; the child creates what it needs in it. */
  readonly schema: string
  /** Most connections in the server's `pg` pool. */
  readonly poolSize: number
  /** The HS256 secret the users service verifies tokens with (the bare server checks none). */
  readonly jwtSecret: string
  /**
   * The users service only: run it observed, exporting its traces (OTLP over HTTP) to this
   * collector and writing info-level JSON logs. Without it: no tracing, logs silent.
   */
  readonly otlpUrl?: string
  /** With `otlpUrl`: the share of traces kept (`parentbased_traceidratio`); all of them when absent. */
  readonly traceRatio?: number
}

/** From the child: it listens at `url`, or could not start. */
export type ChildMessage =
  | { readonly type: 'listening'; readonly url: string }
  | { readonly type: 'failed'; readonly message: string }
  /** The answer to `settle`: how long the background work took to finish, or why it did not. */
  | { readonly type: 'settled'; readonly ms: number; readonly problem?: string }
  /** The answer to `usage`: the CPU time the process has used so far (user + system), in microseconds. */
  | { readonly type: 'usage'; readonly cpuMicros: number }

/**
 * To the child. `settle`: answer once nothing runs in the background any more (the users
 * service's projection has applied every event); `usage`: say how much CPU time it has used;
 * `stop`: close the server and exit.
 */
export type ParentMessage = { readonly type: 'settle' } | { readonly type: 'usage' } | { readonly type: 'stop' }

const KINDS: readonly string[] = ['eventcore', 'bare'] satisfies HttpServerKind[]

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isKind = (value: unknown): value is HttpServerKind => typeof value === 'string' && KINDS.includes(value)

/**
 * Reads a spec from its JSON text; throws naming every field that is missing or wrong.
 *
 * @example
 * parseServerSpec('{"kind":"bare","databaseUrl":"postgres://x","schema":"s","poolSize":8,"jwtSecret":""}').kind // 'bare'
 */
export function parseServerSpec(text: string): HttpServerSpec {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new Error('the server spec is not JSON')
  }
  if (!isRecord(value)) throw new Error('the server spec is not a JSON object')
  const { kind, databaseUrl, schema, poolSize, jwtSecret, otlpUrl, traceRatio } = value
  const problems = [
    isKind(kind) ? '' : `kind must be ${KINDS.join(' or ')}`,
    typeof databaseUrl === 'string' && databaseUrl !== '' ? '' : 'databaseUrl must be a non-empty string',
    typeof schema === 'string' && /^[a-z_][a-z0-9_]{0,62}$/.test(schema) ? '' : 'schema must be a plain schema name',
    Number.isInteger(poolSize) && Number(poolSize) >= 1 ? '' : 'poolSize must be a positive integer',
    typeof jwtSecret === 'string' ? '' : 'jwtSecret must be a string',
    otlpUrl === undefined || (typeof otlpUrl === 'string' && /^http:\/\/127\.0\.0\.1:\d+$/.test(otlpUrl))
      ? ''
      : 'otlpUrl must be an http://127.0.0.1:<port> collector',
    traceRatio === undefined || (typeof traceRatio === 'number' && traceRatio >= 0 && traceRatio <= 1)
      ? ''
      : 'traceRatio must be a number from 0 to 1',
  ].filter(Boolean)
  if (problems.length > 0 || !isKind(kind)) throw new Error(`bad server spec: ${problems.join('; ')}`)
  return {
    kind,
    databaseUrl: String(databaseUrl),
    schema: String(schema),
    poolSize: Number(poolSize),
    jwtSecret: String(jwtSecret),
    ...(typeof otlpUrl === 'string' ? { otlpUrl } : {}),
    ...(typeof traceRatio === 'number' ? { traceRatio } : {}),
  }
}

/**
 * A message from the child, or undefined for anything that is not one.
 *
 * @example
 * parseChildMessage({ type: 'listening', url: 'http://127.0.0.1:4000' }) // { type: 'listening', url: … }
 * parseChildMessage('hello') // undefined
 */
export function parseChildMessage(value: unknown): ChildMessage | undefined {
  if (!isRecord(value)) return undefined
  const { type, url, message, ms, problem, cpuMicros } = value
  if (type === 'listening' && typeof url === 'string') return { type, url }
  if (type === 'failed' && typeof message === 'string') return { type, message }
  if (type === 'settled' && typeof ms === 'number' && Number.isFinite(ms)) {
    return typeof problem === 'string' ? { type, ms, problem } : { type, ms }
  }
  if (type === 'usage' && typeof cpuMicros === 'number' && Number.isFinite(cpuMicros)) return { type, cpuMicros }
  return undefined
}

/**
 * A message from the parent, or undefined for anything that is not one.
 *
 * @example
 * parseParentMessage({ type: 'stop' }) // { type: 'stop' }
 */
export function parseParentMessage(value: unknown): ParentMessage | undefined {
  if (!isRecord(value)) return undefined
  if (value.type === 'settle') return { type: 'settle' }
  if (value.type === 'usage') return { type: 'usage' }
  if (value.type === 'stop') return { type: 'stop' }
  return undefined
}
