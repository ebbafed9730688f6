/**
 * The circuit breaker's state machine: pure functions of the circuit, the time and the settings.
 * {@link withCircuitBreaker} wraps a store with it.
 *
 * @module
 */

/** `closed`: calls go through. `open`: calls fail fast. `half-open`: a few probe calls test the store. */
export type CircuitState = 'closed' | 'open' | 'half-open'

/** When a circuit opens and how it recovers. */
export interface CircuitSettings {
  /** The share of failed calls in the window that opens the circuit (0 < rate ≤ 1). @default 0.5 */
  readonly failureRate?: number
  /** Calls the window must hold before the rate counts, so one failure alone never opens it. @default 10 */
  readonly minimumCalls?: number
  /** The sliding window the rate is taken over, in milliseconds. @default 10000 */
  readonly windowMs?: number
  /** How long the circuit stays open before it lets probes through, in milliseconds. @default 5000 */
  readonly openMs?: number
  /** Probe calls let through while half-open; all must succeed to close. @default 1 */
  readonly halfOpenProbes?: number
}

/** Calls and failures of one tenth of the window. */
interface Bucket {
  readonly start: number
  readonly calls: number
  readonly failures: number
}

/** A circuit at one moment: a plain value, replaced on every step. */
export interface Circuit {
  readonly state: CircuitState
  /** Outcomes while closed, in buckets of a tenth of the window, oldest first. */
  readonly buckets: readonly Bucket[]
  /** When it last opened (clock milliseconds). */
  readonly openedAt: number
  /** Start times of the probes in flight while half-open. */
  readonly probes: readonly number[]
  /** Probes that succeeded since it half-opened. */
  readonly passed: number
}

/** Whether a call may go through, and the circuit after the asking. */
export type Admission =
  | { readonly admitted: true; readonly probe: boolean; readonly circuit: Circuit }
  | { readonly admitted: false; readonly retryAfterMs: number; readonly circuit: Circuit }

const BUCKETS = 10

/** A closed circuit with an empty window. */
export const CLOSED_CIRCUIT: Circuit = { state: 'closed', buckets: [], openedAt: 0, probes: [], passed: 0 }

function settled(settings: CircuitSettings) {
  const { failureRate = 0.5, minimumCalls = 10, windowMs = 10_000, openMs = 5000, halfOpenProbes = 1 } = settings
  return { failureRate, minimumCalls, windowMs, openMs, halfOpenProbes }
}

const opened = (now: number): Circuit => ({ state: 'open', buckets: [], openedAt: now, probes: [], passed: 0 })

/**
 * Asks to make a call at `now`. An open circuit half-opens once `openMs` have passed; a half-open
 * one admits up to `halfOpenProbes` probes at once, and re-opens when a probe has been out longer
 * than `openMs` (a store that hangs is not a store that recovered).
 *
 * @example
 * const asked = admitCall(circuit, Date.now(), { openMs: 5000 })
 * if (!asked.admitted) throw new Error(`retry in ${asked.retryAfterMs} ms`)
 */
export function admitCall(circuit: Circuit, now: number, settings: CircuitSettings = {}): Admission {
  const { openMs, halfOpenProbes } = settled(settings)
  let current = circuit
  if (current.state === 'closed') return { admitted: true, probe: false, circuit: current }
  if (current.state === 'open') {
    const left = current.openedAt + openMs - now
    if (left > 0) return { admitted: false, retryAfterMs: left, circuit: current }
    current = { state: 'half-open', buckets: [], openedAt: current.openedAt, probes: [], passed: 0 }
  }
  if (current.probes.some((started) => now - started > openMs)) {
    const reopened = opened(now)
    return { admitted: false, retryAfterMs: openMs, circuit: reopened }
  }
  if (current.probes.length + current.passed >= halfOpenProbes)
    return { admitted: false, retryAfterMs: Math.min(openMs, 1000), circuit: current }
  return { admitted: true, probe: true, circuit: { ...current, probes: [...current.probes, now] } }
}

/**
 * Records how an admitted call ended. While closed, a failure that brings the window's failure rate
 * to `failureRate` (with at least `minimumCalls` calls) opens the circuit. While half-open, a failed
 * probe re-opens it and `halfOpenProbes` passed probes close it. Outcomes of calls admitted in an
 * earlier state (started before it opened) are ignored.
 *
 * @example
 * circuit = recordCall(circuit, { failed: true, probe: false, startedAt }, Date.now())
 */
export function recordCall(
  circuit: Circuit,
  call: { readonly failed: boolean; readonly probe: boolean; readonly startedAt: number },
  now: number,
  settings: CircuitSettings = {},
): Circuit {
  const { failureRate, minimumCalls, windowMs, halfOpenProbes } = settled(settings)
  if (circuit.state === 'half-open') {
    if (!call.probe) return circuit
    const index = circuit.probes.indexOf(call.startedAt)
    if (index < 0) return circuit // a probe of an earlier half-open spell
    if (call.failed) return opened(now)
    const passed = circuit.passed + 1
    // Calls started before it opened may still finish: `openedAt` stays so that they are ignored.
    if (passed >= halfOpenProbes) return { ...CLOSED_CIRCUIT, openedAt: circuit.openedAt }
    return { ...circuit, probes: circuit.probes.filter((_, i) => i !== index), passed }
  }
  if (circuit.state === 'open' || call.probe || call.startedAt < circuit.openedAt) return circuit
  const width = Math.max(1, Math.ceil(windowMs / BUCKETS))
  const start = now - (now % width)
  const kept = circuit.buckets.filter((b) => b.start > now - windowMs)
  const last = kept.at(-1)
  const bump = (b: Bucket): Bucket => ({
    start: b.start,
    calls: b.calls + 1,
    failures: b.failures + (call.failed ? 1 : 0),
  })
  const buckets =
    last && last.start === start
      ? [...kept.slice(0, -1), bump(last)]
      : [...kept, bump({ start, calls: 0, failures: 0 })]
  if (!call.failed) return { ...circuit, buckets }
  const calls = buckets.reduce((sum, b) => sum + b.calls, 0)
  const failures = buckets.reduce((sum, b) => sum + b.failures, 0)
  if (calls >= minimumCalls && failures / calls >= failureRate) return opened(now)
  return { ...circuit, buckets }
}
