import type { RecordedEvent } from './event.js'

/**
 * Turns the data of one event type from one schema version into the next. Old events stay as they
 * were written; every read (commands, subscriptions, projections) sees them in the current shape.
 *
 * @example
 * const splitName: Upcaster = {
 *   type: 'UserRegistered',
 *   fromVersion: 1,
 *   upcast: (data) => {
 *     const { name, ...rest } = data as { name: string }
 *     const [first = '', ...last] = name.split(' ')
 *     return { ...rest, firstName: first, lastName: last.join(' ') }
 *   },
 * }
 */
export interface Upcaster {
  readonly type: string
  /** The schema version this upcaster reads; it produces `fromVersion + 1`. */
  readonly fromVersion: number
  readonly upcast: (data: unknown, event: RecordedEvent) => unknown
}

/**
 * Combines upcasters into one function that brings an event up to the newest version its type has
 * upcasters for, one step at a time. Throws at construction for two upcasters of the same step.
 */
export function createUpcaster(upcasters: readonly Upcaster[]): (event: RecordedEvent) => RecordedEvent {
  if (upcasters.length === 0) return (event) => event
  const steps = new Map<string, Upcaster>()
  for (const upcaster of upcasters) {
    const key = `${upcaster.fromVersion}:${upcaster.type}`
    if (steps.has(key)) throw new Error(`two upcasters for ${upcaster.type} version ${upcaster.fromVersion}`)
    steps.set(key, upcaster)
  }
  return (event) => {
    let current = event
    for (;;) {
      const step = steps.get(`${current.schemaVersion}:${current.type}`)
      if (!step) return current
      current = { ...current, data: step.upcast(current.data, current), schemaVersion: current.schemaVersion + 1 }
    }
  }
}
