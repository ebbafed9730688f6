// A projection store of the docs' own, for docs/projections.md and docs/testing.md: it wraps
// another one and times every commit. The projection contract suite checks it.
import type { ProjectionStore } from '@eventcore/core'

// #region metered-store
/** Wraps a projection store and reports how long each batch took to commit, and how it ended. */
export function meteredProjectionStore<Tx>(
  inner: ProjectionStore<Tx>,
  report: (commit: { projection: string; version: number; ms: number; outcome: 'committed' | 'moved' }) => void,
): ProjectionStore<Tx> {
  return {
    async commit(name, version, step, work) {
      const started = performance.now()
      const outcome = await inner.commit(name, version, step, work)
      report({ projection: name, version, ms: performance.now() - started, outcome })
      return outcome
    },
    load: (name, version) => inner.load(name, version),
    setState: (name, version, state, failure) => inner.setState(name, version, state, failure),
    reset: (name, version, cursor) => inner.reset(name, version, cursor),
    activate: (name, version) => inner.activate(name, version),
    tryLease: (name, version) => inner.tryLease(name, version),
    list: () => inner.list(),
    deadLetters: (name) => inner.deadLetters(name),
  }
}
// #endregion metered-store
