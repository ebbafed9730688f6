// deploy/scripts/deployment-validation.sh against the real users service (its built main script)
// with --skip-kubectl: valid; and invalid, naming the step, when nothing listens, when auth is off
// (authInjectingProxy of @eventcore/service/testing), when /metrics is not Prometheus text, when the smoke test has no secret.
// Without --skip-kubectl it meets kubectl with an unreachable cluster (no cluster here): the rollout
// step fails and ends the run. Skipped, saying so, where curl, jq or kubectl is absent; in CI an
// absent binary fails instead.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mintToken } from '@eventcore/service'
import {
  authInjectingProxy,
  binariesRequired,
  type ChildService,
  freePort,
  hasBinary,
  spawnService,
  type TestServer,
} from '@eventcore/service/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { deployFile, REPO_ROOT } from './deploy-files.js'
import { type FakeKubectl, fakeKubectl, fakePod, hasKubectl, UNREACHABLE_KUBECONFIG } from './fake-kubectl.js'
import { runCommand } from './run-command.js'
import { USERS_MAIN_SCRIPT } from './users-traffic.js'

const SCRIPT = deployFile('scripts', 'deployment-validation.sh')
const SECRET = 'deployment-validation-tests-secret-0123456789'
const STEPS = ['health', 'readiness', 'metrics', 'database', 'smoke'] as const

const available = hasBinary('curl') && hasBinary('jq') && hasKubectl()
const required = binariesRequired()
if (!available && !required) {
  console.warn('skipping the deployment-validation.sh tests: curl, jq or kubectl is missing')
}

const which = (tool: string) => execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim()

