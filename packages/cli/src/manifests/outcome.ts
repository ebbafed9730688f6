// One check's result from what it found: every offender named, the worst status winning.
import type { CheckResult } from '../checks.js'

/** What one check found. */
export interface Findings {
  /** Why nothing here applies (no Deployment, …): the check is skipped, saying so. */
  readonly skip?: string
  /** Each offender that fails the check, named: `Deployment/eventcore-app container app: no memory limit`. */
  readonly failures?: readonly string[]
  /** Each concern that passes with a warning. */
  readonly warnings?: readonly string[]
  /** What passed, for the detail when nothing failed. */
  readonly passed?: readonly string[]
}

/** The {@link CheckResult} of check `name`: failed when any offender failed it, else warned, else passed. */
export function outcome(name: string, { skip, failures = [], warnings = [], passed = [] }: Findings): CheckResult {
  if (failures.length > 0) return { name, status: 'fail', detail: [...failures, ...warnings].join('; ') }
  if (warnings.length > 0) return { name, status: 'warn', detail: [...warnings, ...passed].join('; ') }
  if (skip !== undefined && passed.length === 0) return { name, status: 'skip', detail: skip }
  return { name, status: 'pass', detail: passed.join('; ') }
}
