import { readdirSync, readFileSync } from 'node:fs'
import { createMemoryProjectionStore, type ProjectionObserver, runProjection } from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import { describe, expect, it } from 'vitest'
import { createMetrics } from './index.js'

describe('a worker that only runs projections', () => {
  it('exports eventcore_projection_lag_seconds from @eventcore/metrics, no web framework involved', async () => {
    const store = createMemoryStore()
    for (const id of ['1', '2', '3']) {
      await store.append([{ streamId: `user-${id}`, events: [{ type: 'UserRegistered', data: { id } }] }])
    }
    const metrics = createMetrics({ defaultMetrics: false, projections: ['users'] })
    let applied = 0
    let caughtUp = () => {}
    const done = new Promise<void>((resolve) => {
      caughtUp = resolve
    })
    // The worker's observer is the metrics' one; the test only listens in to know when to scrape.
    const observer: ProjectionObserver = {
      ...metrics.projectionObserver,
      onBatch: (batch) => {
        metrics.projectionObserver.onBatch?.(batch)
        applied += batch.events
        if (applied >= 3) caughtUp()
      },
    }
    const runner = runProjection({
      store,
      projections: createMemoryProjectionStore(),
      projection: { name: 'users', version: 1, handle: () => {} },
      observer,
      minPollMs: 2,
      maxPollMs: 20,
    })
    await done
    await runner.stop()
    const text = await metrics.registry.metrics()
    expect(text).toMatch(/^# TYPE eventcore_projection_lag_seconds gauge$/m)
    expect(text).toMatch(/^eventcore_projection_lag_seconds\{projection="users"\} 0$/m)
    expect(text).toMatch(/^eventcore_projection_events_processed_total\{projection="users"\} 3$/m)
  })

  it('can install @eventcore/metrics without Fastify: no fastify package among its dependencies or imports', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >
    const declared = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'].flatMap((field) =>
      Object.keys(manifest[field] ?? {}),
    )
    expect(declared.filter((name) => name.includes('fastify'))).toEqual([])
    expect(manifest.dependencies).toEqual({ '@eventcore/core': expect.any(String), 'prom-client': expect.any(String) })
    const sources = readdirSync(new URL('.', import.meta.url)).filter((file) => file.endsWith('.ts'))
    const importing = sources.filter((file) =>
      /from '(fastify|@fastify\/|@eventcore\/http)/.test(readFileSync(new URL(file, import.meta.url), 'utf8')),
    )
    expect(importing).toEqual([])
  })
})
