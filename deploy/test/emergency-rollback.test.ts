// deploy/scripts/emergency-rollback.sh. A real rollback needs a cluster, and there is none here:
// the paths that talk to one run against a stand-in kubectl (fake-kubectl.ts) that answers with
// the hand-made Deployment and ReplicaSets below and records what it was asked to do. So these
// tests check which revision the script picks, which commands it runs and how it reports them;
// not how a real API server behaves. Skipped, saying so, where jq is absent; in CI it fails instead.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { binariesRequired, freePort, hasBinary } from '@eventcore/service/testing'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { deployFile } from './deploy-files.js'
import {
  type FakeCluster,
  type FakeKubectl,
  fakeKubectl,
  fakePod,
  hasKubectl,
  UNREACHABLE_KUBECONFIG,
} from './fake-kubectl.js'
import { runCommand } from './run-command.js'

const SCRIPT = deployFile('scripts', 'emergency-rollback.sh')
const VALIDATION = deployFile('scripts', 'deployment-validation.sh')

const available = hasBinary('jq') && hasBinary('curl') && hasKubectl()
const required = binariesRequired()
if (!available && !required) console.warn('skipping the emergency-rollback.sh tests: jq, curl or kubectl is missing')

const REVISION = 'deployment.kubernetes.io/revision'
const UID = '6f1c2a9e-0000-4000-8000-000000000001'

/** A ReplicaSet as the Deployment controller leaves it (hand-made: only the fields the script reads). */
const replicaSet = (name: string, revision: string | undefined, image: string, ownerUid = UID) => ({
  metadata: {
    name,
    annotations: revision === undefined ? {} : { [REVISION]: revision },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'eventcore-app', uid: ownerUid, controller: true },
    ],
  },
  spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
})

/**
 * Hand-made history (not recorded from a cluster): eventcore-app is at revision 5; revisions 2 and
 * 4 are gone (a rollback renumbers the revision it returns to; revisionHistoryLimit prunes), so the
 * checklist's "current - 1" is 4, which this Deployment does not have, while another Deployment's
 * ReplicaSet in the namespace does. The previous revision is 3.
 */
const HISTORY: FakeCluster = {
  deployment: {
    metadata: { name: 'eventcore-app', uid: UID, annotations: { [REVISION]: '5' } },
    spec: { replicas: 3 },
  },
  replicaSets: {
    items: [
      replicaSet('eventcore-app-5d8f7c9b4', '5', 'ghcr.io/eventcore/users-service:0.1.3'),
      replicaSet('eventcore-app-7c6b5a4d3', '1', 'ghcr.io/eventcore/users-service:0.1.0'),
      replicaSet('eventcore-app-84f9d6c7b', '3', 'ghcr.io/eventcore/users-service:0.1.2'),
      replicaSet('eventcore-worker-6d5c4b3a2', '4', 'ghcr.io/eventcore/worker:0.1.2', 'another-deployment-uid'),
      replicaSet('hand-made-replicaset', undefined, 'busybox:1.36'),
    ],
  },
}

const GET_DEPLOYMENT = 'get deployment eventcore-app --namespace eventcore --request-timeout=30s --output=json'
const GET_REPLICASETS = 'get replicasets --namespace eventcore --request-timeout=30s --output=json'
const STATUS = 'rollout status deployment/eventcore-app --namespace eventcore --timeout=300s'

