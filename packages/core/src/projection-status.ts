import type { EventStore } from './event-store.js'
import type { Checkpoint, ProjectionRunner, ProjectionStore } from './projection.js'

/** A checkpoint with how far behind the log it is. */
export interface ProjectionStatus extends Checkpoint {
  /** Events after the checkpoint, counted up to `cap`. */
  readonly eventsBehind: number
  /** True when there are at least `cap` events behind (the count stopped there). */
  readonly eventsBehindCapped: boolean
  /** Age of the oldest event not yet processed; 0 when caught up. */
  readonly secondsBehind: number
}

/** Options of {@link projectionStatus}. */
export interface ProjectionStatusOptions {
  /** Count events behind up to this many. @default 1000 */
  readonly cap?: number
  /** @default () => new Date() */
  readonly clock?: () => Date
  /**
   * This process's runners: a runner that is `waiting` (it lost the store and backs off) or on
   * `standby` shows that state instead of the stored one, which the store could not be told.
   * @default []
   */
  readonly runners?: readonly Pick<ProjectionRunner, 'name' | 'version' | 'state'>[]
}

/**
 * The status of every projection version: checkpoint, state, last error, and lag. For the
 * service's readiness check, the CLI, and `eventcore_projection_lag_seconds`.
 *
 * @example
 * for (const s of await projectionStatus(store, projections, { runners: [runner] })) console.log(s.name, s.state, s.secondsBehind)
 */
export async function projectionStatus(
  store: EventStore,
  projections: ProjectionStore<unknown>,
  { cap = 1000, clock = () => new Date(), runners = [] }: ProjectionStatusOptions = {},
): Promise<ProjectionStatus[]> {
  const checkpoints = (await projections.list()).map((checkpoint) => {
    const local = runners.find((r) => r.name === checkpoint.name && r.version === checkpoint.version)?.state()
    return local === 'waiting' || local === 'standby' ? { ...checkpoint, state: local } : checkpoint
  })
  return Promise.all(
    checkpoints.map(async (checkpoint) => {
      const behind = await store.readAll({ after: checkpoint.cursor, limit: cap })
      const oldest = behind.events[0]
      return {
        ...checkpoint,
        eventsBehind: behind.events.length,
        eventsBehindCapped: behind.events.length >= cap,
        secondsBehind: oldest ? Math.max(0, (clock().getTime() - oldest.recordedAt.getTime()) / 1000) : 0,
      }
    }),
  )
}
