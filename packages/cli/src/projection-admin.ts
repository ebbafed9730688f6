import {
  type Checkpoint,
  type DeadLetter,
  type GlobalCursor,
  type ProjectionStatus,
  projectionStatus,
  START,
} from '@eventcore/core'
import {
  type CheckpointMove,
  createSqlProjectionStore,
  cursorAtPosition,
  type DeadLetterRetry,
  dropDeadLetters,
  moveProjectionCheckpoint,
  retryDeadLetters,
  type SqlEventStore,
} from '@eventcore/postgres'
import { usage } from './shell.js'

/** One projection version as `projections status` reports it: its status and its parked events. */
export interface ProjectionReport extends ProjectionStatus {
  readonly deadLetters: number
}

/** A projection version an operator acts on. */
export interface ProjectionTarget {
  readonly name: string
  readonly version: number
}

/** Where a reset moves a checkpoint: the start, or after the event at a global position. */
export type ResetTarget = { readonly kind: 'start' } | { readonly kind: 'position'; readonly position: number }

/** A checked reset (or rebuild): what it will do, before it is done. */
export interface ResetPlan {
  readonly checkpoint: Checkpoint
  readonly to: GlobalCursor
  readonly target: ResetTarget
  /** A rebuild counts its processed events afresh. */
  readonly rebuild: boolean
}

/** Events behind are counted up to this many (`1000+`). */
export const BEHIND_CAP = 1000

/**
 * Every projection version of the schema with its lag (events behind, capped at
 * {@link BEHIND_CAP}; seconds behind) and the number of its dead letters.
 *
 * @example
 * const reports = await projectionReports(store, { now: () => new Date() })
 */
export async function projectionReports(
  store: SqlEventStore,
  { now }: { now: () => Date },
): Promise<ProjectionReport[]> {
  const projections = createSqlProjectionStore(store)
  const statuses = await projectionStatus(store, projections, { cap: BEHIND_CAP, clock: now })
  const parked = new Map<string, DeadLetter[]>()
  for (const name of new Set(statuses.map((s) => s.name))) parked.set(name, await projections.deadLetters(name))
  return statuses.map((status) => ({
    ...status,
    deadLetters: (parked.get(status.name) ?? []).filter((d) => d.version === status.version).length,
  }))
}

/**
 * The checkpoint an operator means: `name` at `version`, or else its active version, or else its
 * highest. An unknown name or version is a usage error (exit 2) naming the known ones.
 *
 * @example
 * const users = findProjection(await createSqlProjectionStore(store).list(), 'users')
 */
export function findProjection(checkpoints: readonly Checkpoint[], name: string, version?: number): Checkpoint {
  const versions = checkpoints.filter((c) => c.name === name)
  if (versions.length === 0) {
    const known = [...new Set(checkpoints.map((c) => c.name))]
    throw usage(
      known.length === 0
        ? `unknown projection '${name}': this schema has no projections yet (a service creates them when it starts)`
        : `unknown projection '${name}'; known: ${known.join(', ')}`,
    )
  }
  if (version !== undefined) {
    const found = versions.find((c) => c.version === version)
    if (!found)
      throw usage(`projection '${name}' has no version ${version}; known: ${versions.map((c) => c.version).join(', ')}`)
    return found
  }
  return versions.find((c) => c.active) ?? versions.reduce((a, b) => (b.version > a.version ? b : a))
}

/**
 * Checks a reset and works out where it moves the checkpoint: the start, or after the event at a
 * global position (which must exist: positions of rolled-back appends are never used).
 */
export async function planReset(
  store: SqlEventStore,
  checkpoint: Checkpoint,
  target: ResetTarget,
  { rebuild }: { rebuild: boolean },
): Promise<ResetPlan> {
  if (target.kind === 'start') return { checkpoint, to: START, target, rebuild }
  const to = await cursorAtPosition(store, target.position)
  if (!to) throw usage(`no event at global position ${target.position} (--to-position)`)
  return { checkpoint, to, target, rebuild }
}

/** Does what {@link planReset} planned; `undefined` when the checkpoint vanished meanwhile. */
export function applyReset(store: SqlEventStore, plan: ResetPlan): Promise<CheckpointMove | undefined> {
  const { name, version } = plan.checkpoint
  return moveProjectionCheckpoint(store, { name, version, to: plan.to, resetProcessed: plan.rebuild })
}

/** Where a cursor is, as people say it. */
export const positionText = (cursor: GlobalCursor): string =>
  cursor.position === 0 && cursor.transactionId === 0 ? 'the start' : `position ${cursor.position}`

/** What a reset does, in words, for the dry run and the report. */
export function describeReset(plan: ResetPlan): string {
  const { name, version, cursor, state } = plan.checkpoint
  const where =
    plan.target.kind === 'start' ? 'the start' : `position ${plan.target.position} (it resumes after that event)`
  const failed = state === 'failed' ? '; its failed state is cleared (to idle)' : ''
  const counted = plan.rebuild ? '; its processed count starts again from 0' : ''
  return `${name}@${version} (${state}) moves from ${positionText(cursor)} to ${where}${failed}${counted}`
}

/** What an operator is told about the read model after moving a checkpoint back. */
export const REPLAY_NOTE =
  "The read model is not cleared: the runner applies the events after the new checkpoint again, so its handler must be idempotent (the users service's is: an upsert that only moves a row forward in stream version). A running runner follows at its next batch (after the next append, if it had caught up); one that failed resumes when its service restarts."

/** The dead letters of one projection version, in the order they were parked. */
export async function deadLettersOf(store: SqlEventStore, target: ProjectionTarget): Promise<DeadLetter[]> {
  return (await createSqlProjectionStore(store).deadLetters(target.name)).filter((d) => d.version === target.version)
}

/** Refuses (exit 2) an `--event` that has no dead letter here. */
export function requireParked(parked: readonly DeadLetter[], target: ProjectionTarget, eventId?: string): void {
  if (eventId !== undefined && !parked.some((d) => d.eventId === eventId))
    throw usage(`no dead letter for event ${eventId} in ${target.name}@${target.version}`)
}

/** Retries parked events: see `retryDeadLetters` of `@eventcore/postgres`. */
export function retryParked(
  store: SqlEventStore,
  target: ProjectionTarget,
  eventId?: string,
): Promise<DeadLetterRetry> {
  return retryDeadLetters(store, { ...target, ...(eventId === undefined ? {} : { eventId }) })
}

/** Discards parked events: see `dropDeadLetters` of `@eventcore/postgres`. */
export function dropParked(store: SqlEventStore, target: ProjectionTarget, eventId?: string): Promise<DeadLetter[]> {
  return dropDeadLetters(store, { ...target, ...(eventId === undefined ? {} : { eventId }) })
}
