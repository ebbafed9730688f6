import { type Command, isRejection } from '../command.js'
import type { Event } from '../event.js'

/** A failed expectation of a {@link commandSpec}. */
export class SpecificationError extends Error {
  override readonly name = 'SpecificationError'
}

type ByStream<Keys extends string, E> = { readonly [K in Keys]?: readonly E[] }

/**
 * Tests a command as a specification, with no store: given the events already in its streams,
 * when it runs with an input, then it decides these events (or rejects). Works with any test runner.
 *
 * @example
 * commandSpec(transfer)
 *   .given({ from: [opened(100)], to: [opened(0)] })
 *   .when({ from: 'a', to: 'b', amount: 30, transferId: 't1' })
 *   .thenEmits({ from: [withdrawn(30, 't1')], to: [deposited(30, 't1')] })
 */
export function commandSpec<Input, State, E extends Event, Keys extends string, Found extends string>(
  command: Command<Input, State, E, Keys, Found>,
) {
  return {
    given(history: ByStream<Keys | Found, E> = {}) {
      return {
        when(input: Input) {
          const decide = () => {
            let state = command.initialState()
            for (const [stream, events] of Object.entries(history) as Array<[Keys | Found, readonly E[]]>) {
              for (const event of events) state = command.apply(state, event, stream)
            }
            return command.decide(state, input)
          }
          return {
            /** Asserts the decided events, stream by stream (event ids and metadata ignored). */
            thenEmits(expected: ByStream<Keys | Found, E>): void {
              const decision = decide()
              if (isRejection(decision))
                throw new SpecificationError(`expected events, but the command rejected with '${decision.rule}'`)
              const actual = JSON.stringify(normalize(decision as ByStream<string, Event>))
              const wanted = JSON.stringify(normalize(expected as ByStream<string, Event>))
              if (actual !== wanted) throw new SpecificationError(`expected ${wanted}\n but got ${actual}`)
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

function normalize(decision: ByStream<string, Event>) {
  return Object.entries(decision)
    .filter(([, events]) => events && events.length > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([stream, events]) => [stream, (events ?? []).map(({ type, data }) => ({ type, data }))])
}
