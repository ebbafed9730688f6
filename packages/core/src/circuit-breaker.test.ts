import { describe, expect, it } from 'vitest'
import type { CircuitSettings, CircuitState } from './index.js'
import { admitCall, type Circuit, CLOSED_CIRCUIT, recordCall } from './store-kit.js'

const settings: CircuitSettings = { failureRate: 0.5, minimumCalls: 4, windowMs: 1000, openMs: 500, halfOpenProbes: 2 }

/** One step of a script: a call that starts at `at` and ends `ms` later, failed or not, or only a request. */
type Step =
  | { readonly call: 'ok' | 'fail'; readonly at: number }
  | { readonly ask: number; readonly admitted: boolean; readonly retryAfterMs?: number }

/** Runs calls one after the other (each ends when it starts); returns the states after each step. */
function run(steps: readonly Step[], from: Circuit = CLOSED_CIRCUIT): { states: CircuitState[]; circuit: Circuit } {
  let circuit = from
  const states: CircuitState[] = []
  for (const step of steps) {
    if ('ask' in step) {
      const asked = admitCall(circuit, step.ask, settings)
      expect(asked.admitted, `admitted at ${step.ask}`).toBe(step.admitted)
      if (!asked.admitted && step.retryAfterMs !== undefined) expect(asked.retryAfterMs).toBe(step.retryAfterMs)
      circuit = asked.circuit
    } else {
      const asked = admitCall(circuit, step.at, settings)
      if (!asked.admitted) throw new Error(`call at ${step.at} was refused`)
      circuit = recordCall(
        asked.circuit,
        { failed: step.call === 'fail', probe: asked.probe, startedAt: step.at },
        step.at,
        settings,
      )
    }
    states.push(circuit.state)
  }
  return { states, circuit }
}

const ok = (at: number): Step => ({ call: 'ok', at })
const fail = (at: number): Step => ({ call: 'fail', at })

describe('circuit breaker state machine', () => {
  const table: Array<[string, Step[], CircuitState[]]> = [
    ['stays closed below minimumCalls, however many fail', [fail(0), fail(1), fail(2)], ['closed', 'closed', 'closed']],
    [
      'opens when the failure rate reaches the threshold',
      [ok(0), ok(1), fail(2), fail(3)],
      ['closed', 'closed', 'closed', 'open'],
    ],
    [
      'stays closed below the threshold',
      [ok(0), ok(1), ok(2), fail(3), ok(4)],
      ['closed', 'closed', 'closed', 'closed', 'closed'],
    ],
    [
      'forgets outcomes older than the window',
      [fail(0), fail(1), fail(2), ok(1500), ok(1501), fail(1502)],
      ['closed', 'closed', 'closed', 'closed', 'closed', 'closed'],
    ],
    [
      'fails fast while open, saying when it half-opens',
      [ok(0), ok(1), fail(2), fail(3), { ask: 103, admitted: false, retryAfterMs: 400 }],
      ['closed', 'closed', 'closed', 'open', 'open'],
    ],
    [
      'half-opens after openMs and closes when every probe passes',
      [ok(0), ok(1), fail(2), fail(3), ok(503), ok(504)],
      ['closed', 'closed', 'closed', 'open', 'half-open', 'closed'],
    ],
    [
      're-opens when a probe fails',
      [ok(0), ok(1), fail(2), fail(3), ok(503), fail(504), { ask: 505, admitted: false, retryAfterMs: 499 }],
      ['closed', 'closed', 'closed', 'open', 'half-open', 'open', 'open'],
    ],
  ]
  for (const [behaviour, steps, states] of table) {
    it(behaviour, () => {
      expect(run(steps).states).toEqual(states)
    })
  }

  it('lets at most halfOpenProbes probes out at once', () => {
    const { circuit } = run([ok(0), ok(1), fail(2), fail(3)])
    const first = admitCall(circuit, 600, settings)
    const second = admitCall(first.circuit, 601, settings)
    const third = admitCall(second.circuit, 602, settings)
    expect([first.admitted, second.admitted, third.admitted]).toEqual([true, true, false])
    expect(third.circuit.state).toBe('half-open')
  })

  it('re-opens when a probe hangs longer than openMs', () => {
    const { circuit } = run([ok(0), ok(1), fail(2), fail(3)])
    const probe = admitCall(circuit, 600, settings)
    const second = admitCall(probe.circuit, 601, settings)
    const late = admitCall(second.circuit, 1200, settings)
    expect(late).toMatchObject({ admitted: false, circuit: { state: 'open', openedAt: 1200 } })
  })

  it('ignores calls that started before the circuit opened', () => {
    const { circuit } = run([ok(0), ok(1), fail(2), fail(3), ok(503), ok(504)])
    expect(circuit.state).toBe('closed')
    let after = circuit
    for (const at of [1, 2, 3, 4])
      after = recordCall(after, { failed: true, probe: false, startedAt: at }, 600, settings)
    expect(after.state).toBe('closed')
  })
})
