import type { Measurement } from '../measure/measurement.js'
import { runLoad } from './measure.js'
import type { ScenarioContext } from './scenario.js'

/** Runs an operation for the configured warm-up and duration from `clients` concurrent callers. */
export function timedLoad(
  context: ScenarioContext,
  clients: number,
  operation: () => Promise<number>,
): Promise<Measurement> {
  const { warmupMs, durationMs } = context.settings
  return runLoad({ concurrency: clients, warmupMs, durationMs, operation })
}
