// Test support: the rule files of the deploy kit, what a running Prometheus says about the rules it
// loaded (/api/v1/rules).
import { readdirSync, readFileSync } from 'node:fs'
import { deployFile } from './deploy-files.js'

/** Every `*.rules.yml` of `deploy/prometheus/`, as absolute paths. */
export const ruleFiles = (): string[] =>
  readdirSync(deployFile('prometheus'))
    .filter((name) => name.endsWith('.rules.yml'))
    .sort()
    .map((name) => deployFile('prometheus', name))

/** The groups and rules (alert or record names) a rule file declares. */
export interface DeclaredRules {
  readonly groups: readonly string[]
  readonly rules: readonly string[]
}

/**
 * The group and rule names of rule files, read from their lines: in the rule file format only a
 * group starts a list item with `name:`, and each rule has one `alert:` or `record:` key.
 */
export function declaredRules(files: readonly string[]): DeclaredRules {
  const text = files.map((file) => readFileSync(file, 'utf8')).join('\n')
  const values = (pattern: RegExp) => [...text.matchAll(pattern)].map((m) => (m[1] ?? '').replace(/^["']|["']$/g, ''))
  return {
    groups: values(/^\s*-\s+name:\s*(\S+)\s*$/gm),
    rules: values(/^\s*-?\s*(?:alert|record):\s*(\S+)\s*$/gm),
  }
}

/** A rule as `/api/v1/rules` describes it. */
export interface LoadedRule {
  readonly name: string
  readonly type: 'alerting' | 'recording'
  readonly health: 'ok' | 'err' | 'unknown'
  readonly lastError?: string
  /** Alerting rules: inactive, pending or firing. */
  readonly state?: 'inactive' | 'pending' | 'firing'
  /** Alerting rules: the `for` duration, in seconds. */
  readonly duration?: number
  readonly labels?: Readonly<Record<string, string>>
  readonly alerts?: readonly { readonly state: string; readonly activeAt: string }[]
}

/** A rule group as `/api/v1/rules` describes it. */
export interface LoadedGroup {
  readonly name: string
  readonly file: string
  readonly interval: number
  readonly rules: readonly LoadedRule[]
}

/** The rule groups a Prometheus at `url` loaded. */
export async function loadedRules(url: string): Promise<LoadedGroup[]> {
  const answer = await fetch(`${url}/api/v1/rules`)
  const body = (await answer.json()) as { status: string; data: { groups: LoadedGroup[] }; error?: string }
  if (body.status !== 'success') throw new Error(`prometheus /api/v1/rules: ${body.error ?? answer.status}`)
  return body.data.groups
}
