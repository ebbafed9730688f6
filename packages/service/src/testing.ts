/**
 * `@eventcore/service/testing`: for tests of a built service, its main script as a child process,
 * the way `npm start` and a container run it.
 *
 * @example
 * import { spawnService } from '@eventcore/service/testing'
 *
 * const service = await spawnService('dist/main.js', { EVENTCORE_DATA_DIR: 'memory://' })
 * const health = await fetch(`${service.url}/health`)
 * await service.kill()
 *
 * @module
 */

export {
  type AlertmanagerAlert,
  alertmanagerBinary,
  startAlertmanager,
  type TestAlertmanager,
} from './testing/alertmanager.js'
export {
  assertBuilt,
  type ChildService,
  type Exit,
  type FinishedRun,
  runToExit,
  spawnService,
} from './testing/child-service.js'
export { type ParsedLogLine, parseLogLine } from './testing/log-lines.js'
export { authInjectingProxy, listenOnLoopback, type TestServer } from './testing/loopback-server.js'
export {
  binariesRequired,
  freePort,
  hasBinary,
  hasPrometheus,
  type PrometheusAlert,
  type PrometheusOptions,
  type PrometheusSample,
  startPrometheus,
  type TestPrometheus,
} from './testing/prometheus.js'
