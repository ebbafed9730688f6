/**
 * `@eventcore/cli`: the `eventcore-cli` binary (`npx eventcore-cli --help`), and the same program
 * to run in-process.
 *
 * @example
 * import { runCli } from '@eventcore/cli'
 *
 * const code = await runCli(['health-check', 'app', '--url', 'http://127.0.0.1:8080', '--json'])
 *
 * @module
 */
export type { CheckResult, CheckStatus, Figure } from './checks.js'
export { EXIT, type ExitCode } from './exit-code.js'
export type { CliIo } from './io.js'
export { type KubeObject, parseManifests } from './manifests/kube-object.js'
export {
  checkManifests,
  containerEnv,
  MANIFEST_CHECKS,
  type ManifestPolicyOptions,
  type ProbeTarget,
  probeTargets,
} from './manifests/policy.js'
export { runCli } from './run-cli.js'
