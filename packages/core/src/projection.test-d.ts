// Type tests: compiled by `tsc -b` (npm test runs it first). A @ts-expect-error that stops being an
// error fails the build, so each promise below is checked.
import { type Event, event, type RecordedEvent } from './event.js'
import type { EventStore } from './event-store.js'
import type { ProjectionStore } from './projection.js'
import { defineProjection, handles, type Projection } from './projection.js'
import { runProjection } from './projection-runner.js'

type Opened = Event<'Opened', { readonly owner: string }>
type Credited = Event<'Credited', { readonly amount: number }>
type Closed = Event<'Closed', { readonly reason: string }>
type AccountEvent = Opened | Credited | Closed

interface Tx {
  readonly run: (sql: string, values: readonly unknown[]) => Promise<void>
}

/** `eventTypes` narrows the handler's event: its data is typed, with no cast. */
export const balances = defineProjection<Tx, AccountEvent>()({
  name: 'balances',
  version: 1,
  eventTypes: ['Opened', 'Credited'],
  handle: async (e, { tx }) => {
    switch (e.type) {
      case 'Opened':
        return tx.run('insert', [e.streamId, e.data.owner])
      case 'Credited':
        return tx.run('update', [e.streamId, e.data.amount])
      // @ts-expect-error 'Closed' is not among eventTypes, so the handler never sees it
      case 'Closed':
        return
    }
  },
})

/** The same for a batch handler. */
export const credits = defineProjection<Tx, AccountEvent>()({
  name: 'credits',
  version: 1,
  eventTypes: ['Credited'],
  handleBatch: async (events, { tx }) => {
    const total: number = events.reduce((sum, e) => sum + e.data.amount, 0)
    await tx.run('update', [total])
  },
})

export const unknownType = defineProjection<Tx, AccountEvent>()({
  name: 'unknown-type',
  version: 1,
  // @ts-expect-error 'Debited' is not one of the events of AccountEvent
  eventTypes: ['Debited'],
  handle: () => {},
})

export const typedNeedsTypes = defineProjection<Tx, AccountEvent>()(
  // @ts-expect-error a typed projection lists its eventTypes: they are what makes the type true
  {
    name: 'no-types',
    version: 1,
    handle: () => {},
  },
)

export const wrongData = defineProjection<Tx, AccountEvent>()({
  name: 'wrong-data',
  version: 1,
  eventTypes: ['Opened'],
  handle: (e) => {
    // @ts-expect-error an Opened event has no amount
    void e.data.amount
  },
})

/** Untyped projections compile as before: every event, data unknown. */
export const untyped = defineProjection<Tx>({
  name: 'untyped',
  version: 1,
  eventTypes: ['Opened'],
  handle: (e: RecordedEvent) => {
    // @ts-expect-error the data of an untyped event is unknown
    void e.data.owner
  },
})

/** Without an event union, `eventTypes` still narrows `type`. */
export const typesOnly = defineProjection<Tx>()({
  name: 'types-only',
  version: 1,
  eventTypes: ['Opened'],
  handle: (e) => {
    const type: 'Opened' = e.type
    void type
  },
})

/** A typed projection runs like any other, and `handles` narrows to its events. */
export function run(store: EventStore, projections: ProjectionStore<Tx>, projection: Projection<Tx, Credited>) {
  const recorded = { ...event('Credited', { amount: 1 }) } as unknown as RecordedEvent
  if (handles(projection, recorded)) {
    const amount: number = recorded.data.amount
    void amount
  }
  return [
    runProjection({ store, projections, projection }),
    runProjection({ store, projections, projection: balances }),
  ]
}
