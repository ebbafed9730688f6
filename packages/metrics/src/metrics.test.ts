import { createExecutor, defineCommand, type Event, event, reject } from '@eventcore/core'
import { createMemoryStore } from '@eventcore/core/memory'
import { describe, expect, it } from 'vitest'
import { createMetrics, type EventcoreMetrics } from './metrics.js'

interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** The samples of a Prometheus text exposition (comments skipped). */
function samplesOf(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
      if (!match) throw new Error(`not a sample line: ${line}`)
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
      return { name: match[1] ?? '', labels, value: Number(match[3]) }
    })
}

/** The one sample named `name` whose labels include `labels`; fails when there is none or several. */
function sampleOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  )
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1)
  return found[0]?.value ?? Number.NaN
}

describe('metrics registry', () => {
  it('adds the Node process metrics unless told not to', async () => {
    const withDefaults = createMetrics()
    const without = createMetrics({ defaultMetrics: false })
    expect(await withDefaults.registry.metrics()).toMatch(/^process_cpu_user_seconds_total \d/m)
    expect(await without.registry.metrics()).not.toMatch(/process_cpu_user_seconds_total/)
  })

  it('keeps each set of metrics apart, so two services in one process do not collide', async () => {
    const a = createMetrics({ defaultMetrics: false })
    const b = createMetrics({ defaultMetrics: false })
    a.countPoolError()
    expect(sampleOf(samplesOf(await a.registry.metrics()), 'eventcore_connection_pool_errors_total')).toBe(1)
    expect(sampleOf(samplesOf(await b.registry.metrics()), 'eventcore_connection_pool_errors_total')).toBe(0)
  })
})

describe('command metrics', () => {
  it('counts outcomes, errors by kind, events written and retries from the executor observer', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const { onOutcome, onRetry } = metrics.executorObserver
    const outcome = { command: 'RegisterUser', attempts: 1, durationMs: 3 }
    onOutcome?.({ ...outcome, outcome: 'success', eventsWritten: 2 })
    onOutcome?.({ ...outcome, outcome: 'success', eventsWritten: 3, attempts: 2 })
    onOutcome?.({ ...outcome, outcome: 'business-rule', eventsWritten: 0 })
    onOutcome?.({ ...outcome, outcome: 'exception', eventsWritten: 0 })
    onRetry?.({ command: 'RegisterUser', attempt: 1, reason: 'concurrency' })
    const samples = samplesOf(await metrics.registry.metrics())
    const command = { command: 'RegisterUser' }
    expect(sampleOf(samples, 'eventcore_commands_total', { ...command, outcome: 'success' })).toBe(2)
    expect(sampleOf(samples, 'eventcore_commands_total', { ...command, outcome: 'business-rule' })).toBe(1)
    expect(sampleOf(samples, 'eventcore_commands_total', { ...command, outcome: 'timeout' })).toBe(0)
    expect(sampleOf(samples, 'eventcore_command_errors_total', { ...command, kind: 'business-rule' })).toBe(1)
    expect(sampleOf(samples, 'eventcore_command_errors_total', { ...command, kind: 'exception' })).toBe(1)
    expect(sampleOf(samples, 'eventcore_command_errors_total', { ...command, kind: 'validation' })).toBe(0)
    expect(sampleOf(samples, 'eventcore_events_written_total', command)).toBe(5)
    expect(sampleOf(samples, 'eventcore_command_retries_total', { ...command, reason: 'concurrency' })).toBe(1)
    expect(sampleOf(samples, 'eventcore_command_retries_total', { ...command, reason: 'store-unavailable' })).toBe(0)
  })

  it('puts durations in seconds into the histogram buckets', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const base = { command: 'Rename', outcome: 'success', attempts: 1, eventsWritten: 1 } as const
    metrics.executorObserver.onOutcome?.({ ...base, durationMs: 3 })
    metrics.executorObserver.onOutcome?.({ ...base, durationMs: 2000 })
    const samples = samplesOf(await metrics.registry.metrics())
    const bucket = (le: string) =>
      sampleOf(samples, 'eventcore_command_duration_seconds_bucket', { command: 'Rename', le })
    expect(bucket('0.001')).toBe(0)
    expect(bucket('0.005')).toBe(1)
    expect(bucket('1')).toBe(1)
    expect(bucket('2.5')).toBe(2)
    expect(bucket('5')).toBe(2)
    expect(sampleOf(samples, 'eventcore_command_duration_seconds_count', { command: 'Rename' })).toBe(2)
    expect(sampleOf(samples, 'eventcore_command_duration_seconds_sum', { command: 'Rename' })).toBeCloseTo(2.003, 6)
  })

  it('measures a real executor wired with the observer, rejections counted as business-rule errors', async () => {
    type Noted = Event<'Noted', { readonly text: string }>
    const note = defineCommand({
      name: 'note',
      streams: (input: { readonly id: string; readonly text: string }) => ({ note: `note-${input.id}` }),
      initialState: () => ({}),
      apply: (state, _event: Noted) => state,
      decide: (_state, { text }) => (text === '' ? reject('empty') : { note: [event('Noted', { text })] }),
    })
    const metrics = createMetrics({ defaultMetrics: false })
    const executor = createExecutor({ store: createMemoryStore(), observer: metrics.executorObserver })
    await executor.execute(note, { id: '1', text: 'hi' })
    await executor.execute(note, { id: '1', text: '' })
    const samples = samplesOf(await metrics.registry.metrics())
    expect(sampleOf(samples, 'eventcore_commands_total', { command: 'note', outcome: 'success' })).toBe(1)
    expect(sampleOf(samples, 'eventcore_command_errors_total', { command: 'note', kind: 'business-rule' })).toBe(1)
    expect(sampleOf(samples, 'eventcore_events_written_total', { command: 'note' })).toBe(1)
    expect(sampleOf(samples, 'eventcore_command_duration_seconds_count', { command: 'note' })).toBe(2)
  })
})

