import { expect, it } from 'vitest'
import type { RecordedEvent } from '../event.js'
import type { EventStore } from '../event-store.js'
import type { ProjectionContext, ProjectionRunner, ProjectionStore } from '../projection.js'
import { runProjection } from '../projection-runner.js'
import { projectionStatus } from '../projection-status.js'

/** A read model for the projection proofs: sums `amount` per stream, per projection version. */
export interface TestReadModel<Tx> {
  readonly handle: (event: RecordedEvent, context: ProjectionContext<Tx>) => Promise<void>
  /** Stream id → total, for one version. */
  readonly totals: (version: number) => Promise<Map<string, number>>
}

/** What each projection proof opens: a store with an empty log, its projection store and a model. */
export interface ProjectionFixture<Tx> {
  readonly store: EventStore
  readonly projections: ProjectionStore<Tx>
  readonly model: TestReadModel<Tx>
}

const deposit = (amount: number) => ({ type: 'Deposited', data: { amount } })

async function appendDeposits(store: EventStore, count: number, offset = 0): Promise<void> {
  for (let i = 0; i < count; i++) {
    const result = await store.append([{ streamId: `acct-${(offset + i) % 7}`, events: [deposit(offset + i + 1)] }])
    if (!result.ok) throw result.error
  }
}

/** The totals a projection of the whole log must reach, computed from the log itself. */
async function expectedTotals(store: EventStore): Promise<Map<string, number>> {
  const totals = new Map<string, number>()
  let page = await store.readAll({ limit: 1000 })
  while (page.events.length > 0) {
    for (const e of page.events)
      if (e.type === 'Deposited')
        totals.set(e.streamId, (totals.get(e.streamId) ?? 0) + (e.data as { amount: number }).amount)
    page = await store.readAll({ after: page.cursor, limit: 1000 })
  }
  return totals
}

