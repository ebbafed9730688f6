import type { EventStore } from './event-store.js'
import type { Checkpoint, ProjectionStore } from './projection.js'

/** A checkpoint with how far behind the log it is. */
export interface ProjectionStatus extends Checkpoint {
  /** Events after the checkpoint, counted up to `cap`. */
  readonly eventsBehind: number
  /** True when there are at least `cap` events behind (the count stopped there). */
  readonly eventsBehindCapped: boolean
  /** Age of the oldest event not yet processed; 0 when caught up. */
  readonly secondsBehind: number
}

/**
 * The status of every projection version: checkpoint, state, last error, and lag. For the
 * service's readiness check, the CLI, and `eventcore_projection_lag_seconds`.
 *
 * @example
 * for (const s of await projectionStatus(store, projections)) console.log(s.name, s.state, s.secondsBehind)
 */
export async function projectionStatus(
  store: EventStore,
  projections: ProjectionStore<unknown>,
  { cap = 1000, clock = () => new Date() }: { cap?: number; clock?: () => Date } = {},
): Promise<ProjectionStatus[]> {
  const checkpoints = await projections.list()
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
