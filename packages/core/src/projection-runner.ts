import type { RecordedEvent } from './event.js'
import type { EventStore } from './event-store.js'
import { isOutage, outageDelay } from './outage.js'
import type {
  Checkpoint,
  Lease,
  ProjectionFailure,
  ProjectionRunner,
  ProjectionState,
  RunProjectionOptions,
} from './projection.js'
import { createPageApplier, type PageOutcome } from './projection-page.js'
import { traceBatch } from './projection-tracing.js'
import { createWakeUp } from './wake-up.js'

/**
 * Runs a projection: takes the version's lease (standing by while another process holds it), then
 * applies the log from its checkpoint in batches, each batch and its checkpoint in one
 * transaction, so a crash never applies an event twice. On catching up, a version newer than the
 * active one becomes active (a finished rebuild); an older one that is no longer active retires.
 *
 * @example
 * const runner = runProjection({ store, projections, projection: balances })
 * // …
 * await runner.stop()
 */
export function runProjection<Tx>(options: RunProjectionOptions<Tx>): ProjectionRunner {
  const {
    store,
    projections,
    projection,
    batchSize = 500,
    standbyRetryMs = 1000,
    minPollMs = 50,
    maxPollMs = 1000,
    liveBatchDelayMs = 0,
    observer = {},
    clock = () => new Date(),
    outageBackoff,
  } = options
  const { name, version } = projection
  let stopping = false
  /** What this runner is doing, as its observer last heard it. */
  let current: ProjectionState = 'idle'
  /** The last checkpoint read, answered by `done` when the store is down at the end. */
  let lastKnown: Checkpoint | undefined
  /** Failed tries in a row while the store is down. */
  let failures = 0
  /** When this version was last seen to be the active one. */
  let activeSince: number | undefined
  const wakeUp = createWakeUp(() => stopping)
  const announce = (next: ProjectionState) => {
    current = next
    observer.onState?.({ projection: name, version, state: next })
  }
  const state = async (next: ProjectionState, failure?: ProjectionFailure | null) => {
    await projections.setState(name, version, next, failure)
    announce(next)
  }
  const load = async () => {
    lastKnown = await projections.load(name, version)
    return lastKnown
  }

  /**
   * The store failed: say so (`waiting`, only to the observer: the store cannot hear it) and back
   * off. Rethrows what waiting cannot cure.
   */
  async function waitOut(error: unknown): Promise<void> {
    if (!isOutage(error)) throw error
    failures += 1
    const delayMs = outageDelay(failures, outageBackoff, error)
    if (current !== 'waiting') announce('waiting')
    observer.onOutage?.({ projection: name, version, attempt: failures, delayMs, error })
    await wakeUp.sleep(delayMs)
  }

  async function main(): Promise<Checkpoint> {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(name) || !Number.isSafeInteger(version) || version < 1)
      throw new Error(`projection name must be 1-100 letters, digits, '.', '_' or '-', and version a whole number ≥ 1`)
    let ended: ProjectionState | 'lost' | undefined
    while (ended === undefined || ended === 'lost') {
      try {
        const lease = await acquire()
        if (!lease) break
        // The lease's connection dropped ('lost'): another runner may lead now. Stand by again.
        ended = await lead(lease)
      } catch (error) {
        // The lease is released by now: whoever the store answers first leads when it is back.
        if (stopping && isOutage(error)) break
        await waitOut(error)
      }
    }
    for (;;) {
      try {
        return await load()
      } catch (error) {
        // Stopped while the store is down: the last checkpoint seen is the best answer there is.
        if (stopping && lastKnown && isOutage(error)) return { ...lastKnown, state: 'stopped' }
        if (stopping) throw error
        await waitOut(error)
      }
    }
  }

  /** Waits for the version's lease; `undefined` when stopped first. */
  async function acquire(): Promise<Lease | undefined> {
    let announced = false
    while (!stopping) {
      const lease = await projections.tryLease(name, version)
      if (lease) return lease
      // The stored state is the leader's; a standby only tells its own observer.
      if (!announced || current !== 'standby') announce('standby')
      announced = true
      await wakeUp.sleep(standbyRetryMs)
    }
    return undefined
  }

  /** Applies the log while holding the lease. */
  async function lead(lease: Lease): Promise<ProjectionState | 'lost'> {
    const off = store.onAppend(wakeUp.onAppend)
    let final: ProjectionState | 'lost' = 'stopped'
    try {
      let checkpoint = await load()
      await state(checkpoint.active || (await activeVersion()) === undefined ? 'running' : 'rebuilding', null)
      failures = 0 // the store answered: the next outage backs off from the start
      let cursor = checkpoint.cursor
      let pollMs = minPollMs
      let live = false
      let lastReadAt = Number.NEGATIVE_INFINITY
      while (!stopping) {
        if (lease.held && !lease.held()) {
          final = 'lost'
          break
        }
        // Live (the last page was the end of the log): let a burst of appends gather into one batch.
        const gather = live ? lastReadAt + liveBatchDelayMs - performance.now() : 0
        if (gather > 0 && !stopping) await new Promise((resolve) => setTimeout(resolve, gather))
        lastReadAt = performance.now()
        wakeUp.forget()
        let outcome: PageOutcome | 'caught-up'
        let page: Awaited<ReturnType<EventStore['readAll']>> | undefined
        try {
          const from = performance.now()
          const read = await store.readAll({ after: cursor, limit: batchSize })
          page = read
          const at = cursor
          outcome =
            read.events.length === 0
              ? 'caught-up'
              : await traceBatch(projection, read, { from, to: performance.now() }, () =>
                  applyPage(at, read.events, read.cursor),
                )
          if (failures > 0) {
            // Back from an outage: the stored state is still the one set before it.
            failures = 0
            announce(checkpoint.active ? 'running' : 'rebuilding')
          }
        } catch (error) {
          // The store or the checkpoint table failed (not a handler): wait, re-read the checkpoint, go on.
          await waitOut(error)
          checkpoint = await load().catch(() => checkpoint)
          cursor = checkpoint.cursor
          continue
        }
        // A short page was the end of the log when it was read: wait for the next append (it may
        // already have been heard) rather than read an empty page to learn so.
        if (outcome === 'caught-up' || (outcome.kind === 'applied' && page.events.length < batchSize)) {
          live = true
          if (outcome !== 'caught-up') {
            cursor = page.cursor
            reportBatch(outcome.applied, page.events, false)
            pollMs = minPollMs
          }
          if ((await onCaughtUp()) === 'retired') {
            final = 'retired'
            break
          }
          if (!wakeUp.heard()) await wakeUp.sleep(pollMs)
          pollMs = Math.min(maxPollMs, pollMs * 2)
          continue
        }
        live = false
        pollMs = minPollMs
        if (outcome.kind === 'interrupted') break
        if (outcome.kind === 'failed') {
          final = 'failed'
          await state('failed', outcome.failure)
          break
        }
        if (outcome.kind === 'moved') {
          checkpoint = await load() // reset by an operator: follow it
          cursor = checkpoint.cursor
          continue
        }
        cursor = page.cursor
        reportBatch(outcome.applied, page.events, true)
      }
    } catch (error) {
      final = 'lost' // the store failed: no state to write, the supervisor waits it out
      throw error
    } finally {
      off()
      if (final !== 'failed' && final !== 'lost') await state(final).catch(() => {})
      await lease.release().catch(() => {})
    }
    return final
  }

  /** Lag is the age of the newest event applied while behind; 0 once a page reached the end. */
  function reportBatch(applied: number, events: readonly RecordedEvent[], full: boolean): void {
    const newest = events.at(-1)
    observer.onBatch?.({
      projection: name,
      version,
      events: applied,
      lagSeconds: !full || !newest ? 0 : Math.max(0, (clock().getTime() - newest.recordedAt.getTime()) / 1000),
    })
  }

  async function activeVersion(): Promise<number | undefined> {
    return (await projections.list()).find((c) => c.name === name && c.active)?.version
  }

  /** Activates a finished rebuild; retires a version that something newer replaced. */
  async function onCaughtUp(): Promise<'running' | 'retired'> {
    // Once active, only a newer version's activation can change that: look at most once per
    // maxPollMs, not on every wake-up of a busy runner (each look is a query).
    if (activeSince !== undefined && performance.now() - activeSince < maxPollMs) return 'running'
    const active = await activeVersion()
    if (active === undefined || active < version) {
      await projections.activate(name, version)
      await state('running')
      activeSince = performance.now()
      return 'running'
    }
    if (active > version) return 'retired'
    activeSince = performance.now()
    return 'running'
  }

  const applyPage = createPageApplier({
    projection,
    projections,
    clock,
    stopping: () => stopping,
    onDeadLetter: observer.onDeadLetter,
  })

  const done = main()
  return {
    name,
    version,
    done,
    state: () => current,
    async stop() {
      stopping = true
      wakeUp.wake()
      return done
    },
  }
}
