// Test support: a stand-in for kubectl, for the scripts' paths that need a cluster (there is none
// here). A bash script that records its arguments and answers `get deployment`, `get replicasets`
// and `get pods` with the JSON it was given (hand-made, not recorded from a cluster), `rollout
// undo` and `rollout status` with kubectl's success lines (or a failure), and refuses `exec`.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** What the stand-in answers. */
export interface FakeCluster {
  readonly deployment: unknown
  readonly replicaSets: unknown
  readonly pods?: unknown
  /** `rollout undo` exits with this. @default 0 */
  readonly undoExit?: number
  /** `rollout status` exits with this. @default 0 */
  readonly statusExit?: number
}

/** A stand-in kubectl on disk. */
export interface FakeKubectl {
  /** A directory holding only `kubectl`: put it first on the PATH. */
  readonly bin: string
  /** Every call's arguments, one string each, in order. */
  calls(): readonly string[]
  remove(): void
}

const STUB = `#!/usr/bin/env bash
# A stand-in for kubectl (tests only): records its arguments, answers from files beside it.
set -euo pipefail
dir=\${BASH_SOURCE[0]%/*}
printf '%s\\n' "$*" >>"$dir/calls"
name=\${3#deployment/}
case "$1 $2" in
'get deployment') cat "$dir/deployment.json" ;;
'get replicasets') cat "$dir/replicasets.json" ;;
'get pods') cat "$dir/pods.json" ;;
'rollout undo')
  code=$(cat "$dir/undo.exit")
  if [[ $code == 0 ]]; then echo "deployment.apps/$name rolled back"; else echo "error: fake undo failure" >&2; fi
  exit "$code"
  ;;
'rollout status')
  code=$(cat "$dir/status.exit")
  echo "Waiting for deployment \\"$name\\" rollout to finish: 2 of 3 updated replicas are available..."
  if [[ $code == 0 ]]; then echo "deployment \\"$name\\" successfully rolled out"; else echo "error: timed out waiting for the condition" >&2; fi
  exit "$code"
  ;;
*)
  echo "fake kubectl: not faked: $*" >&2
  exit 1
  ;;
esac
`

/** Writes the stand-in into a new temporary directory. */
export function fakeKubectl(cluster: FakeCluster): FakeKubectl {
  const bin = mkdtempSync(join(tmpdir(), 'fake-kubectl-'))
  writeFileSync(join(bin, 'deployment.json'), JSON.stringify(cluster.deployment))
  writeFileSync(join(bin, 'replicasets.json'), JSON.stringify(cluster.replicaSets))
  writeFileSync(join(bin, 'pods.json'), JSON.stringify(cluster.pods ?? { items: [] }))
  writeFileSync(join(bin, 'undo.exit'), String(cluster.undoExit ?? 0))
  writeFileSync(join(bin, 'status.exit'), String(cluster.statusExit ?? 0))
  writeFileSync(join(bin, 'calls'), '')
  writeFileSync(join(bin, 'kubectl'), STUB)
  chmodSync(join(bin, 'kubectl'), 0o755)
  return {
    bin,
    calls: () => readFileSync(join(bin, 'calls'), 'utf8').split('\n').filter(Boolean),
    remove: () => rmSync(bin, { recursive: true, force: true }),
  }
}

/** A pod as `kubectl get pods -o json` lists it (hand-made: the fields the scripts read). */
export const fakePod = (name: string, { ready = true, deleting = false } = {}) => ({
  metadata: { name, ...(deleting ? { deletionTimestamp: '2026-12-02T17:00:00Z' } : {}) },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
})

/** True when the real kubectl runs: it has no `--version` (what `hasBinary` asks) but `version --client`. */
export function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** A kubeconfig whose cluster refuses at once (127.0.0.1:1): the real kubectl fails fast. */
export const UNREACHABLE_KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters: [{name: none, cluster: {server: "https://127.0.0.1:1"}}]',
  'users: [{name: none, user: {token: not-a-token}}]',
  'contexts: [{name: none, context: {cluster: none, user: none}}]',
  'current-context: none',
  '',
].join('\n')