describe.skipIf(!available && !required)('deploy/scripts/deployment-validation.sh', () => {
  let service: ChildService
  let proxy: TestServer
  let scratch: string
  let secretFile: string
  let kubeconfig: string

  /** Runs the script from the repository root with only PATH, HOME and `env`. */
  const validate = (args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
    runCommand(SCRIPT, args, { env: { PATH: process.env.PATH ?? '', HOME: scratch, ...env }, timeoutMs: 60_000 })

  beforeAll(async () => {
    if (!available) throw new Error('CI needs curl, jq and kubectl: apt-get install -y curl jq kubectl (see .ci/run)')
    scratch = mkdtempSync(join(tmpdir(), 'deployment-validation-'))
    secretFile = join(scratch, 'jwt-secret')
    writeFileSync(secretFile, SECRET, { mode: 0o600 })
    // A cluster that refuses at once: kubectl fails fast, with no real cluster to find.
    kubeconfig = join(scratch, 'kubeconfig')
    writeFileSync(kubeconfig, UNREACHABLE_KUBECONFIG)
    // Several smoke tests in a minute, each some 40 requests of one token subject: above the
    // default rate limit of 100 a minute.
    service = await spawnService(USERS_MAIN_SCRIPT, {
      EVENTCORE_JWT_SECRET: SECRET,
      EVENTCORE_DATA_DIR: 'memory://',
      EVENTCORE_RATE_LIMIT_MAX: '1000',
    })
    const token = await mintToken({
      secret: SECRET,
      sub: 'auth-off-proxy',
      roles: ['admin'],
      ttlSeconds: 600,
      now: new Date(),
    })
    proxy = await authInjectingProxy(service.url, token)
  }, 60_000)
  afterAll(async () => {
    await proxy?.close()
    await service?.kill()
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  })

  it('--help prints the steps, options and exit codes and exits 0', async () => {
    const run = await validate(['--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Usage: deployment-validation\.sh --url URL \[options\]/)
    for (const option of ['--url', '--metrics-url', '--skip-kubectl', '--cli', '--jwt-secret-file', '--dry-run']) {
      expect(run.stdout).toContain(option)
    }
    expect(run.stdout).toMatch(/^ {2}3 {2}a required tool/m)
  })

  it('is valid against the running service, every step passing', async () => {
    const run = await validate(['--skip-kubectl', '--url', service.url, '--jwt-secret-file', secretFile])
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/^⏭️ {2}rollout, pods ready: --skip-kubectl$/m)
    expect(run.stdout).toMatch(/^✅ health: GET http:\/\/127\.0\.0\.1:\d+\/health answered 200$/m)
    expect(run.stdout).toMatch(/^✅ readiness: GET http:\/\/127\.0\.0\.1:\d+\/ready answered 200$/m)
    expect(run.stdout).toMatch(
      /^✅ metrics: GET http:\/\/127\.0\.0\.1:\d+\/metrics answered 200, \d+ eventcore_\* metric families$/m,
    )
    expect(run.stdout).toMatch(/^✅ database: the service's \/ready database check passes/m)
    expect(run.stdout).toMatch(
      /^✅ smoke: eventcore-cli test smoke against http:\/\/127\.0\.0\.1:\d+ \(here\): \d+ checks passed$/m,
    )
    expect(run.stdout).not.toContain('❌')
    expect(run.stdout).toMatch(/\ndeployment valid\n$/)
    expect(run.code).toBe(0)
  }, 30_000)

  it('takes the URL from EVENTCORE_URL and options as --name=value', async () => {
    const run = await validate(['--skip-kubectl', `--jwt-secret-file=${secretFile}`, '--http-timeout=5'], {
      EVENTCORE_URL: `${service.url}/`,
    })
    expect(run.stdout).toMatch(/\ndeployment valid\n$/)
    expect(run.code).toBe(0)
  }, 30_000)

  it('fails naming every step when nothing listens at the URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`
    const run = await validate(['--skip-kubectl', '--url', url, '--jwt-secret-file', secretFile, '--http-timeout', '3'])
    expect(run.stdout).toMatch(
      /^❌ health: GET http:\/\/127\.0\.0\.1:\d+\/health: no answer \(limit 3s\): curl: \(7\)/m,
    )
    expect(run.stdout).toMatch(/^❌ database: eventcore-cli health-check app could not ask/m)
    expect(run.stdout).toMatch(/^❌ smoke: eventcore-cli test smoke against .* failed \(exit 2\):$/m)
    expect(run.stdout).not.toContain('✅')
    expect(run.stdout).toMatch(/\ndeployment invalid: health,readiness,metrics,database,smoke\n$/)
    expect(run.code).toBe(1)
    expect(run.elapsedMs).toBeLessThan(10_000)
  }, 30_000)

  it('fails naming the smoke step when auth is off: requests without a valid token are served', async () => {
    const run = await validate(['--skip-kubectl', '--url', proxy.url, '--jwt-secret-file', secretFile])
    for (const step of ['health', 'readiness', 'metrics', 'database'])
      expect(run.stdout).toMatch(new RegExp(`^✅ ${step}: `, 'm'))
    expect(run.stdout).toMatch(
      /^❌ smoke: eventcore-cli test smoke against http:\/\/127\.0\.0\.1:\d+ \(here\) failed \(exit 1\):$/m,
    )
    // The smoke test's own lines, indented under the step: each refusal that did not happen.
    expect(run.stdout).toMatch(/^ {5}❌ auth: no token gets 401 .*HTTP 200, expected HTTP 401$/m)
    expect(run.stdout).toMatch(/^ {5}❌ auth: a tampered token gets 401 /m)
    expect(run.stdout).toMatch(/^ {5}❌ auth: an expired token gets 401 /m)
    expect(run.stdout).toMatch(/^ {5}❌ authz: a token without the admin role cannot register \(403\) /m)
    expect(run.stdout).toMatch(/^ {5}✅ core: register /m)
    expect(run.stdout).toMatch(/\ndeployment invalid: smoke\n$/)
    expect(run.code).toBe(1)
  }, 30_000)

  it('fails naming the smoke step when it has no secret to mint tokens with', async () => {
    // memory://: no development secret of a service started in this checkout to fall back on.
    const run = await validate(['--skip-kubectl', '--url', service.url], { EVENTCORE_DATA_DIR: 'memory://' })
    expect(run.stdout).toMatch(/^ {5}❌ core: register, read, rename, deactivate a user — cannot run: no token/m)
    expect(run.stdout).toMatch(/\ndeployment invalid: smoke\n$/)
    expect(run.code).toBe(1)
  }, 30_000)

  it('fails naming the metrics step when the metrics URL answers 200 but not with Prometheus text', async () => {
    const run = await validate([
      '--skip-kubectl',
      '--url',
      service.url,
      '--metrics-url',
      `${service.url}/health`,
      '--jwt-secret-file',
      secretFile,
    ])
    expect(run.stdout).toMatch(
      /^❌ metrics: GET http:\/\/127\.0\.0\.1:\d+\/health answered 200, but as application\/json; charset=utf-8, not Prometheus text$/m,
    )
    expect(run.stdout).toMatch(/\ndeployment invalid: metrics\n$/)
    expect(run.code).toBe(1)
  }, 30_000)

  it('fails the rollout step cleanly when kubectl cannot reach the cluster, and runs nothing after it', async () => {
    const run = await validate(['--url', service.url, '--timeout', '5'], { KUBECONFIG: kubeconfig })
    expect(run.stdout).toMatch(
      /^❌ rollout: deployment\/eventcore-app in eventcore did not roll out \(kubectl rollout status, --timeout 5s\):$/m,
    )
    expect(run.stdout).toMatch(/^ {5}The connection to the server 127\.0\.0\.1:1 was refused/m)
    expect(run.stdout).toMatch(/^⏭️ {2}pods ready, health, readiness, metrics, database, smoke: not run/m)
    expect(run.stdout).toMatch(/\ndeployment invalid: rollout\n$/)
    expect(run.code).toBe(1)
    expect(run.elapsedMs).toBeLessThan(10_000)
  })

  it('--dry-run prints the kubectl, curl and eventcore-cli commands and runs none', async () => {
    // Nothing listens there and there is no cluster: a command run would fail.
    const url = `http://127.0.0.1:${await freePort()}`
    const run = await validate(['--dry-run', '--url', url, '--namespace', 'staging', '--timeout', '60'], {
      KUBECONFIG: kubeconfig,
    })
    expect(run.stderr).toBe('')
    expect(run.stdout.split('\n')).toEqual([
      'would run: kubectl rollout status deployment/eventcore-app --namespace staging --timeout=60s',
      'would run: kubectl get deployment eventcore-app --namespace staging --request-timeout=10s --output=json',
      'would run: kubectl get pods --namespace staging --selector app.kubernetes.io/name=eventcore,app.kubernetes.io/component=api --request-timeout=10s --output=json',
      ...['/health', '/ready', '/metrics'].map(
        (path) =>
          `would run: curl --silent --show-error --connect-timeout 10 --max-time 10 --write-out '\\n%{http_code} %{content_type}' -- ${url}${path}`,
      ),
      'would run: kubectl exec --namespace staging deployment/eventcore-app --container app -- eventcore-cli health-check database --timeout 10000',
      'would run: kubectl exec --namespace staging deployment/eventcore-app --container app -- eventcore-cli test smoke --url http://127.0.0.1:8080 --timeout 10000',
      'dry run: nothing was run',
      '',
    ])
    expect(run.code).toBe(0)

    const local = await validate([
      '--dry-run',
      '--skip-kubectl',
      '--url',
      url,
      '--cli',
      '/opt/eventcore-cli',
      '--jwt-secret-file',
      secretFile,
    ])
    expect(local.stdout).not.toContain('kubectl')
    expect(local.stdout).toContain(
      `would run: /opt/eventcore-cli health-check app --url ${url} --metrics-url ${url}/metrics --timeout 10000 --json\n`,
    )
    expect(local.stdout).toContain(
      `would run: /opt/eventcore-cli test smoke --url ${url} --timeout 10000 --jwt-secret-file ${secretFile}\n`,
    )
    expect(local.code).toBe(0)
  })

  describe('with a stand-in kubectl (fake-kubectl.ts: hand-made answers, no cluster)', () => {
    let kubectl: FakeKubectl | undefined
    afterEach(() => {
      kubectl?.remove()
      kubectl = undefined
    })
    const SELECTOR = 'app.kubernetes.io/name=eventcore,app.kubernetes.io/component=api'
    const withPods = (pods: readonly unknown[]) => {
      kubectl = fakeKubectl({
        deployment: { metadata: { name: 'eventcore-app' }, spec: { replicas: 3 } },
        replicaSets: { items: [] },
        pods: { items: pods },
      })
      return validate(['--url', service.url], { PATH: `${kubectl.bin}:${process.env.PATH ?? ''}` })
    }

    it.each([
      [
        [fakePod('app-a'), fakePod('app-b'), fakePod('app-c'), fakePod('app-old', { ready: false, deleting: true })],
        `✅ pods ready: 3/3 pods Ready (${SELECTOR})`,
      ],
      [
        [fakePod('app-a'), fakePod('app-b', { ready: false }), fakePod('app-c')],
        `❌ pods ready: 2/3 pods Ready (${SELECTOR}); not ready: app-b`,
      ],
      [
        [fakePod('app-a'), fakePod('app-b'), fakePod('app-c'), fakePod('other-d')],
        `❌ pods ready: 4 pods Ready for 3 replicas: does ${SELECTOR} match another workload's pods?`,
      ],
    ])(
      'counts Ready pods, not Running ones, against spec.replicas (%#)',
      async (pods, line) => {
        const run = await withPods(pods)
        expect(run.stdout).toMatch(/^✅ rollout: deployment\/eventcore-app in eventcore rolled out$/m)
        expect(run.stdout.split('\n')).toContain(line)
        expect(run.stdout).toMatch(/^✅ health: /m)
      },
      30_000,
    )

    it('runs the database and smoke steps in the pod with kubectl exec', async () => {
      const run = await withPods([fakePod('app-a'), fakePod('app-b'), fakePod('app-c')])
      // The stand-in refuses exec, printing what it was asked: the steps fail, naming the command.
      expect(run.stdout).toMatch(
        /^❌ database: eventcore-cli health-check database failed in deployment\/eventcore-app \(exit 1\):$/m,
      )
      expect(run.stdout).toMatch(
        /^❌ smoke: eventcore-cli test smoke against http:\/\/127\.0\.0\.1:8080 \(in deployment\/eventcore-app\) failed/m,
      )
      expect(run.stdout).toMatch(/\ndeployment invalid: database,smoke\n$/)
      expect(run.code).toBe(1)
      expect(kubectl?.calls()).toEqual([
        'rollout status deployment/eventcore-app --namespace eventcore --timeout=300s',
        'get deployment eventcore-app --namespace eventcore --request-timeout=10s --output=json',
        `get pods --namespace eventcore --selector ${SELECTOR} --request-timeout=10s --output=json`,
        'exec --namespace eventcore deployment/eventcore-app --container app -- eventcore-cli health-check database --timeout 10000',
        'exec --namespace eventcore deployment/eventcore-app --container app -- eventcore-cli test smoke --url http://127.0.0.1:8080 --timeout 10000',
      ])
    }, 30_000)
  })

  it.each([
    [['--bogus'], "unknown argument '--bogus'"],
    [[], '--url (or EVENTCORE_URL) is required'],
    [['--url', 'api.example.com'], "--url must be an http(s) URL, not 'api.example.com'"],
    [['--url'], '--url needs a value'],
    [['--url', 'http://x', '--timeout=0'], "--timeout must be a whole number of seconds above 0, not '0'"],
    [['--url', 'http://x', '--http-timeout', '2.5'], '--http-timeout must be a whole number of seconds'],
    [['--url', 'http://x', '--namespace', 'Prod_1'], "--namespace must be a Kubernetes name, not 'Prod_1'"],
    [
      ['--url', 'http://x', '--jwt-secret-file', '/no/such/file'],
      "--jwt-secret-file '/no/such/file' is not a readable file",
    ],
  ])('exits 2 with the usage on stderr for %j', async (args, message) => {
    const run = await validate(args)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain(`deployment-validation.sh: ${message}`)
    expect(run.stderr).toMatch(/^Usage: deployment-validation\.sh --url URL \[options\]/m)
    expect(run.code).toBe(2)
  })

  it.each([
    [['bash', 'jq', 'node'], ['--skip-kubectl'], 'curl'],
    [['bash', 'curl', 'jq'], ['--skip-kubectl'], 'node'],
    [['bash', 'curl', 'jq', 'node'], [], 'kubectl'],
    [['bash', 'node'], [], 'curl, jq, kubectl'],
  ])('exits 3 naming what is missing from a PATH of only %j (args %j)', async (tools, args, missing) => {
    const bin = mkdtempSync(join(tmpdir(), 'deployment-validation-path-'))
    try {
      for (const tool of tools) symlinkSync(which(tool), join(bin, tool))
      const run = await runCommand(SCRIPT, [...args, '--url', service.url], { env: { PATH: bin } })
      expect(run.stderr).toBe(`deployment-validation.sh: missing required tool(s): ${missing}\n`)
      expect(run.stdout).toBe('')
      expect(run.code).toBe(3)
    } finally {
      rmSync(bin, { recursive: true, force: true })
    }
  })

  it("runs this checkout's CLI with node when eventcore-cli is not on the PATH", async () => {
    const bin = mkdtempSync(join(tmpdir(), 'deployment-validation-path-'))
    try {
      for (const tool of ['bash', 'curl', 'jq', 'node']) symlinkSync(which(tool), join(bin, tool))
      const args = ['--skip-kubectl', '--url', service.url, '--jwt-secret-file', secretFile]
      const shown = await runCommand(SCRIPT, [...args, '--dry-run'], { env: { PATH: bin } })
      const cli = join(REPO_ROOT, 'packages', 'cli', 'bin', 'eventcore-cli.js')
      expect(shown.stdout).toContain(`would run: node ${cli} test smoke --url ${service.url}`)
      const run = await runCommand(SCRIPT, args, { env: { PATH: bin } })
      expect(run.stdout).toMatch(/\ndeployment valid\n$/)
      expect(run.code).toBe(0)
    } finally {
      rmSync(bin, { recursive: true, force: true })
    }
  }, 30_000)

  it('names every step in --help', async () => {
    const run = await validate(['--help'])
    for (const step of ['rollout', 'pods ready', ...STEPS]) expect(run.stdout).toMatch(new RegExp(`^ {2}${step} `, 'm'))
  })
})
