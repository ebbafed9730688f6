import { signConfiguredToken } from '@eventcore/service'
import { Command } from 'commander'
import { loadCliConfig } from '../config.js'
import { EXIT } from '../exit-code.js'
import { action, positiveInteger, type Shell, usage } from '../shell.js'

interface TokenCreateOptions {
  readonly sub: string
  readonly role?: string[]
  readonly ttl?: number
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value]

/** `eventcore-cli token create`: a JWT signed with the service's configured HS256 secret. */
export function tokenCommand(shell: Shell): Command {
  const command = new Command('token').description('Makes tokens for the service (HS256 secret only).')
  command
    .command('create')
    .description(
      'Prints a JWT signed with EVENTCORE_JWT_SECRET (or the development secret), and only the token, so that TOKEN=$(eventcore-cli token create …) works.',
    )
    .requiredOption('--sub <id>', "the caller's id (the token's sub)")
    .option('--role <role>', 'a role to grant, repeatable', collect)
    .option('--ttl <seconds>', 'lifetime in seconds (default: EVENTCORE_JWT_MAX_AGE_SECONDS)', positiveInteger)
    .addHelpText('after', '\nExample:\n  TOKEN=$(eventcore-cli token create --sub ada --role admin --ttl 600)\n')
    .action(
      action<TokenCreateOptions>(shell, async ({ io }, _args, options) => {
        const roles = options.role ?? []
        if (roles.length === 0) throw usage('give at least one --role')
        const signed = await signConfiguredToken(loadCliConfig(io), {
          sub: options.sub,
          roles,
          ...(options.ttl === undefined ? {} : { ttlSeconds: options.ttl }),
          now: io.now(),
        })
        if (!signed.ok) throw usage(signed.problem)
        const { token, ttlSeconds } = signed
        const expiresAt = new Date(io.now().getTime() + ttlSeconds * 1000).toISOString()
        return { exitCode: EXIT.ok, json: { token, sub: options.sub, roles, expiresAt }, text: `${token}\n` }
      }),
    )
  return command
}
