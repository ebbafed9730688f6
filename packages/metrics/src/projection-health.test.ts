// eventcore_projection_state and eventcore_projection_dead_letters_total: what the stopped-projection
// and dead-letter alerts (deploy/prometheus/alerts.rules.yml) read, fed by a real runner.
import { createMemoryProjectionStore, type EventStore, type ProjectionState, runProjection } from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import { describe, expect, it } from 'vitest'
import { createMetrics, type EventcoreMetrics } from './metrics.js'

const STATES: readonly ProjectionState[] = [
  'idle',
  'running',
  'standby',
  'waiting',
  'stopped',
  'failed',
  'rebuilding',
  'retired',
]
const fast = { minPollMs: 2, maxPollMs: 20, standbyRetryMs: 10 }

/** `eventcore_projection_state{projection}` by state, from a scrape; every state must be there. */
async function statesOf(metrics: EventcoreMetrics, projection: string): Promise<Record<string, number>> {
  const text = await metrics.registry.metrics()
  const found = [...text.matchAll(/^eventcore_projection_state\{projection="([^"]*)",state="([^"]*)"\} (\S+)$/gm)]
    .filter((match) => match[1] === projection)
    .map((match) => [match[2] ?? '', Number(match[3])] as const)
  expect(found.map(([state]) => state).sort()).toEqual([...STATES].sort())
  return Object.fromEntries(found)
}

/** The states with a non-zero count: what a scrape says the runners are doing. */
const current = (states: Record<string, number>) =>
  Object.fromEntries(Object.entries(states).filter(([, count]) => count !== 0))

async function deadLettersOf(metrics: EventcoreMetrics, projection: string): Promise<number> {
  const text = await metrics.registry.metrics()
  const match = new RegExp(
    `^eventcore_projection_dead_letters_total\\{projection="${projection}"\\} (\\S+)$`,
    'm',
  ).exec(text)
  expect(match, `eventcore_projection_dead_letters_total{projection="${projection}"}`).not.toBeNull()
  return Number(match?.[1])
}

async function seeded(count: number): Promise<EventStore> {
  const store = createMemoryStore()
  for (let n = 1; n <= count; n++) await store.append([{ streamId: `s-${n}`, events: [{ type: 'N', data: { n } }] }])
  return store
}

async function until(condition: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('projection state and dead-letter metrics', () => {
  it('has every state at 0 and no dead letters for a declared projection, from the first scrape', async () => {
    const metrics = createMetrics({ defaultMetrics: false, projections: ['users'] })
    expect(current(await statesOf(metrics, 'users'))).toEqual({})
    expect(await deadLettersOf(metrics, 'users')).toBe(0)
  })

  it('follows a real runner from running to stopped, counting each event it parks', async () => {
    const metrics = createMetrics({ defaultMetrics: false, projections: ['picky'] })
    const projections = createMemoryProjectionStore()
    const runner = runProjection({
      store: await seeded(6),
      projections,
      projection: {
        name: 'picky',
        version: 1,
        handle: (event) => {
          if ((event.data as { n: number }).n % 3 === 0) throw new Error('no multiples of 3')
        },
        failure: { maxAttempts: 1, onExhausted: 'dead-letter' },
      },
      observer: metrics.projectionObserver,
      ...fast,
    })
    await until(async () => (await projections.load('picky', 1)).cursor.position >= 6)
    expect(current(await statesOf(metrics, 'picky'))).toEqual({ running: 1 })
    expect(await deadLettersOf(metrics, 'picky')).toBe(2)
    expect(await projections.deadLetters('picky')).toHaveLength(2)
    await runner.stop()
    expect(current(await statesOf(metrics, 'picky'))).toEqual({ stopped: 1 })
  })

  it('shows a runner that failed on an event (policy stop) as failed, with no dead letter', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const runner = runProjection({
      store: await seeded(3),
      projections: createMemoryProjectionStore(),
      projection: {
        name: 'strict',
        version: 1,
        handle: () => {
          throw new Error('bug')
        },
        failure: { maxAttempts: 1 },
      },
      observer: metrics.projectionObserver,
      ...fast,
    })
    expect(await runner.done).toMatchObject({ state: 'failed' })
    expect(current(await statesOf(metrics, 'strict'))).toEqual({ failed: 1 })
    expect(await deadLettersOf(metrics, 'strict')).toBe(0)
  })

  it('counts runners by state when two versions run side by side (a rebuild)', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const { onState } = metrics.projectionObserver
    onState?.({ projection: 'users', version: 1, state: 'running' })
    onState?.({ projection: 'users', version: 2, state: 'rebuilding' })
    expect(current(await statesOf(metrics, 'users'))).toEqual({ running: 1, rebuilding: 1 })
    onState?.({ projection: 'users', version: 2, state: 'running' })
    expect(current(await statesOf(metrics, 'users'))).toEqual({ running: 2 })
    onState?.({ projection: 'users', version: 1, state: 'retired' })
    expect(current(await statesOf(metrics, 'users'))).toEqual({ running: 1, retired: 1 })
  })
})
