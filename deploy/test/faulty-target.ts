// Test support: a scrape target that looks like an EventCore service in trouble, for what the real
// users service cannot be made to do on demand. Every scrape of /metrics adds 10 commands: 6
// succeed, 3 time out (faults) and 1 is a business-rule rejection (not a fault), each taking
// between 1 and 2.5 s; its connection pool is 9 of 10 busy.
import { createServer } from 'node:http'
import { listenOnLoopback, type TestServer } from '@eventcore/service/testing'

/** A running faulty target, to scrape at `<url>/metrics`. */
export type FaultyTarget = TestServer

/** What every scrape adds, and so the ratios Prometheus' rates converge to. */
export const FAULTY_PER_SCRAPE = { success: 6, timeout: 3, rejected: 1 } as const

function exposition(scrapes: number): string {
  const { success, timeout, rejected } = FAULTY_PER_SCRAPE
  const all = (success + timeout + rejected) * scrapes
  const c = 'command="pay"'
  return [
    '# TYPE eventcore_commands_total counter',
    `eventcore_commands_total{${c},outcome="success"} ${success * scrapes}`,
    `eventcore_commands_total{${c},outcome="timeout"} ${timeout * scrapes}`,
    `eventcore_commands_total{${c},outcome="business-rule"} ${rejected * scrapes}`,
    '# TYPE eventcore_command_errors_total counter',
    `eventcore_command_errors_total{${c},kind="timeout"} ${timeout * scrapes}`,
    `eventcore_command_errors_total{${c},kind="business-rule"} ${rejected * scrapes}`,
    '# TYPE eventcore_command_duration_seconds histogram',
    `eventcore_command_duration_seconds_bucket{${c},le="1"} 0`,
    `eventcore_command_duration_seconds_bucket{${c},le="2.5"} ${all}`,
    `eventcore_command_duration_seconds_bucket{${c},le="+Inf"} ${all}`,
    `eventcore_command_duration_seconds_sum{${c}} ${2 * all}`,
    `eventcore_command_duration_seconds_count{${c}} ${all}`,
    '# TYPE eventcore_connection_pool_size gauge',
    'eventcore_connection_pool_size 10',
    '# TYPE eventcore_connection_pool_idle gauge',
    'eventcore_connection_pool_idle 1',
    '# TYPE eventcore_connection_pool_max_size gauge',
    'eventcore_connection_pool_max_size 10',
    '',
  ].join('\n')
}

/** Starts the target on a free loopback port. */
export async function startFaultyTarget(): Promise<FaultyTarget> {
  let scrapes = 0
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end()
      return
    }
    scrapes += 1
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition(scrapes))
  })
  return listenOnLoopback(server)
}
