import type { Finding, Severity } from './finding.js'
import { RULE_IDS, RULES, type RuleId } from './rules.js'

/** SARIF's result levels used here. */
export type SarifLevel = 'error' | 'warning' | 'note'

/** The schema this output follows (OASIS SARIF 2.1.0). */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json'

const LEVEL: Readonly<Record<Severity, SarifLevel>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
}

// GitHub code scanning ranks security results by this property (CVSS-like, 0.0–10.0).
const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
}

/** A SARIF 2.1.0 log with one run, as much of it as the audit writes. */
export interface SarifLog {
  readonly $schema: string
  readonly version: '2.1.0'
  readonly runs: readonly [SarifRun]
}

interface SarifRun {
  readonly tool: { readonly driver: SarifDriver }
  readonly results: readonly SarifResult[]
}

interface SarifDriver {
  readonly name: string
  readonly version: string
  readonly informationUri: string
  readonly rules: readonly SarifRule[]
}

interface SarifRule {
  readonly id: string
  readonly name: string
  readonly shortDescription: { readonly text: string }
  readonly fullDescription: { readonly text: string }
  readonly help: { readonly text: string }
  readonly defaultConfiguration: { readonly level: SarifLevel }
  readonly properties: { readonly tags: readonly string[]; readonly 'security-severity': string }
}

interface SarifResult {
  readonly ruleId: string
  readonly ruleIndex: number
  readonly level: SarifLevel
  readonly message: { readonly text: string }
  readonly locations: readonly SarifLocation[]
  readonly partialFingerprints: Readonly<Record<string, string>>
  readonly properties: { readonly source: string; readonly severity: Severity }
}

interface SarifLocation {
  readonly physicalLocation?: { readonly artifactLocation: { readonly uri: string } }
  readonly logicalLocations?: readonly { readonly name: string; readonly kind: string }[]
}

/** `EC-NET-001` → `EcNet001`, SARIF's advice for a rule's `name` (a readable identifier). */
const nameOf = (id: string): string =>
  id
    .split('-')
    .map((part) => part.charAt(0) + part.slice(1).toLowerCase())
    .join('')

function locationOf(found: Finding): SarifLocation {
  const where = found.location ?? found.source
  switch (found.source) {
    case 'url':
      return {
        physicalLocation: { artifactLocation: { uri: where } },
        logicalLocations: [{ name: where, kind: 'resource' }],
      }
    case 'config':
      return { logicalLocations: [{ name: where, kind: 'variable' }] }
    case 'database':
      return { logicalLocations: [{ name: where, kind: 'namespace' }] }
  }
}

/**
 * The findings as a SARIF 2.1.0 log, so code scanning tools show them: every rule of the audit in
 * `tool.driver.rules`, each finding a result (critical and high → `error`, medium → `warning`,
 * low → `note`) located at its variable, schema or URL.
 *
 * @example
 * io.stdout(JSON.stringify(toSarif(findings, { version: CLI_VERSION }), null, 2))
 */
export function toSarif(findings: readonly Finding[], tool: { readonly version: string }): SarifLog {
  const rules: SarifRule[] = RULE_IDS.map((id) => {
    const rule = RULES[id]
    return {
      id,
      name: nameOf(id),
      shortDescription: { text: rule.title },
      fullDescription: { text: `${rule.title}. ${rule.help}` },
      help: { text: `${rule.help}\n\nFix: ${rule.recommendation}` },
      defaultConfiguration: { level: LEVEL[rule.severity] },
      properties: { tags: ['security', rule.category], 'security-severity': SECURITY_SEVERITY[rule.severity] },
    }
  })
  const results: SarifResult[] = findings.map((found) => ({
    ruleId: found.id,
    ruleIndex: RULE_IDS.indexOf(found.id as RuleId),
    level: LEVEL[found.severity],
    message: { text: `${found.title}: ${found.description}. ${found.recommendation}` },
    locations: [locationOf(found)],
    partialFingerprints: { 'eventcoreFinding/v1': `${found.id}:${found.source}:${found.location ?? ''}` },
    properties: { source: found.source, severity: found.severity },
  }))
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'eventcore-cli',
            version: tool.version,
            informationUri: 'https://www.npmjs.com/package/@eventcore/cli',
            rules,
          },
        },
        results,
      },
    ],
  }
}
