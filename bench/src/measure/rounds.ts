import { errorMessage } from '../error-message.js'
import type { Measurement, Outcome } from './measurement.js'

/** One contender's go in a row: opens it, measures, closes it. */
export interface Turn {
  readonly key: string
  readonly run: () => Promise<Measurement>
}

/** Options of {@link takeTurns}. */
export interface TakeTurnsOptions {
  /** How many times every contender runs. @default 3 */
  readonly rounds?: number
  /** Called after every turn, for progress output. */
  readonly onTurn?: (key: string, round: number) => void
}

/**
 * The middle round by rate (the lower middle for an even count), so that one lucky or unlucky
 * round does not decide the result.
 *
 * @example
 * medianRound([slow, fast, middle]) // middle
 */
export function medianRound(measurements: readonly Measurement[]): Measurement {
  const sorted = [...measurements].sort((a, b) => a.rate - b.rate)
  const middle = sorted[Math.floor((sorted.length - 1) / 2)]
  if (!middle) throw new Error('medianRound needs at least one measurement')
  return middle
}

/** The items, starting at `by` and wrapping around. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return []
  const start = by % items.length
  return [...items.slice(start), ...items.slice(0, start)]
}

/**
 * Runs the contenders of one row in turn, several rounds, each round starting with the next
 * contender, so background noise and warm caches hit them all alike. A contender that fails is
 * reported with its error and left out of later rounds.
 */
export async function takeTurns(turns: readonly Turn[], options: TakeTurnsOptions = {}): Promise<Map<string, Outcome>> {
  const { rounds = 3, onTurn } = options
  const results = new Map<string, Measurement[]>()
  const failures = new Map<string, string>()
  for (let round = 0; round < rounds; round++) {
    for (const turn of rotate(turns, round)) {
      if (failures.has(turn.key)) continue
      try {
        const measured = await turn.run()
        results.set(turn.key, [...(results.get(turn.key) ?? []), measured])
      } catch (error) {
        failures.set(turn.key, `failed: ${errorMessage(error)}`)
      }
      onTurn?.(turn.key, round)
    }
  }
  const outcomes = new Map<string, Outcome>()
  for (const turn of turns) {
    const failure = failures.get(turn.key)
    const measured = results.get(turn.key)
    outcomes.set(turn.key, failure || !measured ? { missing: failure ?? 'not run' } : medianRound(measured))
  }
  return outcomes
}