async function until(condition: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const fast = { minPollMs: 5, maxPollMs: 50, standbyRetryMs: 50 }

/**
 * Proofs every projection store must pass with the runner: exactly-once application (at least once
 * for stores without transactions, which the model must absorb), restarts, one runner per
 * projection, poison events, rebuilds.
 */
export function describeProjectionContract<Tx>(name: string, open: () => Promise<ProjectionFixture<Tx>>): void {
  it(`${name}: applies every event once, in batches, and reports no lag when caught up`, async () => {
    const { store, projections, model } = await open()
    await appendDeposits(store, 45)
    const lags: number[] = []
    const runner = runProjection({
      store,
      projections,
      projection: { name: 'totals', version: 1, eventTypes: ['Deposited'], handle: model.handle },
      batchSize: 10,
      observer: { onBatch: (b) => lags.push(b.lagSeconds) },
      ...fast,
    })
    await until(async () => (await projections.load('totals', 1)).processed >= 45)
    await appendDeposits(store, 5, 45) // live, after catching up
    await until(async () => (await projections.load('totals', 1)).processed >= 50)
    const [status] = await projectionStatus(store, projections)
    await runner.stop()
    expect(await model.totals(1)).toEqual(await expectedTotals(store))
    expect(status).toMatchObject({ name: 'totals', active: true, eventsBehind: 0, secondsBehind: 0 })
    expect(lags.at(-1)).toBe(0)
    expect((await projections.load('totals', 1)).state).toBe('stopped')
  }, 60_000)

  it(`${name}: resumes after a stop and after a crash inside a batch, ending equal to a fresh build`, async () => {
    const { store, projections, model } = await open()
    await appendDeposits(store, 60)
    const victim = (await store.readAll({ limit: 100 })).events[22]
    let crashing = true
    const handle = async (event: RecordedEvent, context: ProjectionContext<Tx>) => {
      // Dies on the 23rd event, mid-batch: the batch in hand rolls back.
      if (crashing && event.eventId === victim?.eventId) throw new Error('process killed')
      await model.handle(event, context)
    }
    const projection = {
      name: 'resumed',
      version: 1,
      handle,
      failure: { maxAttempts: 1, onExhausted: 'stop' as const },
    }
    let runner: ProjectionRunner = runProjection({ store, projections, projection, batchSize: 10, ...fast })
    const crashed = await runner.done
    expect(crashed).toMatchObject({ state: 'failed', processed: 22 })
    crashing = false
    runner = runProjection({ store, projections, projection, batchSize: 10, ...fast })
    await until(async () => (await projections.load('resumed', 1)).processed >= 40)
    await runner.stop() // between batches
    runner = runProjection({ store, projections, projection, batchSize: 10, ...fast })
    await until(async () => (await projections.load('resumed', 1)).processed >= 60)
    await runner.stop()
    expect(await model.totals(1)).toEqual(await expectedTotals(store))
  }, 60_000)

  it(`${name}: lets one runner per projection apply; the standby takes over when it stops`, async () => {
    const { store, projections, model } = await open()
    await appendDeposits(store, 20)
    const appliedBy: string[] = []
    const projectionFor = (who: string) => ({
      name: 'single',
      version: 1,
      handle: async (event: RecordedEvent, context: ProjectionContext<Tx>) => {
        appliedBy.push(who)
        await model.handle(event, context)
      },
    })
    const first = runProjection({ store, projections, projection: projectionFor('first'), batchSize: 5, ...fast })
    await until(async () => (await projections.load('single', 1)).processed >= 20)
    let secondState = ''
    const second = runProjection({
      store,
      projections,
      projection: projectionFor('second'),
      batchSize: 5,
      observer: { onState: (change) => (secondState = change.state) },
      ...fast,
    })
    await until(() => secondState === 'standby')
    await appendDeposits(store, 5, 20)
    await until(async () => (await projections.load('single', 1)).processed >= 25)
    expect(new Set(appliedBy)).toEqual(new Set(['first']))
    const stoppedAt = Date.now()
    await first.stop()
    await appendDeposits(store, 5, 25)
    await until(async () => (await projections.load('single', 1)).processed === 30, 5000)
    expect(Date.now() - stoppedAt).toBeLessThan(5000)
    await second.stop()
    expect(appliedBy.filter((w) => w === 'second')).toHaveLength(5)
    expect(await model.totals(1)).toEqual(await expectedTotals(store))
  }, 60_000)

  it(`${name}: stops on a poison event with its id and error, or parks it and goes on`, async () => {
    const { store, projections, model } = await open()
    await appendDeposits(store, 10)
    const poison = (await store.readAll({ limit: 10 })).events[4]
    const handle = async (event: RecordedEvent, context: ProjectionContext<Tx>) => {
      if (event.eventId === poison?.eventId) throw new Error('cannot read this one')
      await model.handle(event, context)
    }
    const failure = { maxAttempts: 2, baseDelayMs: 1 }
    const stopped = await runProjection({
      store,
      projections,
      projection: { name: 'strict', version: 1, handle, failure: { ...failure, onExhausted: 'stop' } },
      ...fast,
    }).done
    expect(stopped).toMatchObject({
      state: 'failed',
      processed: 4,
      lastError: { eventId: poison?.eventId, message: 'cannot read this one' },
    })

    const parking = runProjection({
      store,
      projections,
      projection: { name: 'lenient', version: 1, handle, failure: { ...failure, onExhausted: 'dead-letter' } },
      ...fast,
    })
    await until(async () => (await projections.load('lenient', 1)).processed >= 9)
    await parking.stop()
    expect(await projections.deadLetters('lenient')).toMatchObject([
      { eventId: poison?.eventId, error: 'cannot read this one', attempts: 2 },
    ])
  }, 60_000)

  it(`${name}: hands whole batches to handleBatch, and finds a failing event one by one`, async () => {
    const { store, projections, model } = await open()
    await appendDeposits(store, 25)
    const poison = (await store.readAll({ limit: 100 })).events[17]
    const sizes: number[] = []
    const runner = runProjection({
      store,
      projections,
      projection: {
        name: 'batched',
        version: 1,
        handleBatch: async (events, context) => {
          sizes.push(events.length)
          for (const event of events) {
            if (event.eventId === poison?.eventId) throw new Error('bad event')
            await model.handle(event, context)
          }
        },
        failure: { maxAttempts: 1, onExhausted: 'dead-letter' },
      },
      batchSize: 10,
      ...fast,
    })
    await until(async () => (await projections.load('batched', 1)).processed >= 24)
    await runner.stop()
    expect(sizes.slice(0, 2)).toEqual([10, 10]) // then the failing batch again, one event at a time
    expect(sizes.filter((n) => n === 1).length).toBeGreaterThanOrEqual(8)
    expect(await projections.deadLetters('batched')).toMatchObject([{ eventId: poison?.eventId }])
    if (!poison) throw new Error('expected 25 events')
    const expected = await expectedTotals(store)
    expected.set(poison.streamId, (expected.get(poison.streamId) ?? 0) - (poison.data as { amount: number }).amount)
    expect(await model.totals(1)).toEqual(expected)
  }, 60_000)

  it(`${name}: replays from a position after a reset`, async () => {
    const { store, projections } = await open()
    await appendDeposits(store, 12)
    const handled: string[] = []
    const projection = {
      name: 'replayed',
      version: 1,
      handle: async (event: RecordedEvent) => {
        handled.push(event.eventId)
      },
    }
    let runner = runProjection({ store, projections, projection, ...fast })
    await until(async () => (await projections.load('replayed', 1)).processed >= 12)
    await runner.stop()
    const events = (await store.readAll({ limit: 100 })).events
    const from = events[7]
    if (!from) throw new Error('expected 12 events')
    await projections.reset('replayed', 1, { transactionId: from.transactionId, position: from.globalPosition })
    runner = runProjection({ store, projections, projection, ...fast })
    await until(async () => (await projections.load('replayed', 1)).processed >= 16)
    await runner.stop()
    expect(handled).toEqual([...events.map((e) => e.eventId), ...events.slice(8).map((e) => e.eventId)])
  }, 60_000)

  it(`${name}: rebuilds a new version under concurrent appends, then switches to it`, async () => {
    const { store, projections, model } = await open()
    await appendDeposits(store, 30)
    const v1 = runProjection({
      store,
      projections,
      projection: { name: 'rebuilt', version: 1, handle: model.handle },
      ...fast,
    })
    await until(async () => (await projections.load('rebuilt', 1)).active)
    let writing = true
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await appendDeposits(store, 1, 30 + i)
        await new Promise((resolve) => setTimeout(resolve, 1)) // a memory store never yields by itself
      }
    })()
    const v2 = runProjection({
      store,
      projections,
      projection: { name: 'rebuilt', version: 2, handle: model.handle },
      batchSize: 7,
      ...fast,
    })
    await until(async () => (await projections.load('rebuilt', 2)).active)
    writing = false
    await writer
    const retired = await v1.done // v1 sees v2 active at its next catch-up and retires
    expect(retired).toMatchObject({ state: 'retired', active: false })
    await until(async () =>
      (await projectionStatus(store, projections)).every((s) => s.version === 1 || s.eventsBehind === 0),
    )
    await v2.stop()
    expect(await model.totals(2)).toEqual(await expectedTotals(store))
  }, 60_000)
}
