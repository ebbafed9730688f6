// The checklist's deployment items (resource limits, quotas, replicas, disruption budget, probes,
// rolling update, config maps, network policies), judged from `validate manifests`' checks as
// `--manifests` gathers them, and manual, saying how to render the manifests, without.
import { describe, expect, it } from 'vitest'
import type { CheckResult, CheckStatus } from '../checks.js'
import { MANIFEST_CHECKS } from '../manifests/policy.js'
import type { Evidence } from './evidence.js'
import { CHECKLIST } from './items.js'
import { judgeChecklist } from './report.js'

/** Each item the manifests judge, and the checks it is judged by. */
const JUDGED_BY: Readonly<Record<string, readonly string[]>> = {
  'performance.cpu-limits': [MANIFEST_CHECKS.resources],
  'performance.memory-limits': [MANIFEST_CHECKS.resources],
  'performance.quotas': [MANIFEST_CHECKS.resourceQuota, MANIFEST_CHECKS.limitRange],
  'reliability.replicas': [MANIFEST_CHECKS.replicas],
  'reliability.pdb': [MANIFEST_CHECKS.disruptionBudget],
  'reliability.liveness': [MANIFEST_CHECKS.probes],
  'reliability.rolling-update': [MANIFEST_CHECKS.rollingUpdate],
  'deployment.config-maps': [MANIFEST_CHECKS.environment],
  'deployment.resource-limits': [MANIFEST_CHECKS.resources],
  'deployment.network-policies': [MANIFEST_CHECKS.networkPolicy],
  'infrastructure.segmentation': [MANIFEST_CHECKS.networkPolicy],
}
const ITEMS = Object.keys(JUDGED_BY)

const nothing: Evidence = { config: { ok: false, error: 'not loaded' }, audit: {}, prometheus: false }
const healthy: CheckResult[] = Object.values(MANIFEST_CHECKS).map((name) => ({
  name,
  status: 'pass',
  detail: `${name} ok`,
}))

const judged = (evidence: Evidence) =>
  new Map(
    judgeChecklist(CHECKLIST, evidence, new Date('2026-12-02T08:00:00Z'))
      .sections.flatMap((section) => section.groups.flatMap((group) => group.items))
      .map((item) => [item.id, item]),
  )
const statuses = (evidence: Evidence, ids: readonly string[] = ITEMS): Record<string, CheckStatus> => {
  const items = judged(evidence)
  return Object.fromEntries(ids.map((id) => [id, items.get(id)?.status ?? 'skip']))
}
const with_ = (...changed: CheckResult[]): Evidence => ({
  ...nothing,
  manifests: { ok: true, value: healthy.map((check) => changed.find((c) => c.name === check.name) ?? check) },
})

describe('the deployment items of the checklist', () => {
  it('are manual without --manifests, saying how to render them', () => {
    const items = judged(nothing)
    for (const id of ITEMS) {
      expect([id, items.get(id)?.status]).toEqual([id, 'manual'])
      expect(items.get(id)?.detail).toContain(
        'give --manifests (kubectl kustomize deploy/k8s/overlays/production > rendered.yaml)',
      )
    }
  })

  it('pass when the manifest checks passed, the memory headroom left to a person', () => {
    expect(Object.values(statuses(with_())).every((status) => status === 'pass')).toBe(true)
    const items = judged(with_())
    expect(items.get('performance.memory-limits')?.detail).toBe(
      'resources: resources ok; confirm the limit leaves room over process_resident_memory_bytes under load',
    )
    expect(items.get('performance.quotas')?.detail).toBe('2 checks passed (manifests): resource quota, limit range')
    // Readiness: the service answering /ready and the manifests probing it, both.
    expect(items.get('reliability.readiness')?.status).toBe('pass')
  })

  it.each(Object.values(MANIFEST_CHECKS))('fail on a failed %s check: exactly the items judged by it', (name) => {
    const failed = statuses(with_({ name, status: 'fail', detail: 'Deployment/eventcore-app: broken' }))
    const expected = Object.fromEntries(ITEMS.map((id) => [id, JUDGED_BY[id]?.includes(name) ? 'fail' : 'pass']))
    expect(failed).toEqual(expected)
    for (const [id, status] of Object.entries(failed)) {
      if (status === 'fail')
        expect(judged(with_({ name, status: 'fail', detail: 'x: broken' })).get(id)?.detail).toMatch(/broken/)
    }
  })

  it('fail the readiness item on failed probes, even with the service answering /ready', () => {
    const evidence: Evidence = {
      ...with_({ name: MANIFEST_CHECKS.probes, status: 'fail', detail: 'no startup probe' }),
      app: { ok: true, value: [{ name: 'GET /ready', status: 'pass', detail: 'HTTP 200' }] },
    }
    expect(statuses(evidence, ['reliability.readiness'])).toEqual({ 'reliability.readiness': 'fail' })
  })

  it('warn on a warning, skip what does not apply', () => {
    expect(
      statuses(with_({ name: MANIFEST_CHECKS.probes, status: 'warn', detail: 'liveness more aggressive' })),
    ).toMatchObject({ 'reliability.liveness': 'warn' })
    expect(
      statuses(with_({ name: MANIFEST_CHECKS.replicas, status: 'skip', detail: 'no Deployment in the rendering' })),
    ).toMatchObject({ 'reliability.replicas': 'skip' })
  })

  it('fail when the manifests could not be read', () => {
    const all = statuses({ ...nothing, manifests: { ok: false, error: 'cannot read rendered.yaml: ENOENT' } })
    expect(Object.values(all).every((status) => status === 'fail')).toBe(true)
  })
})
