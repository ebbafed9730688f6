import type {
  CommandOutcome,
  EventCoreErrorKind,
  ExecutorObserver,
  ProjectionObserver,
  ProjectionState,
} from '@eventcore/core'
import type { Registry } from 'prom-client'
import { familiesOn } from './families.js'

// A record rather than an array so that a new error kind in core fails to compile here.
const KINDS: { readonly [K in EventCoreErrorKind]: true } = {
  validation: true,
  'business-rule': true,
  concurrency: true,
  timeout: true,
  'store-unavailable': true,
}
const ERROR_KINDS: readonly (EventCoreErrorKind | 'exception')[] = [
  ...(Object.keys(KINDS) as EventCoreErrorKind[]),
  'exception',
]
const OUTCOMES: readonly CommandOutcome['outcome'][] = ['success', ...ERROR_KINDS]
const RETRY_REASONS = ['concurrency', 'store-unavailable'] as const
// A record so that a new projection state in core fails to compile here (and gets its series).
const PROJECTION_STATES: { readonly [S in ProjectionState]: true } = {
  idle: true,
  running: true,
  standby: true,
  waiting: true,
  stopped: true,
  failed: true,
  rebuilding: true,
  retired: true,
}
const STATES = Object.keys(PROJECTION_STATES) as ProjectionState[]

/** Command durations from 1 ms to the executor's default 5 s timeout. */
export const COMMAND_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/** The `# HELP` line of each command and projection metric. */
const HELP = {
  eventcore_commands_total: 'Commands executed, by outcome (success or the error kind)',
  eventcore_command_duration_seconds: 'Time to execute a command, retries included',
  eventcore_command_errors_total:
    'Commands that did not succeed, by EventCore error kind (or exception when the command threw)',
  eventcore_command_retries_total: 'Command attempts retried, by reason',
  eventcore_events_written_total: 'Events appended by commands',
  eventcore_projection_lag_seconds: 'Age of the newest event a projection applied; 0 when caught up',
  eventcore_projection_events_processed_total: 'Events a projection applied (rebuilds included)',
  eventcore_projection_state:
    "Runners (versions) of a projection in this process in each state: 1 for a lone runner's state, 0 for the others",
  eventcore_projection_dead_letters_total: 'Events a projection parked as dead letters (missing from its read model)',
}

/** The observers that feed the command and projection metrics, and how to declare names ahead. */
export interface ObserverMetrics {
  readonly executor: ExecutorObserver
  readonly projection: ProjectionObserver
  /** Starts every series of a command at 0, so it exists before the command first runs. */
  declareCommand(command: string): void
  declareProjection(projection: string): void
}

/** Registers the `eventcore_command*`, `eventcore_events_written_total` and `eventcore_projection_*` metrics. */
export function createObserverMetrics(registry: Registry): ObserverMetrics {
  const { counter, gauge, histogram } = familiesOn(registry, HELP)
  const commands = counter('eventcore_commands_total', ['command', 'outcome'])
  const duration = histogram('eventcore_command_duration_seconds', ['command'], COMMAND_BUCKETS)
  const errors = counter('eventcore_command_errors_total', ['command', 'kind'])
  const retries = counter('eventcore_command_retries_total', ['command', 'reason'])
  const written = counter('eventcore_events_written_total', ['command'])
  const lag = gauge('eventcore_projection_lag_seconds', ['projection'])
  const processed = counter('eventcore_projection_events_processed_total', ['projection'])
  const states = gauge('eventcore_projection_state', ['projection', 'state'])
  const deadLetters = counter('eventcore_projection_dead_letters_total', ['projection'])

  const knownCommands = new Set<string>()
  const knownProjections = new Set<string>()
  // A rebuild replays old events: its lag says nothing about how stale the served read model is.
  const rebuilding = new Set<string>()
  // The last state of each version's runner: two versions run side by side during a rebuild.
  const versionStates = new Map<string, Map<number, ProjectionState>>()

  const declareCommand = (command: string) => {
    if (knownCommands.has(command)) return
    knownCommands.add(command)
    for (const outcome of OUTCOMES) commands.inc({ command, outcome }, 0)
    for (const kind of ERROR_KINDS) errors.inc({ command, kind }, 0)
    for (const reason of RETRY_REASONS) retries.inc({ command, reason }, 0)
    written.inc({ command }, 0)
    duration.zero({ command })
  }
  const declareProjection = (projection: string) => {
    if (knownProjections.has(projection)) return
    knownProjections.add(projection)
    lag.set({ projection }, 0)
    processed.inc({ projection }, 0)
    for (const state of STATES) states.set({ projection, state }, 0)
    deadLetters.inc({ projection }, 0)
  }
  const recordState = (projection: string, version: number, state: ProjectionState) => {
    declareProjection(projection)
    const versions = versionStates.get(projection) ?? new Map<number, ProjectionState>()
    versionStates.set(projection, versions.set(version, state))
    const counts = [...versions.values()]
    for (const each of STATES) states.set({ projection, state: each }, counts.filter((s) => s === each).length)
  }

  return {
    declareCommand,
    declareProjection,
    executor: {
      onOutcome({ command, outcome, durationMs, eventsWritten }) {
        declareCommand(command)
        commands.inc({ command, outcome })
        duration.observe({ command }, durationMs / 1000)
        if (outcome !== 'success') errors.inc({ command, kind: outcome })
        if (eventsWritten > 0) written.inc({ command }, eventsWritten)
      },
      onRetry({ command, reason }) {
        declareCommand(command)
        retries.inc({ command, reason })
      },
    },
    projection: {
      onBatch({ projection, version, events, lagSeconds }) {
        declareProjection(projection)
        if (events > 0) processed.inc({ projection }, events)
        if (!rebuilding.has(`${projection}@${version}`)) lag.set({ projection }, lagSeconds)
      },
      onState({ projection, version, state }) {
        if (state === 'rebuilding') rebuilding.add(`${projection}@${version}`)
        else rebuilding.delete(`${projection}@${version}`)
        recordState(projection, version, state)
      },
      onDeadLetter({ projection }) {
        declareProjection(projection)
        deadLetters.inc({ projection })
      },
    },
  }
}
