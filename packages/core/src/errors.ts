import type { ExpectedVersion } from './expected-version.js'

/** One problem with an input: where it is and what is wrong. */
export interface ValidationIssue {
  /** Dotted path to the bad value, e.g. `writes.0.events.2.data`. Empty for the whole input. */
  readonly path: string
  readonly message: string
}

/** Stable codes of validation errors; see docs/reference/errors.md. */
export type ValidationCode =
  | 'ERR_EVENTCORE_VALIDATION'
  | 'ERR_EVENTCORE_EVENT_ID_REUSED'
  | 'ERR_EVENTCORE_UNDECLARED_STREAM'
  | 'ERR_EVENTCORE_DISCOVERY_LIMIT'

/**
 * What the five error classes share: the `kind` to switch on and a stable `code`, set once here.
 * Use the union {@link EventCoreError} as a type, not this class.
 */
export abstract class KindedError<Kind extends string, Code extends string> extends Error {
  readonly kind: Kind
  readonly code: Code

  protected constructor(kind: Kind, code: Code, message: string, options?: ErrorOptions) {
    super(message, options)
    this.kind = kind
    this.code = code
  }
}

/** The input is malformed or breaks a rule of the store; retrying the same input cannot succeed. */
export class ValidationError extends KindedError<'validation', ValidationCode> {
  override readonly name = 'ValidationError'
  readonly issues: readonly ValidationIssue[]

  constructor(issues: readonly ValidationIssue[], code: ValidationCode = 'ERR_EVENTCORE_VALIDATION') {
    super('validation', code, issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '))
    this.issues = issues
  }
}

/** A command's `decide` refused the input (e.g. "email already taken"). Never retried. */
export class BusinessRuleError extends KindedError<'business-rule', 'ERR_EVENTCORE_BUSINESS_RULE'> {
  override readonly name = 'BusinessRuleError'
  /** The rule that refused, as the command named it (e.g. `email-taken`). */
  readonly rule: string
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(rule: string, message?: string, details?: Readonly<Record<string, unknown>>) {
    super('business-rule', 'ERR_EVENTCORE_BUSINESS_RULE', message ?? `rejected by rule '${rule}'`)
    this.rule = rule
    this.details = details
  }
}

/** A stream whose version was not what the writer expected. */
export interface StreamConflict {
  readonly streamId: string
  readonly expected: ExpectedVersion
  /** The version found; `undefined` when the store only knows that the stream moved. */
  readonly actual: number | undefined
}

/** Streams moved between read and write, and retries (if any) did not get through. */
export class ConcurrencyError extends KindedError<'concurrency', 'ERR_EVENTCORE_CONFLICT'> {
  override readonly name = 'ConcurrencyError'
  readonly conflicts: readonly StreamConflict[]
  /** The ids of the streams that moved. */
  readonly streams: readonly string[]
  /** How many times the executor tried; 1 for a store's own answer. */
  readonly attempts: number

  constructor(conflicts: readonly StreamConflict[], attempts = 1) {
    const list = conflicts
      .map((c) => `${c.streamId} (expected ${c.expected}, found ${c.actual ?? 'a newer version'})`)
      .join(', ')
    super(
      'concurrency',
      'ERR_EVENTCORE_CONFLICT',
      `version conflict on ${list}${attempts > 1 ? ` after ${attempts} attempts` : ''}`,
    )
    this.conflicts = conflicts
    this.streams = conflicts.map((c) => c.streamId)
    this.attempts = attempts
  }
}

/** The command did not finish within its time limit. A write in flight may still have committed. */
export class TimeoutError extends KindedError<'timeout', 'ERR_EVENTCORE_TIMEOUT'> {
  override readonly name = 'TimeoutError'
  readonly timeoutMs: number

  /** `message` overrides the default, e.g. for a caller that gave up (its signal aborted). */
  constructor(timeoutMs: number, message?: string) {
    super('timeout', 'ERR_EVENTCORE_TIMEOUT', message ?? `command did not finish within ${timeoutMs} ms`)
    this.timeoutMs = timeoutMs
  }
}

/**
 * Stable codes of store-unavailable errors; see docs/reference/errors.md.
 * `ERR_EVENTCORE_OVERLOADED`: the executor already runs its `maxConcurrent` commands.
 * `ERR_EVENTCORE_CIRCUIT_OPEN`: a circuit breaker fails calls fast while the store is down.
 */
export type StoreUnavailableCode =
  | 'ERR_EVENTCORE_STORE_UNAVAILABLE'
  | 'ERR_EVENTCORE_OVERLOADED'
  | 'ERR_EVENTCORE_CIRCUIT_OPEN'

/** Options of {@link StoreUnavailableError}. */
export interface StoreUnavailableOptions {
  /** True when trying again later may succeed (connection lost, overload); retried by the executor. */
  readonly transient: boolean
  readonly cause?: unknown
  /** @default 'ERR_EVENTCORE_STORE_UNAVAILABLE' */
  readonly code?: StoreUnavailableCode
  /** When it is worth trying again, in milliseconds from now (HTTP: `Retry-After`), if known. */
  readonly retryAfterMs?: number
}

/**
 * The store could not be reached or failed, or the service is shedding load. `transient` errors
 * are retried by the executor.
 *
 * @example
 * throw new StoreUnavailableError('connection lost', { transient: true, cause: error })
 */
export class StoreUnavailableError extends KindedError<'store-unavailable', StoreUnavailableCode> {
  override readonly name = 'StoreUnavailableError'
  readonly transient: boolean
  /** When it is worth trying again, in milliseconds, when the thrower knows; else `undefined`. */
  readonly retryAfterMs: number | undefined

  constructor(message: string, options: StoreUnavailableOptions) {
    super('store-unavailable', options.code ?? 'ERR_EVENTCORE_STORE_UNAVAILABLE', message, { cause: options.cause })
    this.transient = options.transient
    this.retryAfterMs = options.retryAfterMs
  }
}

/**
 * True for an error that waiting may cure: a transient {@link StoreUnavailableError} (an outage,
 * an open circuit, an overloaded executor).
 *
 * @example
 * if (isTransient(error)) await sleep(error.retryAfterMs ?? 1000)
 */
export function isTransient(error: unknown): error is StoreUnavailableError {
  return error instanceof StoreUnavailableError && error.transient
}

/**
 * True for an error worth retrying at once, within one command: a transient store failure, but not
 * a refusal that says when to come back (`ERR_EVENTCORE_CIRCUIT_OPEN`, `ERR_EVENTCORE_OVERLOADED`):
 * those fail fast, which is their point.
 */
export function isRetryable(error: unknown): error is StoreUnavailableError {
  return isTransient(error) && error.code === 'ERR_EVENTCORE_STORE_UNAVAILABLE'
}

/** Every error EventCore returns, discriminated by `kind`. */
export type EventCoreError =
  | ValidationError
  | BusinessRuleError
  | ConcurrencyError
  | TimeoutError
  | StoreUnavailableError

/** Every `kind` of {@link EventCoreError}. */
export type EventCoreErrorKind = EventCoreError['kind']

/** True for any error made by EventCore. */
export function isEventCoreError(error: unknown): error is EventCoreError {
  return (
    error instanceof ValidationError ||
    error instanceof BusinessRuleError ||
    error instanceof ConcurrencyError ||
    error instanceof TimeoutError ||
    error instanceof StoreUnavailableError
  )
}
