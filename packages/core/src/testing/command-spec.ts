import { type Command, isRejection } from '../command.js'
import type { Event, EventId, RecordedEvent } from '../event.js'
import { uuidv7 } from '../event-id.js'
import type { StreamSlice } from '../event-store.js'
import { DEFAULT_DISCOVERY_ROUNDS, readAndFold } from '../fold.js'
import { jsonEqual } from '../json-value.js'

/** A failed expectation of a {@link commandSpec}. */
export class SpecificationError extends Error {
  override readonly name = 'SpecificationError'
}

type ByStream<Keys extends string, E> = { readonly [K in Keys]?: readonly E[] }

/**
 * The events already in a command's streams, by stream name: either stream by stream (each
 * stream's events in order, the streams one after another in the order written), or as one list
 * of `[stream, event]` in the order they happened across streams, for commands whose `apply` cares.
 */
export type SpecHistory<Keys extends string, E> = ByStream<Keys, E> | ReadonlyArray<readonly [Keys, E]>

/**
 * Tests a command as a specification, with no store: given the events already in its streams,
 * when it runs with an input, then it decides these events (or rejects). The history is folded
 * exactly as the executor folds a store's streams (the same code: global order, `discover`, the
 * same refusals), and events are compared as JSON values, key order aside. Works with any test
 * runner.
 *
 * @example
 * commandSpec(transfer)
 *   .given({ from: [opened(100)], to: [opened(0)] })
 *   .when({ from: 'a', to: 'b', amount: 30, transferId: 't1' })
 *   .thenEmits({ from: [withdrawn(30, 't1')], to: [deposited(30, 't1')] })
 *
 * // When the order across streams matters, give the history as it happened:
 * commandSpec(transfer).given([['from', opened(100)], ['to', opened(0)], ['from', withdrawn(30, 't0')]])
 */
export function commandSpec<Input, State, E extends Event, Keys extends string, Found extends string>(
  command: Command<Input, State, E, Keys, Found>,
) {
  return {
    given(history: SpecHistory<Keys | Found, E> = {}) {
      const byName = recordHistory(history)
      return {
        when(input: Input) {
          const decide = () => {
            const reading = readAndFold(command, input, DEFAULT_DISCOVERY_ROUNDS)
            let step = reading.next()
            while (!step.done) {
              const slices = new Map<string, StreamSlice>()
              for (const { name, streamId } of step.value) {
                const events = (byName.get(name) ?? []).map((event) => ({ ...event, streamId }))
                slices.set(streamId, { streamId, version: events.length, events })
              }
              step = reading.next(slices)
            }
            if (!step.value.ok)
              throw new SpecificationError(
                `the executor refuses the command: ${step.value.error.code}: ${step.value.error.message}`,
              )
            return command.decide(step.value.state, input)
          }
          return {
            /** Asserts the decided events, stream by stream (event ids and metadata ignored). */
            thenEmits(expected: ByStream<Keys | Found, E>): void {
              const decision = decide()
              if (isRejection(decision))
                throw new SpecificationError(`expected events, but the command rejected with '${decision.rule}'`)
              const actual = normalize(decision as ByStream<string, Event>)
              const wanted = normalize(expected as ByStream<string, Event>)
              if (!jsonEqual(actual, wanted))
                throw new SpecificationError(`expected ${JSON.stringify(wanted)}\n but got ${JSON.stringify(actual)}`)
            },
            /** Asserts that the command rejects with this rule. */
            thenRejects(rule: string): void {
              const decision = decide()
              if (!isRejection(decision))
                throw new SpecificationError(`expected rejection '${rule}', but the command decided events`)
              if (decision.rule !== rule)
                throw new SpecificationError(`expected rejection '${rule}', got '${decision.rule}'`)
            },
            /** Asserts that the command decides nothing and does not reject. */
            thenNothingHappens(): void {
              const decision = decide()
              if (isRejection(decision))
                throw new SpecificationError(`expected nothing, but the command rejected with '${decision.rule}'`)
              const written = Object.values(decision as ByStream<string, Event>).flatMap((events) => events ?? [])
              if (written.length > 0) throw new SpecificationError(`expected nothing, got ${JSON.stringify(written)}`)
            },
          }
        },
      }
    },
  }
}

/**
 * The history as a store would record it, by stream name: each event its own transaction, in the
 * order given, so the fold merges the streams back into that order. Stream ids are filled in when
 * the fold names them.
 */
function recordHistory<K extends string, E extends Event>(history: SpecHistory<K, E>): Map<K, RecordedEvent[]> {
  const ordered: ReadonlyArray<readonly [K, E]> = Array.isArray(history)
    ? history
    : (Object.entries(history) as Array<[K, readonly E[] | undefined]>).flatMap(([name, events]) =>
        (events ?? []).map((event) => [name, event] as const),
      )
  const byName = new Map<K, RecordedEvent[]>()
  ordered.forEach(([name, event], i) => {
    const stream = byName.get(name) ?? []
    byName.set(name, stream)
    stream.push({
      eventId: (event.eventId ?? uuidv7()) as EventId,
      streamId: '',
      streamVersion: stream.length + 1,
      globalPosition: i + 1,
      transactionId: i + 1,
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: event.data,
      metadata: event.metadata ?? {},
      recordedAt: new Date(0),
    })
  })
  return byName
}

function normalize(decision: ByStream<string, Event>) {
  return Object.entries(decision)
    .filter(([, events]) => events && events.length > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([stream, events]) => [stream, (events ?? []).map(({ type, data }) => ({ type, data }))])
}
