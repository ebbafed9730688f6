// Network policy: every pod isolated both ways, and no rule open to everyone (DNS excepted).
import { at, isRecord, record, records, strings, text } from './fields.js'
import type { KubeObject } from './kube-object.js'
import type { Findings } from './outcome.js'
import { podTemplates } from './pod-specs.js'
import type { Rendering } from './rendering.js'
import { describeSelector, selects } from './selectors.js'

type Fields = Readonly<Record<string, unknown>>

// Kubernetes' default when policyTypes is absent: Ingress, and Egress when there are egress rules.
const policyTypes = (policy: KubeObject): readonly string[] => {
  const declared = strings(at(policy, 'spec', 'policyTypes'))
  if (declared.length > 0) return declared
  return ['Ingress', ...(Array.isArray(at(policy, 'spec', 'egress')) ? ['Egress'] : [])]
}

const EVERYWHERE = new Set(['0.0.0.0/0', '::/0'])

function describePeer(peer: Fields): string {
  const block = record(peer.ipBlock)
  if (typeof block.cidr === 'string') {
    const except = strings(block.except)
    return `${block.cidr}${except.length > 0 ? ` except ${except.join(', ')}` : ''}`
  }
  const pods = isRecord(peer.podSelector) ? `pods ${describeSelector(peer.podSelector)}` : ''
  const namespaces = isRecord(peer.namespaceSelector) ? `namespaces ${describeSelector(peer.namespaceSelector)}` : ''
  return [namespaces, pods].filter((part) => part !== '').join(' ') || '?'
}

const describePorts = (ports: readonly Fields[]): string =>
  ports.length === 0
    ? 'any port'
    : ports.map((port) => `${String(port.port ?? 'any')}/${text(port.protocol) ?? 'TCP'}`).join(', ')

const opensToAll = (peers: readonly Fields[]): boolean =>
  peers.length === 0 ||
  peers.some(
    (peer) =>
      EVERYWHERE.has(text(at(peer, 'ipBlock', 'cidr')) ?? '') && strings(at(peer, 'ipBlock', 'except')).length === 0,
  )

const dnsOnly = (ports: readonly Fields[]): boolean =>
  ports.length > 0 && ports.every((port) => port.port === 53 || port.port === '53')

/** What one policy allows, and the rules of it that allow everyone. */
function policyRules(policy: KubeObject, ref: string): { allowed: string[]; problems: string[] } {
  const allowed: string[] = []
  const problems: string[] = []
  records(at(policy, 'spec', 'ingress')).forEach((rule, index) => {
    const peers = records(rule.from)
    const ports = records(rule.ports)
    if (opensToAll(peers))
      problems.push(`${ref} ingress rule ${index + 1} allows every source on ${describePorts(ports)}`)
    else allowed.push(`ingress from ${peers.map(describePeer).join(' or ')} on ${describePorts(ports)}`)
  })
  records(at(policy, 'spec', 'egress')).forEach((rule, index) => {
    const peers = records(rule.to)
    const ports = records(rule.ports)
    if (!opensToAll(peers)) allowed.push(`egress to ${peers.map(describePeer).join(' or ')} on ${describePorts(ports)}`)
    else if (dnsOnly(ports) && peers.length === 0)
      allowed.push(`egress to anywhere on ${describePorts(ports)} (DNS only)`)
    else problems.push(`${ref} egress rule ${index + 1} allows every destination on ${describePorts(ports)}`)
  })
  return { allowed, problems }
}

/**
 * Each pod template is selected by NetworkPolicies isolating it for Ingress and Egress; no ingress
 * rule is open to every source, and no egress rule to every destination, except DNS (port 53).
 */
export function checkNetworkPolicy(rendering: Rendering): Findings {
  const templates = podTemplates(rendering)
  const policies = rendering.ofKind('NetworkPolicy')
  const failures: string[] = []
  const passed: string[] = []
  for (const template of templates) {
    const selecting = policies.filter(
      (policy) =>
        rendering.namespaceOf(policy) === template.namespace &&
        selects(at(policy, 'spec', 'podSelector') ?? {}, template.labels),
    )
    const types = new Set(selecting.flatMap(policyTypes))
    const open = ['Ingress', 'Egress'].filter((type) => !types.has(type))
    if (open.length > 0) {
      failures.push(`${template.ref}: no NetworkPolicy restricts its ${open.join(' and ').toLowerCase()}`)
    }
  }
  for (const policy of policies) {
    const ref = rendering.refOf(policy)
    const { allowed, problems } = policyRules(policy, ref)
    failures.push(...problems)
    const selected = templates
      .filter(
        (t) =>
          t.namespace === rendering.namespaceOf(policy) && selects(at(policy, 'spec', 'podSelector') ?? {}, t.labels),
      )
      .map((t) => t.ref)
    const scope = selected.length > 0 ? selected.join(', ') : 'no pod template here'
    const types = policyTypes(policy)
    const denied = types.filter((type) => !allowed.some((line) => line.startsWith(type.toLowerCase())))
    passed.push(
      `${ref} (${scope}): ${[...allowed, ...denied.map((type) => `no ${type.toLowerCase()}`)].join(', ') || 'nothing allowed'}`,
    )
  }
  return templates.length === 0 ? { skip: 'no object in the rendering makes pods' } : { failures, passed }
}
