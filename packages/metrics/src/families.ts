import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** The metric families of one registry, each named from a help table so none lacks its `# HELP` line. */
export interface Families<N extends string> {
  counter<L extends string>(name: N, labelNames: readonly L[]): Counter<L>
  gauge<L extends string>(name: N, labelNames: readonly L[]): Gauge<L>
  histogram<L extends string>(name: N, labelNames: readonly L[], buckets: readonly number[]): Histogram<L>
}

/**
 * Declares metrics on `registry` (never prom-client's global one), their help texts from `help`:
 * names, help and labels are what dashboards and alerts rely on, so each module keeps them in one table.
 */
export function familiesOn<N extends string>(registry: Registry, help: { readonly [K in N]: string }): Families<N> {
  const registers = [registry]
  return {
    counter: (name, labelNames) => new Counter({ name, help: help[name], labelNames, registers }),
    gauge: (name, labelNames) => new Gauge({ name, help: help[name], labelNames, registers }),
    histogram: (name, labelNames, buckets) =>
      new Histogram({ name, help: help[name], labelNames, buckets: [...buckets], registers }),
  }
}
