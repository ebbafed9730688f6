import { compareCursors, START } from './event.js'
import type {
  Checkpoint,
  DeadLetter,
  Lease,
  ProjectionFailure,
  ProjectionState,
  ProjectionStore,
} from './projection.js'

/**
 * Checkpoints in memory, for projections whose read model is in memory too (tests, demos, caches
 * rebuilt at start-up). There is no transaction to share: a handler runs, then the checkpoint moves,
 * so a crash between them means the event is handled again (at least once; use `event.eventId` to
 * make handlers idempotent).
 *
 * @example
 * const runner = runProjection({ store, projections: createMemoryProjectionStore(), projection: counts })
 */
export function createMemoryProjectionStore(): ProjectionStore<undefined> {
  const checkpoints = new Map<string, Checkpoint>()
  const deadLetters: DeadLetter[] = []
  const leases = new Set<string>()
  const key = (name: string, version: number) => `${version}@${name}`
  const load = (name: string, version: number): Checkpoint => {
    let found = checkpoints.get(key(name, version))
    if (!found) {
      found = { name, version, cursor: START, state: 'idle', active: false, processed: 0, lastError: undefined }
      checkpoints.set(key(name, version), found)
    }
    return found
  }
  const update = (name: string, version: number, change: Partial<Checkpoint>) => {
    checkpoints.set(key(name, version), { ...load(name, version), ...change })
  }
  return {
    async load(name, version) {
      return load(name, version)
    },
    async commit(name, version, step, work) {
      if (compareCursors(load(name, version).cursor, step.from) !== 0) return 'moved'
      await work(undefined)
      const current = load(name, version)
      if (compareCursors(current.cursor, step.from) !== 0) return 'moved'
      if (step.deadLetter) deadLetters.push({ ...step.deadLetter, failedAt: new Date() })
      update(name, version, { cursor: step.to, processed: current.processed + step.processed })
      return 'committed'
    },
    async setState(name: string, version: number, state: ProjectionState, failure?: ProjectionFailure | null) {
      update(name, version, failure === undefined ? { state } : { state, lastError: failure ?? undefined })
    },
    async reset(name, version, cursor) {
      update(name, version, { cursor })
    },
    async activate(name, version) {
      for (const checkpoint of checkpoints.values()) {
        if (checkpoint.name === name) update(name, checkpoint.version, { active: checkpoint.version === version })
      }
      update(name, version, { active: true })
    },
    async tryLease(name, version): Promise<Lease | undefined> {
      const held = key(name, version)
      if (leases.has(held)) return undefined
      leases.add(held)
      return { release: async () => void leases.delete(held) }
    },
    async list() {
      return [...checkpoints.values()]
    },
    async deadLetters(name) {
      return deadLetters.filter((d) => d.projection === name)
    },
  }
}
