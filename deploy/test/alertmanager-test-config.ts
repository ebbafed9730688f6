// Test support: a copy of deploy/alertmanager/alertmanager.yml that delivers to a local sink.
// Only what a test cannot use is changed (where the secrets are, PagerDuty's address, how long a
// new group waits); the route tree, receivers, templates and inhibit rules are the committed ones.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { deployFile } from './deploy-files.js'

/** The committed configuration. */
export const ALERTMANAGER_CONFIG = deployFile('alertmanager', 'alertmanager.yml')

/** The routing key the rendered copy's PagerDuty receiver reads from its key file. */
export const TEST_ROUTING_KEY = 'test-routing-key-0123456789abcdef'

// Replaces every match of `pattern` (global), failing when there is none: a test copy must never
// silently keep a production address because the committed file changed shape.
function replaced(text: string, pattern: RegExp, by: string): string {
  if (!pattern.test(text)) throw new Error(`alertmanager.yml no longer contains ${pattern}: update the test copy`)
  return text.replace(pattern, by)
}

/**
 * Writes, in `dir`, a copy of the committed configuration whose PagerDuty events go to
 * `<sinkUrl>/pagerduty`, whose Slack messages go to `<sinkUrl>/slack` (through the secret files
 * it reads, also written in `dir`), and whose groups wait 1 s instead of 30 s or more. Returns its path.
 */
export function renderDeliveryConfig(dir: string, sinkUrl: string): string {
  let text = readFileSync(ALERTMANAGER_CONFIG, 'utf8')
  text = replaced(text, /\/etc\/alertmanager\/secrets\//g, `${dir}/`)
  text = replaced(
    text,
    /pagerduty_url: https:\/\/events\.pagerduty\.com\/v2\/enqueue/g,
    `pagerduty_url: ${sinkUrl}/pagerduty`,
  )
  text = replaced(text, /group_wait: \S+/g, 'group_wait: 1s')
  writeFileSync(join(dir, 'pagerduty-routing-key'), `${TEST_ROUTING_KEY}\n`)
  writeFileSync(join(dir, 'slack-webhook-url'), `${sinkUrl}/slack\n`)
  const file = join(dir, 'alertmanager.yml')
  writeFileSync(file, text)
  return file
}