describe('projection metrics', () => {
  it('sets the lag and counts the events of each batch', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const { onBatch } = metrics.projectionObserver
    onBatch?.({ projection: 'users', version: 1, events: 500, lagSeconds: 42.5 })
    onBatch?.({ projection: 'users', version: 1, events: 20, lagSeconds: 0 })
    onBatch?.({ projection: 'emails', version: 1, events: 500, lagSeconds: 7 })
    const samples = samplesOf(await metrics.registry.metrics())
    expect(sampleOf(samples, 'eventcore_projection_lag_seconds', { projection: 'users' })).toBe(0)
    expect(sampleOf(samples, 'eventcore_projection_lag_seconds', { projection: 'emails' })).toBe(7)
    expect(sampleOf(samples, 'eventcore_projection_events_processed_total', { projection: 'users' })).toBe(520)
  })

  it('leaves the lag to the serving version while a new one rebuilds', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const { onBatch, onState } = metrics.projectionObserver
    onState?.({ projection: 'users', version: 2, state: 'rebuilding' })
    onBatch?.({ projection: 'users', version: 1, events: 3, lagSeconds: 0.5 })
    onBatch?.({ projection: 'users', version: 2, events: 500, lagSeconds: 86_400 })
    const during = samplesOf(await metrics.registry.metrics())
    expect(sampleOf(during, 'eventcore_projection_lag_seconds', { projection: 'users' })).toBe(0.5)
    expect(sampleOf(during, 'eventcore_projection_events_processed_total', { projection: 'users' })).toBe(503)
    onState?.({ projection: 'users', version: 2, state: 'running' })
    onBatch?.({ projection: 'users', version: 2, events: 10, lagSeconds: 2 })
    const after = samplesOf(await metrics.registry.metrics())
    expect(sampleOf(after, 'eventcore_projection_lag_seconds', { projection: 'users' })).toBe(2)
  })
})

describe('business counters', () => {
  const registered = (metrics: EventcoreMetrics) =>
    metrics.businessCounter({
      name: 'users_registered_total',
      help: 'Users registered',
      eventTypes: ['UserRegistered'],
    })

  it('counts only the event types it was given, starting at 0', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    registered(metrics)
    metrics.businessCounter({
      name: 'users_deactivated_total',
      help: 'Users deactivated',
      eventTypes: ['UserDeactivated'],
    })
    expect(sampleOf(samplesOf(await metrics.registry.metrics()), 'users_registered_total')).toBe(0)
    metrics.countEvents([{ type: 'UserRegistered' }, { type: 'EmailClaimed' }, { type: 'UserRegistered' }])
    metrics.countEvents([{ type: 'UserRenamed' }])
    const samples = samplesOf(await metrics.registry.metrics())
    expect(sampleOf(samples, 'users_registered_total')).toBe(2)
    expect(sampleOf(samples, 'users_deactivated_total')).toBe(0)
  })

  it('counts the events of successful commands through a counting executor', async () => {
    type Registered = Event<'UserRegistered', { readonly email: string }>
    const register = defineCommand({
      name: 'register',
      streams: (input: { readonly id: string; readonly email: string }) => ({ user: `user-${input.id}` }),
      initialState: () => ({ exists: false }),
      apply: (_state, _event: Registered) => ({ exists: true }),
      decide: (state, { email }) =>
        state.exists ? reject('already-registered') : { user: [event('UserRegistered', { email })] },
    })
    const metrics = createMetrics({ defaultMetrics: false })
    registered(metrics)
    const executor = metrics.countingExecutor(createExecutor({ store: createMemoryStore() }))
    const first = await executor.execute(register, { id: '1', email: 'ada@example.com' })
    await executor.execute(register, { id: '1', email: 'ada@example.com' })
    await executor.execute(register, { id: '2', email: 'bob@example.com' })
    expect(first.ok && first.versions.user).toBe(1)
    expect(sampleOf(samplesOf(await metrics.registry.metrics()), 'users_registered_total')).toBe(2)
  })

  it('refuses a bad name, an empty help, no event types and a name in use, each with a reason', () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const make =
      (name: string, help = 'h', eventTypes = ['A']) =>
      () =>
        metrics.businessCounter({ name, help, eventTypes })
    expect(make('users registered')).toThrow(/end the name with _total/)
    expect(make('users_registered')).toThrow(/end the name with _total/)
    expect(make('users_registered_total', ' ')).toThrow(/help/)
    expect(make('users_registered_total', 'h', [])).toThrow(/at least one event type/)
    expect(make('eventcore_commands_total')).toThrow(/taken/)
  })
})
