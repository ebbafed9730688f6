/**
 * EventCore: multi-stream event sourcing. A command declares the streams it reads, folds them into
 * state, decides, and the executor appends to several streams atomically with optimistic
 * concurrency on every stream it read.
 *
 * This entry holds what applications use. The building blocks of a store, a store wrapper or a
 * consumer of the log (input checks, append planning, the circuit state machine) are in
 * `@eventcore/core/store-kit`.
 *
 * @example
 * import { createExecutor, defineCommand, reject } from '@eventcore/core'
 * import { createMemoryStore } from '@eventcore/core/memory'
 *
 * const executor = createExecutor({ store: createMemoryStore() })
 * const result = await executor.execute(transfer, { from: 'a', to: 'b', amount: 10 })
 *
 * @module
 */
export type { RetryPolicy } from './backoff.js'
export type { CircuitSettings, CircuitState } from './circuit-breaker.js'
export {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerStore,
  type CircuitStateChange,
  circuitBreakerReadiness,
  withCircuitBreaker,
} from './circuit-breaker-store.js'
export { type Command, type Decision, defineCommand, isRejection, type Rejection, reject } from './command.js'
export {
  BusinessRuleError,
  ConcurrencyError,
  type EventCoreError,
  type EventCoreErrorKind,
  isEventCoreError,
  isRetryable,
  isTransient,
  type StoreUnavailableCode,
  StoreUnavailableError,
  type StoreUnavailableOptions,
  type StreamConflict,
  TimeoutError,
  type ValidationCode,
  ValidationError,
  type ValidationIssue,
} from './errors.js'
export {
  compareCursors,
  cursorOf,
  type Event,
  type EventId,
  type EventMetadata,
  event,
  type GlobalCursor,
  type RecordedEvent,
  type RecordedFields,
  START,
} from './event.js'
export { isUuid, uuidv7 } from './event-id.js'
export type {
  AppendFailure,
  AppendOptions,
  AppendResult,
  AppendSuccess,
  EventStore,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  StreamSlice,
  StreamWrite,
} from './event-store.js'
export type { ExecutionContext, TraceIds } from './execution-context.js'
export {
  type CommandOutcome,
  createExecutor,
  type ExecuteOptions,
  type ExecutionFailure,
  type ExecutionResult,
  type ExecutionSuccess,
  type Executor,
  type ExecutorObserver,
  type ExecutorOptions,
} from './executor.js'
export { ANY_VERSION, type ExpectedVersion, NO_STREAM, STREAM_EXISTS } from './expected-version.js'
export { createMemoryProjectionStore } from './memory-projections.js'
export type { OutageBackoff, OutageRetry } from './outage.js'
export {
  type BatchHandler,
  type Checkpoint,
  type DeadLetter,
  defineProjection,
  type EventHandler,
  type FailurePolicy,
  type Lease,
  type Projection,
  type ProjectionContext,
  type ProjectionFailure,
  type ProjectionObserver,
  type ProjectionRunner,
  type ProjectionSettings,
  type ProjectionState,
  type ProjectionStore,
  type RunProjectionOptions,
} from './projection.js'
export { runProjection } from './projection-runner.js'
export { type ProjectionStatus, type ProjectionStatusOptions, projectionStatus } from './projection-status.js'
export { type EventFilter, type SubscribeOptions, type SubscriptionBatch, subscribe } from './subscription.js'
export { tracedStore } from './tracing.js'
export { createUpcaster, type Upcaster } from './upcasting.js'
