// The production overlay's probes and scrape target, checked against the real users service: the
// built service runs with the environment the Deployment gives its container (ConfigMap and env),
// and every probe's path, on the port it names, answers 200, as does the ServiceMonitor's path on
// the metrics port; on SIGTERM it drains and exits within the pod's grace period. What cannot run
// here is replaced, and only that: the secrets (a test JWT secret file; no database URL but an
// embedded PGlite in a temporary directory; no Redis), the address (127.0.0.1, not 0.0.0.0) and the
// port numbers (the manifests' 8080 and 9464 may be taken on this machine: each is mapped to a free
// port, and the mapping is asserted). Needs kubectl (or kustomize) as k8s-manifests.test.ts does,
// and the build (npx tsc -b).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { containerEnv, type KubeObject, probeTargets } from '@eventcore/cli'
import { assertBuilt, type ChildService, freePort, runToExit, spawnService } from '@eventcore/service/testing'
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import type { IJob } from 'kubernetes-models/batch/v1/Job'
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap'
import type { IContainer } from 'kubernetes-models/v1/Container'
import type { IService } from 'kubernetes-models/v1/Service'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployFile, REPO_ROOT } from './deploy-files.js'
import { kustomize, rendererAvailability } from './kustomize.js'
import { runCommand } from './run-command.js'
import { USERS_MAIN_SCRIPT } from './users-traffic.js'

const JWT_SECRET = 'k8s-probes-test-secret-0123456789abcdef'
// Creating the embedded database and starting on it take seconds; more on a busy CI machine.
const STARTUP_TIMEOUT_MS = 60_000

