// The README's worked example: open a course, enroll two students, handle every outcome.
import { createExecutor, type EventStore, type ExecutionResult } from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import { openPgliteStore, type PgliteStoreOptions } from '@eventcore/postgres'
import { enroll, openCourse } from './enrollment.js'

// #region explain
/** Turns any command result into one line, handling every kind of failure. */
export function explain(result: ExecutionResult<string>): string {
  if (result.ok) return `ok: ${result.events.length} event(s) written in ${result.attempts} attempt(s)`
  const { error } = result
  switch (error.kind) {
    case 'business-rule': // decide said no: an answer for the user, never retried
      return `refused (${error.rule}): ${error.message}`
    case 'concurrency': // the streams kept moving and the retries ran out
      return `busy: ${error.streams.join(', ')} changed ${error.attempts} times`
    case 'validation': // malformed input or a bug in the command: retrying cannot help
      return `invalid (${error.code}): ${error.message}`
    case 'timeout': // the command took longer than timeoutMs; a write in flight may have committed
      return `timed out after ${error.timeoutMs} ms`
    case 'store-unavailable': // the database could not be reached (transient errors were retried)
      return `store unavailable: ${error.message}`
  }
}
// #endregion explain

// #region run
export async function quickStart(store: EventStore = createMemoryStore()): Promise<string[]> {
  const executor = createExecutor({ store })
  const lines: string[] = []

  const opened = await executor.execute(openCourse, { courseId: 'algebra', title: 'Algebra I', seats: 1 })
  lines.push(`open algebra: ${explain(opened)}`)

  const ada = await executor.execute(enroll, { courseId: 'algebra', studentId: 'ada' })
  if (ada.ok) lines.push(`ada: course at version ${ada.versions.course}, student at ${ada.versions.student}`)

  const bob = await executor.execute(enroll, { courseId: 'algebra', studentId: 'bob' })
  if (!bob.ok && bob.error.kind === 'business-rule' && bob.error.rule === 'course-full') {
    lines.push(`bob: ${bob.error.message}`)
  }
  return lines
}
// #endregion run

// #region pglite
/** The same example on the embedded PostgreSQL (PGlite): files under ./data, no server. */
export async function quickStartOnPglite(options: PgliteStoreOptions = { dataDir: './data' }): Promise<string[]> {
  const store = await openPgliteStore(options) // { dataDir: 'memory://' } keeps nothing on disk
  try {
    return await quickStart(store)
  } finally {
    await store.close()
  }
}
// #endregion pglite
