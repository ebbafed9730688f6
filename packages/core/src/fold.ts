import type { Command } from './command.js'
import { ValidationError } from './errors.js'
import type { Event, RecordedEvent } from './event.js'
import type { StreamSlice } from './event-store.js'

/** Folds the events of a command's streams into its state, in global order. */
export function fold<Input, State, E extends Event, Keys extends string, Found extends string>(
  command: Command<Input, State, E, Keys, Found>,
  named: ReadonlyMap<Keys | Found, string>,
  slices: ReadonlyMap<string, StreamSlice>,
): State {
  // Each stream is already in order: merge them in global order, (transaction id, position), as
  // readAll delivers it; cheaper than sorting the lot, and a command reads only a few streams.
  const heads: Array<{ key: Keys | Found; events: readonly RecordedEvent[]; at: number }> = []
  const seen = new Set<string>()
  for (const [key, id] of named) {
    if (seen.has(id)) continue
    seen.add(id)
    const events = slices.get(id)?.events ?? []
    if (events.length > 0) heads.push({ key, events, at: 0 })
  }
  let state = command.initialState()
  for (;;) {
    let next: (typeof heads)[number] | undefined
    let first: RecordedEvent | undefined
    for (const head of heads) {
      const candidate = head.events[head.at]
      if (!candidate) continue
      const earlier =
        !first ||
        candidate.transactionId < first.transactionId ||
        (candidate.transactionId === first.transactionId && candidate.globalPosition < first.globalPosition)
      if (earlier) {
        next = head
        first = candidate
      }
    }
    if (!next || !first) return state
    next.at += 1
    state = command.apply(state, first as unknown as E, next.key)
  }
}

/** The error for two stream names that point at one stream, if any. */
export function firstDuplicate(named: ReadonlyMap<string, string>): ValidationError | undefined {
  const seen = new Map<string, string>()
  for (const [key, id] of named) {
    const other = seen.get(id)
    if (other !== undefined)
      return new ValidationError([{ path: key, message: `streams '${other}' and '${key}' both name stream '${id}'` }])
    seen.set(id, key)
  }
  return undefined
}

/** The error for a `discover` that does not settle. */
export function discoveryError(message: string): ValidationError {
  return new ValidationError([{ path: '', message }], 'ERR_EVENTCORE_DISCOVERY_LIMIT')
}
