// The pieces the checks stand on: quantities, int-or-percent counts, image references, selectors,
// the environment a container gets, probe targets and the namespace an object lands in.
import { describe, expect, it } from 'vitest'
import { imageParts } from './container-checks.js'
import { parseManifests } from './kube-object.js'
import { containerEnv, probeTargets } from './policy.js'
import { parseQuantity } from './quantity.js'
import { renderingOf } from './rendering.js'
import { scaledCount } from './scaling.js'
import { selects } from './selectors.js'
import { edited, PASSING, plus } from './test-manifests.js'

describe('Kubernetes quantities', () => {
  it.each([
    ['500m', 0.5],
    ['1', 1],
    [2, 2],
    ['1.5', 1.5],
    ['256Mi', 256 * 2 ** 20],
    ['2Gi', 2 * 2 ** 30],
    ['1k', 1000],
    ['1M', 1e6],
    ['1G', 1e9],
    ['128974848', 128974848],
    ['129e6', 129e6],
    ['1E', 1e18],
  ] as const)('%s is %d', (quantity, value) => {
    expect(parseQuantity(quantity)).toBeCloseTo(value)
  })

  it.each(['', '1 Gi', 'Mi', '1gb', 'abc', '1.2.3'])('%j is none', (quantity) => {
    expect(parseQuantity(quantity)).toBeUndefined()
  })
})

describe('int-or-percent counts', () => {
  it('rounds as Kubernetes rounds each field', () => {
    expect(scaledCount('25%', 3, 'up')).toBe(1)
    expect(scaledCount('25%', 3, 'down')).toBe(0)
    expect(scaledCount('50%', 4, 'down')).toBe(2)
    expect(scaledCount(1, 3, 'down')).toBe(1)
    expect(scaledCount('one', 3, 'up')).toBeUndefined()
  })
})

describe('image references', () => {
  it('tells tags from registry ports and digests', () => {
    expect(imageParts('registry:5000/team/app')).toEqual({})
    expect(imageParts('registry:5000/team/app:1.2')).toEqual({ tag: '1.2' })
    expect(imageParts('app@sha256:abc')).toEqual({ digest: 'sha256:abc' })
    expect(imageParts('app:1.2@sha256:abc')).toEqual({ tag: '1.2', digest: 'sha256:abc' })
  })
})

describe('label selectors', () => {
  const labels = { app: 'eventcore', tier: 'api' }
  it('match labels and expressions; empty selects all, absent none', () => {
    expect(selects({ matchLabels: { app: 'eventcore' } }, labels)).toBe(true)
    expect(selects({ matchLabels: { app: 'other' } }, labels)).toBe(false)
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['api', 'web'] }] }, labels)).toBe(true)
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['api'] }] }, labels)).toBe(false)
    expect(selects({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true)
    expect(selects({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false)
    expect(selects({}, labels)).toBe(true)
    expect(selects(undefined, labels)).toBe(false)
  })
})

describe('containerEnv', () => {
  const objects = parseManifests(
    edited(PASSING, [
      '- { name: EVENTCORE_JWT_SECRET_FILE',
      [
        '- { name: EVENTCORE_LOG_LEVEL, value: warn }',
        '            - { name: EVENTCORE_HOST, valueFrom: { configMapKeyRef: { name: eventcore-config-7h2k9m, key: EVENTCORE_PORT } } }',
        '            - { name: EVENTCORE_JWT_SECRET_FILE',
      ].join('\n'),
    ]),
    'test.yaml',
  )

  it('is the envFrom ConfigMaps, then env, with ConfigMap keys resolved', () => {
    expect(containerEnv(objects, 'Deployment/eventcore-app', 'app')).toEqual({
      NODE_ENV: 'production',
      EVENTCORE_PORT: '8080',
      EVENTCORE_HOST: '8080',
      EVENTCORE_METRICS_PORT: '9464',
      EVENTCORE_SHUTDOWN_DRAIN_MS: '5000',
      EVENTCORE_SHUTDOWN_TIMEOUT_MS: '15000',
      EVENTCORE_LOG_LEVEL: 'warn',
      EVENTCORE_DATABASE_URL_FILE: '/var/run/secrets/eventcore/database-url',
      EVENTCORE_JWT_SECRET_FILE: '/var/run/secrets/eventcore/jwt-secret',
    })
  })

  it('lists variables from Secrets with no value', () => {
    const env = containerEnv(objects, 'CronJob/eventcore-backup', 'backup')
    expect(env).toMatchObject({ NODE_ENV: 'production', EVENTCORE_BACKUP_DIR: '/backups' })
    expect(env.EVENTCORE_DATABASE_URL).toBeUndefined()
    expect(Object.hasOwn(env, 'EVENTCORE_DATABASE_URL')).toBe(true)
  })

  it('refuses a workload or container the rendering does not have', () => {
    expect(() => containerEnv(objects, 'Deployment/eventcore-app', 'sidecar')).toThrow(
      'no container sidecar in Deployment/eventcore-app',
    )
  })
})

describe('probeTargets', () => {
  it('is every httpGet probe of the Deployments, each port resolved to its number', () => {
    expect(probeTargets(parseManifests(PASSING, 'test.yaml'))).toEqual([
      { workload: 'Deployment/eventcore-app', container: 'app', probe: 'readiness', path: '/ready', port: 8080 },
      { workload: 'Deployment/eventcore-app', container: 'app', probe: 'liveness', path: '/health', port: 8080 },
      { workload: 'Deployment/eventcore-app', container: 'app', probe: 'startup', path: '/health', port: 8080 },
    ])
  })
})

describe('namespaces', () => {
  const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: loose }'
  const namespaceOfLoose = (yaml: string) => {
    const rendering = renderingOf(parseManifests(yaml, 'test.yaml'))
    const loose = rendering.objects.find((object) => object.metadata.name === 'loose')
    return loose === undefined ? undefined : rendering.namespaceOf(loose)
  }

  it("are the rendering's only Namespace for objects without one, else default", () => {
    expect(namespaceOfLoose(plus(PASSING, configMap))).toBe('eventcore')
    expect(namespaceOfLoose(configMap)).toBe('default')
    expect(namespaceOfLoose(plus(PASSING, configMap, 'apiVersion: v1\nkind: Namespace\nmetadata: { name: two }'))).toBe(
      'default',
    )
  })
})