function one<T>(objects: readonly KubeObject[], kind: string, name: string): T {
  const found = objects.filter((object) => object.kind === kind && object.metadata.name === name)
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length}`)
  return found[0] as unknown as T
}

function container(spec: { containers: IContainer[] } | undefined, name: string): IContainer {
  const found = spec?.containers.find((candidate) => candidate.name === name)
  if (found === undefined) throw new Error(`no container ${name}`)
  return found
}

/**
 * A container's environment as the kubelet builds it: each `envFrom` ConfigMap in order, then `env`
 * (a variable from a secret or a field has no literal value: undefined).
 */
function resolveEnv(objects: readonly KubeObject[], of: IContainer): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {}
  for (const source of of.envFrom ?? []) {
    const name = source.configMapRef?.name
    if (name === undefined) throw new Error(`${of.name}: only ConfigMaps are expected in envFrom`)
    Object.assign(env, one<IConfigMap>(objects, 'ConfigMap', name).data)
  }
  for (const variable of of.env ?? []) env[variable.name] = variable.value
  return env
}

/** A named port of a container → its number. */
function portNumber(of: IContainer, port: string | number): number {
  if (typeof port === 'number') return port
  const found = of.ports?.find((candidate) => candidate.name === port)?.containerPort
  if (found === undefined) throw new Error(`${of.name} has no port named ${port}`)
  return found
}

const availability = rendererAvailability()

describe.skipIf(availability.skip)('deploy/k8s/overlays/production against the running users service', () => {
  let objects: KubeObject[] = []
  let app: IContainer
  let manifestEnv: Record<string, string | undefined> = {}
  let dir = ''
  /** The manifests' port numbers → the free ports used here instead. */
  const mapped = new Map<number, number>()
  let service: ChildService | undefined

  /** What a container of the manifests gets, with the substitutions this machine needs. */
  const runnableEnv = (env: Readonly<Record<string, string | undefined>>): Record<string, string> => {
    const runnable: Record<string, string> = {}
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) throw new Error(`${name} has no literal value in the manifest`)
      runnable[name] = value
    }
    delete runnable.EVENTCORE_DATABASE_URL_FILE
    delete runnable.EVENTCORE_REDIS_URL_FILE
    if ('EVENTCORE_JWT_SECRET_FILE' in runnable) runnable.EVENTCORE_JWT_SECRET_FILE = join(dir, 'jwt-secret')
    runnable.EVENTCORE_DATA_DIR = join(dir, 'data')
    runnable.EVENTCORE_HOST = '127.0.0.1'
    for (const name of ['EVENTCORE_PORT', 'EVENTCORE_METRICS_PORT']) {
      const port = mapped.get(Number(runnable[name]))
      if (port !== undefined) runnable[name] = String(port)
    }
    return runnable
  }

  beforeAll(async () => {
    assertBuilt(USERS_MAIN_SCRIPT)
    objects = await kustomize(availability.requireRenderer(), deployFile('k8s', 'overlays', 'production'))
    app = container(one<IDeployment>(objects, 'Deployment', 'eventcore-app').spec?.template.spec, 'app')
    manifestEnv = resolveEnv(objects, app)
    for (const port of app.ports ?? []) mapped.set(port.containerPort, await freePort())
    dir = mkdtempSync(join(tmpdir(), 'eventcore-k8s-probes-'))
    writeFileSync(join(dir, 'jwt-secret'), `${JWT_SECRET}\n`, { mode: 0o600 })
  })

  afterAll(async () => {
    await service?.kill()
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
  })

  it("reads the container's environment and probes as the manifest policy does", () => {
    expect(containerEnv(objects, 'Deployment/eventcore-app', 'app')).toEqual(manifestEnv)
    const probes = [
      ['startup', app.startupProbe],
      ['readiness', app.readinessProbe],
      ['liveness', app.livenessProbe],
    ] as const
    expect([...probeTargets(objects)].sort((a, b) => a.probe.localeCompare(b.probe))).toEqual(
      probes
        .map(([probe, spec]) => ({
          workload: 'Deployment/eventcore-app',
          container: 'app',
          probe,
          path: spec?.httpGet?.path,
          port: portNumber(app, spec?.httpGet?.port ?? -1),
        }))
        .sort((a, b) => a.probe.localeCompare(b.probe)),
    )
  })

  it(
    'refuses to start on an unmigrated database (EVENTCORE_DATABASE_MIGRATE=false), naming the migration',
    async () => {
      expect(manifestEnv.EVENTCORE_DATABASE_MIGRATE).toBe('false')
      // The first start creates the embedded database, then stops: the schema is the Job's to migrate.
      const run = await runToExit(USERS_MAIN_SCRIPT, runnableEnv(manifestEnv))
      expect(run.code).toBe(1)
      expect(run.stderr).toContain('eventcore-cli migrate')
    },
    STARTUP_TIMEOUT_MS,
  )

  it(
    "migrates with the migration Job's command and environment",
    async () => {
      const job = one<IJob>(objects, 'Job', 'eventcore-migrate')
      const migrate = container(job.spec?.template.spec, 'migrate')
      const [program, ...args] = migrate.command ?? []
      expect(program).toBe('node')
      // The image's WORKDIR is /app, laid out as this checkout is.
      const run = await runCommand(process.execPath, args, {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', ...runnableEnv(resolveEnv(objects, migrate)) },
      })
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/users service: schema \w+ on .* is migrated/)
    },
    STARTUP_TIMEOUT_MS,
  )

  it(
    'listens on the ports EVENTCORE_PORT and EVENTCORE_METRICS_PORT name, which are the container ports',
    async () => {
      const ports = new Map(app.ports?.map((port) => [port.name, port.containerPort]))
      expect(Number(manifestEnv.EVENTCORE_PORT)).toBe(ports.get('http'))
      expect(Number(manifestEnv.EVENTCORE_METRICS_PORT)).toBe(ports.get('metrics'))
      const env = runnableEnv(manifestEnv)
      service = await spawnService(USERS_MAIN_SCRIPT, env)
      expect(new URL(service.url).port).toBe(env.EVENTCORE_PORT)
      expect(env.EVENTCORE_PORT).toBe(String(mapped.get(ports.get('http') ?? -1)))
    },
    STARTUP_TIMEOUT_MS,
  )

  it.each(['startupProbe', 'readinessProbe', 'livenessProbe'] as const)(
    '%s: GET its path on its port answers 200 (plain HTTP, with HTTPS enforced)',
    async (probe) => {
      if (service === undefined) throw new Error('the service did not start')
      const target = app[probe]?.httpGet
      if (target === undefined) throw new Error(`${probe} is not an httpGet probe`)
      const port = mapped.get(portNumber(app, target.port))
      const response = await fetch(`http://127.0.0.1:${port}${target.path}`)
      expect(response.status, await response.text()).toBe(200)
    },
  )

  it("serves the ServiceMonitor's path on the metrics port, in Prometheus text, and not on the API port", async () => {
    if (service === undefined) throw new Error('the service did not start')
    const monitor = one<IServiceMonitor>(objects, 'ServiceMonitor', 'eventcore-app')
    const endpoint = monitor.spec.endpoints?.[0]
    const servicePort = one<IService>(objects, 'Service', 'eventcore-app').spec?.ports?.find(
      (port) => port.name === endpoint?.port,
    )
    const port = mapped.get(portNumber(app, servicePort?.targetPort ?? -1))
    expect(port).toBe(mapped.get(9464))
    const response = await fetch(`http://127.0.0.1:${port}${endpoint?.path ?? ''}`)
    const body = await response.text()
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(body).toMatch(/^# TYPE eventcore_\w+ /m)
    const onApi = await fetch(`http://127.0.0.1:${mapped.get(8080)}${endpoint?.path ?? ''}`)
    expect(onApi.status).not.toBe(200)
  })

  it('on SIGTERM turns not ready at once, keeps serving through the drain, and exits 0 within the grace period', async () => {
    if (service === undefined) throw new Error('the service did not start')
    const grace = one<IDeployment>(objects, 'Deployment', 'eventcore-app').spec?.template.spec
      ?.terminationGracePeriodSeconds
    const drainMs = Number(manifestEnv.EVENTCORE_SHUTDOWN_DRAIN_MS)
    const ready = `http://127.0.0.1:${mapped.get(portNumber(app, app.readinessProbe?.httpGet?.port ?? -1))}${app.readinessProbe?.httpGet?.path}`
    const health = `http://127.0.0.1:${mapped.get(portNumber(app, app.livenessProbe?.httpGet?.port ?? -1))}${app.livenessProbe?.httpGet?.path}`
    const started = Date.now()
    expect(service.signal('SIGTERM')).toBe(true)
    // What the kubelet sees during the drain: readiness fails (endpoints drop the pod), liveness holds.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect((await fetch(ready)).status).toBe(503)
    expect((await fetch(health)).status).toBe(200)
    const exit = await service.exited
    const elapsedMs = Date.now() - started
    expect(exit).toEqual({ code: 0, signal: null })
    expect(elapsedMs).toBeGreaterThanOrEqual(drainMs)
    expect(elapsedMs).toBeLessThan((grace ?? 30) * 1000)
  }, 40_000)
})
