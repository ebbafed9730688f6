import type { Event } from './event.js'

const rejected: unique symbol = Symbol('eventcore.rejected')

/** A `decide` that refuses: the executor turns it into a `BusinessRuleError`, never retried. */
export interface Rejection {
  readonly [rejected]: true
  readonly rule: string
  readonly message: string | undefined
  readonly details: Readonly<Record<string, unknown>> | undefined
}

/**
 * What `decide` returns: events keyed by the stream names the command declared, or a rejection.
 * An empty object means "nothing to do".
 */
export type Decision<Keys extends string, E extends Event> = { readonly [K in Keys]?: readonly E[] } | Rejection

/**
 * A command over several streams, as a decider: the streams it reads come from its input, their
 * events fold into state, and `decide` returns new events for those streams only.
 *
 * - `Keys` name the streams known from the input (`streams`).
 * - `Found` name streams found from state (`discover`), e.g. "the account this order names".
 */
export interface Command<Input, State, E extends Event, Keys extends string, Found extends string = never> {
  /** Shown in metadata, metrics and errors. */
  readonly name: string
  /** The streams to read, by name. Every one is checked at append time, even if not written. */
  readonly streams: (input: Input) => { readonly [K in Keys]: string }
  /**
   * More streams to read, found from the state folded so far. The executor reads them, folds again
   * from scratch and asks again, until nothing new is found (bounded by `maxDiscoveryRounds`).
   */
  readonly discover?: (state: State, input: Input) => { readonly [K in Found]?: string }
  readonly initialState: () => State
  /**
   * Folds one event into state. Events of all streams arrive in global order; `stream` says
   * which declared stream the event came from.
   */
  readonly apply: (state: State, event: E, stream: Keys | Found) => State
  /** Pure: time and ids come in through `input`. */
  readonly decide: (state: State, input: Input) => Decision<NoInfer<Keys | Found>, NoInfer<E>>
}

/**
 * Defines a command. The identity function, there for type inference: writing to a stream name
 * that `streams` or `discover` did not declare fails to compile.
 *
 * @example
 * const deposit = defineCommand({
 *   name: 'deposit',
 *   streams: (input: { account: string; amount: number }) => ({ account: `account-${input.account}` }),
 *   initialState: () => ({ open: false }),
 *   apply: (state, event: AccountEvent) => (event.type === 'AccountOpened' ? { open: true } : state),
 *   decide: (state, input) =>
 *     state.open ? { account: [event('Deposited', { amount: input.amount })] } : reject('account-not-open'),
 * })
 */
export function defineCommand<Input, State, E extends Event, Keys extends string, Found extends string = never>(
  command: Command<Input, State, E, Keys, Found>,
): Command<Input, State, E, Keys, Found> {
  return command
}

/**
 * Refuses a command for a business reason.
 *
 * @example
 * if (state.emailTaken) return reject('email-taken', `${input.email} is already registered`)
 */
export function reject(rule: string, message?: string, details?: Readonly<Record<string, unknown>>): Rejection {
  return { [rejected]: true, rule, message, details }
}

/** True when a decision is a {@link Rejection}. */
export function isRejection(decision: object): decision is Rejection {
  return rejected in decision
}
