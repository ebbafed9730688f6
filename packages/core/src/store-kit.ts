/**
 * Building blocks for writing a store, a store wrapper or a consumer of the global log — not for
 * applications, which need only `@eventcore/core`. The built-in stores (memory, PGlite,
 * PostgreSQL) are made of these, so a new store that uses them checks its input, refuses bad
 * input and answers exactly as they do; `describeStoreContract` from `@eventcore/core/testing`
 * then proves it. See docs/stores.md, "Writing a store".
 *
 * @example
 * import { checkReadStream, planAppend, versionsAfter } from '@eventcore/core/store-kit'
 *
 * async append(writes, options) {
 *   const plan = planAppend(writes, options, limits) // throws a ValidationError listing every problem
 *   const recorded = await insert(plan)              // your database's part
 *   return { ok: true, duplicate: false, events: recorded, versions: versionsAfter(recorded) }
 * }
 *
 * @module
 */
export {
  type AppendLimits,
  type AppendPlan,
  type PlannedEvent,
  planAppend,
  reusedIdsError,
  versionsAfter,
} from './append-plan.js'
export { backoffDelay } from './backoff.js'
export { type Admission, admitCall, type Circuit, CLOSED_CIRCUIT, recordCall } from './circuit-breaker.js'
export { isExpectedVersion, versionMatches } from './expected-version.js'
export { findJsonProblem, jsonEqual, toStrictJson } from './json-value.js'
export { isOutage, outageDelay } from './outage.js'
export { handles } from './projection.js'
export { checkReadAll, checkReadStream, checkStreamIds, MAX_PAGE } from './read-options.js'
export { matches } from './subscription.js'