describe.skipIf(!available && !required)('deploy/scripts/emergency-rollback.sh', () => {
  let kubectl: FakeKubectl | undefined
  beforeAll(() => {
    if (!available) throw new Error('CI needs jq, curl and kubectl (see .ci/run)')
  })
  afterEach(() => {
    kubectl?.remove()
    kubectl = undefined
  })

  /** Runs the script with the stand-in kubectl first on the PATH. */
  const rollback = (args: readonly string[], cluster: FakeCluster = HISTORY) => {
    kubectl = fakeKubectl(cluster)
    return runCommand(SCRIPT, args, { env: { PATH: `${kubectl.bin}:${process.env.PATH ?? ''}` }, timeoutMs: 30_000 })
  }

  it('--help prints the steps, options and exit codes and exits 0', async () => {
    const run = await rollback(['--help'])
    expect(run.stdout).toMatch(/^Usage: emergency-rollback\.sh --yes \[options\]/)
    for (const option of ['--to-revision', '--timeout', '--url', '--yes', '--dry-run'])
      expect(run.stdout).toContain(option)
    expect(run.stdout).toMatch(/^ {2}4 {2}nothing to roll back to/m)
    expect(run.code).toBe(0)
  })

  it('refuses to act without --yes, asking nothing of the cluster', async () => {
    const run = await rollback([])
    expect(run.stderr).toMatch(
      /^emergency-rollback\.sh: refusing to roll back deployment\/eventcore-app in eventcore without --yes/,
    )
    expect(run.stdout).toBe('')
    expect(run.code).toBe(2)
    expect(kubectl?.calls()).toEqual([])
  })

  it.each([
    [['--yes', '--bogus'], "unknown argument '--bogus'"],
    [['--yes', '--to-revision', 'previous'], "--to-revision must be a whole number above 0, not 'previous'"],
    [['--yes', '--to-revision=0'], "--to-revision must be a whole number above 0, not '0'"],
    [['--yes', '--timeout'], '--timeout needs a value'],
    [['--yes', '--deployment', 'EventCore'], "--deployment must be a Kubernetes name, not 'EventCore'"],
    [['--yes', '--url', 'eventcore.example.com'], '--url must be an http(s) URL'],
    [
      ['--yes', '--metrics-url', 'http://127.0.0.1:9464/metrics'],
      '--metrics-url and --jwt-secret-file are for the verification: give --url too',
    ],
  ])('exits 2 with the usage on stderr for %j', async (args, message) => {
    const run = await rollback(args)
    expect(run.stderr).toContain(`emergency-rollback.sh: ${message}`)
    expect(run.stderr).toMatch(/^Usage: emergency-rollback\.sh --yes \[options\]/m)
    expect(run.code).toBe(2)
    expect(kubectl?.calls()).toEqual([])
  })

  it('--dry-run prints every command, undo without --to-revision (the previous revision), and runs none', async () => {
    const run = await rollback(['--dry-run', '--namespace', 'staging', '--timeout=60'])
    expect(run.stdout.split('\n')).toEqual([
      'would run: kubectl get deployment eventcore-app --namespace staging --request-timeout=30s --output=json',
      'would run: kubectl get replicasets --namespace staging --request-timeout=30s --output=json',
      'would run: kubectl rollout undo deployment/eventcore-app --namespace staging',
      'would run: kubectl rollout status deployment/eventcore-app --namespace staging --timeout=60s',
      'dry run: nothing was run',
      '',
    ])
    expect(run.code).toBe(0)
    expect(kubectl?.calls()).toEqual([])
  })

  it('--dry-run with --to-revision and --url prints the undo to it and the verification', async () => {
    const run = await rollback(['--dry-run', '--to-revision', '3', '--url', 'https://api.example.com'])
    expect(run.stdout).toContain(
      'would run: kubectl rollout undo deployment/eventcore-app --namespace eventcore --to-revision=3\n',
    )
    expect(run.stdout).toContain(
      `would run: ${VALIDATION} --namespace eventcore --deployment eventcore-app --url https://api.example.com --timeout 300\n`,
    )
    expect(run.code).toBe(0)
    expect(kubectl?.calls()).toEqual([])
  })

  it("rolls back to the highest revision below the current one among the Deployment's own ReplicaSets", async () => {
    const run = await rollback(['--yes'])
    expect(run.stderr).toBe('')
    expect(run.stdout.split('\n')).toEqual([
      'rolling back deployment/eventcore-app in eventcore from revision 5 (ghcr.io/eventcore/users-service:0.1.3) to revision 3 (ghcr.io/eventcore/users-service:0.1.2)',
      '✅ undo: deployment.apps/eventcore-app rolled back',
      '✅ rollout: deployment "eventcore-app" successfully rolled out',
      '⚠️  verification: none (give --url to run deployment-validation.sh)',
      'rolled back deployment/eventcore-app to revision 3',
      '',
    ])
    expect(run.code).toBe(0)
    expect(kubectl?.calls()).toEqual([
      GET_DEPLOYMENT,
      GET_REPLICASETS,
      'rollout undo deployment/eventcore-app --namespace eventcore --to-revision=3',
      STATUS,
    ])
  })

  it('rolls back to --to-revision when the Deployment has it', async () => {
    const run = await rollback(['--yes', '--to-revision=1'])
    expect(run.stdout).toMatch(/to revision 1 \(ghcr\.io\/eventcore\/users-service:0\.1\.0\)$/m)
    expect(run.code).toBe(0)
    expect(kubectl?.calls()).toContain('rollout undo deployment/eventcore-app --namespace eventcore --to-revision=1')
  })

  it.each([
    [['--to-revision', '4'], "revision 4 is not in deployment/eventcore-app's history (revisions: 1, 3, 5)"],
    [['--to-revision', '5'], "revision 5 is deployment/eventcore-app's current revision: nothing to roll back to"],
  ])('exits 4 for %j, undoing nothing', async (args, message) => {
    const run = await rollback(['--yes', ...args])
    expect(run.stderr).toBe(`emergency-rollback.sh: ${message}\n`)
    expect(run.code).toBe(4)
    expect(kubectl?.calls()).toEqual([GET_DEPLOYMENT, GET_REPLICASETS])
  })

  it('exits 4 when the Deployment has no revision before its current one', async () => {
    const run = await rollback(['--yes'], {
      ...HISTORY,
      replicaSets: { items: [replicaSet('eventcore-app-5d8f7c9b4', '5', 'ghcr.io/eventcore/users-service:0.1.3')] },
    })
    expect(run.stderr).toBe(
      'emergency-rollback.sh: deployment/eventcore-app has no revision before its current one (5; revisions: 5): nothing to roll back to\n',
    )
    expect(run.code).toBe(4)
  })

  it('exits 1 for a paused Deployment before undoing anything', async () => {
    const deployment = { ...(HISTORY.deployment as object), spec: { replicas: 3, paused: true } }
    const run = await rollback(['--yes'], { ...HISTORY, deployment })
    expect(run.stderr).toMatch(/deployment\/eventcore-app is paused: resume it first \(kubectl rollout resume/)
    expect(run.code).toBe(1)
    expect(kubectl?.calls()).toEqual([GET_DEPLOYMENT])
  })

  it('exits 1 naming the step when the undo or its rollout fails', async () => {
    const undo = await rollback(['--yes'], { ...HISTORY, undoExit: 1 })
    expect(undo.stdout).toMatch(
      /^❌ undo: kubectl rollout undo --to-revision=3 failed:\n {5}error: fake undo failure$/m,
    )
    expect(undo.stdout).toMatch(/\nrollback failed: undo\n$/)
    expect(undo.code).toBe(1)
    expect(kubectl?.calls()).not.toContain(STATUS)
    kubectl?.remove()

    const status = await rollback(['--yes'], { ...HISTORY, statusExit: 1 })
    expect(status.stdout).toMatch(
      /^❌ rollout: deployment\/eventcore-app did not roll out \(kubectl rollout status, --timeout 300s\):$/m,
    )
    expect(status.stdout).toMatch(/^ {5}error: timed out waiting for the condition$/m)
    expect(status.stdout).toMatch(/\nrollback failed: rollout\n$/)
    expect(status.code).toBe(1)
  })

  it('with --url, runs deployment-validation.sh after the rollout and exits 1 when it finds the deployment invalid', async () => {
    const url = `http://127.0.0.1:${await freePort()}` // nothing listens: the service did not come back
    const pods = {
      items: [
        fakePod('eventcore-app-84f9d6c7b-a'),
        fakePod('eventcore-app-84f9d6c7b-b'),
        fakePod('eventcore-app-84f9d6c7b-c'),
        fakePod('eventcore-app-5d8f7c9b4-x', { ready: false, deleting: true }), // the bad revision's, terminating
      ],
    }
    const run = await rollback(['--yes', '--url', url, '--timeout', '60'], { ...HISTORY, pods })
    expect(run.stdout).toMatch(/^verifying with deployment-validation\.sh:$/m)
    expect(run.stdout).toMatch(/^✅ rollout: deployment\/eventcore-app in eventcore rolled out$/m)
    expect(run.stdout).toMatch(/^✅ pods ready: 3\/3 pods Ready /m)
    expect(run.stdout).toMatch(/^❌ health: GET http:\/\/127\.0\.0\.1:\d+\/health: no answer/m)
    expect(run.stdout).toMatch(/^❌ database: eventcore-cli health-check database failed in deployment\/eventcore-app/m)
    expect(run.stdout).toMatch(/\nrollback done, verification failed \(deployment-validation\.sh exit 1\)\n$/)
    expect(run.code).toBe(1)
  })

  it('exits 1 at once when the real kubectl cannot reach the cluster, having changed nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emergency-rollback-kube-'))
    try {
      writeFileSync(join(dir, 'kubeconfig'), UNREACHABLE_KUBECONFIG)
      const run = await runCommand(SCRIPT, ['--yes'], {
        env: { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: join(dir, 'kubeconfig') },
      })
      expect(run.stderr).toMatch(/^emergency-rollback\.sh: cannot read deployment\/eventcore-app in eventcore:$/m)
      expect(run.stderr).toMatch(/The connection to the server 127\.0\.0\.1:1 was refused/)
      expect(run.stdout).toBe('')
      expect(run.code).toBe(1)
      expect(run.elapsedMs).toBeLessThan(10_000)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('exits 3 naming jq when it is not on the PATH', async () => {
    kubectl = fakeKubectl(HISTORY)
    const bash = execFileSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim()
    const bin = mkdtempSync(join(tmpdir(), 'emergency-rollback-path-'))
    try {
      symlinkSync(bash, join(bin, 'bash'))
      const run = await runCommand(SCRIPT, ['--yes'], { env: { PATH: `${kubectl.bin}:${bin}` } })
      expect(run.stderr).toBe('emergency-rollback.sh: missing required tool(s): jq\n')
      expect(run.code).toBe(3)
      expect(kubectl.calls()).toEqual([])
    } finally {
      rmSync(bin, { recursive: true, force: true })
    }
  })
})
