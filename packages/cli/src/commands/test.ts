import { Command } from 'commander'
import { exitCodeOf, renderChecks } from '../checks.js'
import { resolveCredentials } from '../credentials.js'
import { parseBaseUrl } from '../http-client.js'
import { action, positiveInteger, positiveNumber, type Shell } from '../shell.js'
import { smokeTest } from '../smoke.js'

interface SmokeFlags {
  readonly url: string
  readonly token?: string
  readonly jwtSecretFile?: string
  readonly requests: number
  readonly p95Ms: number
}

const SMOKE_HELP = `
Checks, each printed with its latency and why:
  health         GET /health and GET /ready answer 200
  auth           a valid token gets 2xx on /api/v1/me; none, a tampered and an expired one get 401
  core           register smoke+<uuid>@example.com, read it back, rename it with If-Match, deactivate it
  errors         a malformed body gets 400 problem+json, an unknown route 404, a duplicate address 409
  performance    --requests GETs of that user (4 at a time), p95 under --p95-ms

Tokens: --token as is; with --jwt-secret-file (or EVENTCORE_JWT_SECRET) the CLI mints admin tokens
itself, expired ones too. Without any, the checks that need a token are skipped and core fails.

Examples:
  eventcore-cli test smoke --url https://api.example.com --jwt-secret-file /run/secrets/jwt
  eventcore-cli test smoke --url http://127.0.0.1:8080 --token "$TOKEN" --requests 50 --p95-ms 200
`

/** `eventcore-cli test …`: tests of a running deployment. */
export function testCommand(shell: Shell): Command {
  const command = new Command('test').description('Tests a running deployment.')
  command
    .command('smoke')
    .description('The post-deployment smoke test of the users API: health, auth, core, errors, latency.')
    .requiredOption('--url <url>', 'the service, e.g. https://api.example.com')
    .option('--token <jwt>', 'a bearer token with the admin role')
    .option('--jwt-secret-file <file>', 'mint tokens with the HS256 secret in this file')
    .option('--requests <n>', 'GETs for the performance check', positiveInteger, 20)
    .option('--p95-ms <ms>', 'the p95 latency those GETs must stay under', positiveNumber, 500)
    .addHelpText('after', SMOKE_HELP)
    .action(
      action<SmokeFlags>(shell, async ({ io, global, output }, _args, options) => {
        const baseUrl = parseBaseUrl(options.url)
        const credentials = resolveCredentials(io, options)
        const results = await output.spin(`smoke testing ${baseUrl}`, () =>
          smokeTest({
            baseUrl,
            credentials,
            requests: options.requests,
            p95Ms: options.p95Ms,
            timeoutMs: global.timeoutMs,
          }),
        )
        return {
          exitCode: exitCodeOf(results),
          json: { url: baseUrl, checks: results },
          text: renderChecks(results, output.colors),
        }
      }),
    )
  return command
}
