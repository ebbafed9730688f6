import type { Command } from './command.js'
import { ValidationError } from './errors.js'
import { compareCursors, cursorOf, type Event, type RecordedEvent } from './event.js'
import type { StreamSlice } from './event-store.js'

/** How many rounds of `discover` may add streams, unless the executor is told otherwise. */
export const DEFAULT_DISCOVERY_ROUNDS = 4

/** A stream the fold needs read: the name the command gave it, and its id. */
export interface StreamToRead<K extends string> {
  readonly name: K
  readonly streamId: string
}

/** Where reading a command's streams settled: its state and which stream each name is, or why not. */
export type Folded<State, K extends string> =
  | {
      readonly ok: true
      readonly state: State
      readonly named: ReadonlyMap<K, string>
      readonly slices: ReadonlyMap<string, StreamSlice>
    }
  | { readonly ok: false; readonly error: ValidationError }

/**
 * Reads and folds a command's streams as the executor does: the names `streams(input)` gives,
 * folded in global order, then rounds of `discover` (each folding again from scratch) until no new
 * stream is found, at most `maxDiscoveryRounds`. A generator: it yields the streams it needs read
 * and takes their slices back, so the executor reads a store and a specification (`commandSpec`)
 * reads its given history, through this one fold.
 */
export function* readAndFold<Input, State, E extends Event, Keys extends string, Found extends string>(
  command: Command<Input, State, E, Keys, Found>,
  input: Input,
  maxDiscoveryRounds: number,
): Generator<ReadonlyArray<StreamToRead<Keys | Found>>, Folded<State, Keys | Found>, ReadonlyMap<string, StreamSlice>> {
  const named = new Map<Keys | Found, string>(Object.entries(command.streams(input)) as Array<[Keys, string]>)
  const duplicate = firstDuplicate(named)
  if (duplicate) return { ok: false, error: duplicate }
  const slices = new Map<string, StreamSlice>()
  let state = command.initialState()
  for (let rounds = 0; ; ) {
    const unread: Array<StreamToRead<Keys | Found>> = []
    for (const [name, streamId] of named) if (!slices.has(streamId)) unread.push({ name, streamId })
    if (unread.length > 0) for (const [id, slice] of yield unread) slices.set(id, slice)
    state = fold(command, named, slices)
    if (!command.discover) break
    let found = false
    for (const [key, id] of Object.entries(command.discover(state, input)) as Array<[Found, string | undefined]>) {
      if (id === undefined || named.get(key) === id) continue
      if (named.has(key))
        return { ok: false, error: discoveryError(`stream '${key}' named '${named.get(key)}', then '${id}'`) }
      named.set(key, id)
      found = true
    }
    const again = firstDuplicate(named)
    if (again) return { ok: false, error: again }
    if (!found) break
    rounds += 1
    if (rounds > maxDiscoveryRounds)
      return { ok: false, error: discoveryError(`discover still found new streams after ${maxDiscoveryRounds} rounds`) }
  }
  return { ok: true, state, named, slices }
}

/** Folds the events of a command's streams into its state, in global order. */
function fold<Input, State, E extends Event, Keys extends string, Found extends string>(
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
      if (!first || compareCursors(cursorOf(candidate), cursorOf(first)) < 0) {
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
function firstDuplicate(named: ReadonlyMap<string, string>): ValidationError | undefined {
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
function discoveryError(message: string): ValidationError {
  return new ValidationError([{ path: '', message }], 'ERR_EVENTCORE_DISCOVERY_LIMIT')
}
