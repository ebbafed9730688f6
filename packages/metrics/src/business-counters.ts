import type { Executor } from '@eventcore/core'
import { Counter, type Registry } from 'prom-client'

/** Options of {@link EventcoreMetrics.businessCounter}. */
export interface BusinessCounterOptions {
  /** A Prometheus counter name ending in `_total`, e.g. `users_registered_total`. */
  readonly name: string
  /** What it counts, for `# HELP`. */
  readonly help: string
  /** Each event of one of these types adds 1. */
  readonly eventTypes: readonly string[]
}

/** A counter of domain events. */
export interface BusinessCounter {
  readonly name: string
  /** Adds the events of the counter's types among `events` (e.g. `ExecutionSuccess.events`). */
  count(events: readonly { readonly type: string }[]): void
}

/** The business counters of one registry, and one call that feeds them all. */
export interface BusinessMetrics {
  counter(options: BusinessCounterOptions): BusinessCounter
  countEvents(events: readonly { readonly type: string }[]): void
  countingExecutor(executor: Executor): Executor
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*_total$/

/** Business counters on `registry`, each a plain unlabelled counter that starts at 0. */
export function createBusinessMetrics(registry: Registry): BusinessMetrics {
  const byType = new Map<string, Counter[]>()

  const countEvents = (events: readonly { readonly type: string }[]) => {
    for (const event of events) for (const counter of byType.get(event.type) ?? []) counter.inc()
  }

  return {
    counter({ name, help, eventTypes }) {
      if (!METRIC_NAME.test(name)) {
        throw new TypeError(`business counter '${name}': use letters, digits and _ and end the name with _total`)
      }
      if (help.trim() === '') throw new TypeError(`business counter '${name}': help must say what it counts`)
      if (eventTypes.length === 0) throw new TypeError(`business counter '${name}': give at least one event type`)
      if (registry.getSingleMetric(name)) throw new TypeError(`business counter '${name}': the name is taken`)
      const counter = new Counter({ name, help, registers: [registry] })
      const types = new Set(eventTypes)
      for (const type of types) byType.set(type, [...(byType.get(type) ?? []), counter])
      return {
        name,
        count(events) {
          for (const event of events) if (types.has(event.type)) counter.inc()
        },
      }
    },
    countEvents,
    countingExecutor(executor) {
      return {
        async execute(command, input, options) {
          const result = await executor.execute(command, input, options)
          if (result.ok) countEvents(result.events)
          return result
        },
      }
    },
  }
}
