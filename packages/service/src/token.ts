import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { SignJWT } from 'jose'
import { type Config, loadConfig, MEMORY_DATA_DIR, type RawEnv } from './config/index.js'
import { envWithFile } from './env-file.js'

/** What {@link mintToken} signs. */
export interface MintTokenInput {
  /** The HS256 secret, at least 32 bytes (`config.auth.options.secret`). */
  readonly secret: string
  /** The caller's id, the token's `sub`. */
  readonly sub: string
  /** The `roles` claim, mapped to permissions by the service's role table. */
  readonly roles: readonly string[]
  /** Seconds from `now` to `exp`; keep it within the service's maximum token age. */
  readonly ttlSeconds: number
  /** The `iss` claim, when the service requires one. */
  readonly issuer?: string
  /** The `aud` claim, when the service requires one. */
  readonly audience?: string
  /** The issue time (`iat`). */
  readonly now: Date
}

/**
 * Signs an HS256 JWT with `sub`, `roles`, `iat`, `exp` and, when given, `iss` and `aud`: what the
 * service's auth accepts. Pure apart from the signature; the time comes in `now`.
 *
 * @example
 * const token = await mintToken({ secret, sub: 'ada', roles: ['user'], ttlSeconds: 3600, now: new Date() })
 * // → 'eyJhbGciOiJIUzI1NiJ9.…'
 */
export async function mintToken(input: MintTokenInput): Promise<string> {
  const { secret, sub, roles, ttlSeconds, issuer, audience, now } = input
  if (Buffer.byteLength(secret) < 32) throw new Error('the JWT secret must be at least 32 bytes')
  if (sub === '') throw new Error('the token needs a subject')
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) throw new Error('ttlSeconds must be a positive integer')
  const issuedAt = Math.floor(now.getTime() / 1000)
  const token = new SignJWT({ roles: [...roles] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
  if (issuer !== undefined) token.setIssuer(issuer)
  if (audience !== undefined) token.setAudience(audience)
  return token.sign(new TextEncoder().encode(secret))
}

/** What {@link signConfiguredToken} answers: the token and its lifetime, or why none can be made. */
export type SignedToken =
  | { readonly ok: true; readonly token: string; readonly ttlSeconds: number }
  | { readonly ok: false; readonly problem: string }

/**
 * A token the service configured by `config` accepts: signed with its HS256 secret, with its
 * issuer and audience, living `ttlSeconds` (default and most: the maximum token age). No token
 * when the service verifies with public keys, when its generated secret lives only in memory, or
 * when `ttlSeconds` is above the maximum: `problem` says why, as one line.
 *
 * @example
 * const signed = await signConfiguredToken(config, { sub: 'ada', roles: ['admin'], now: new Date() })
 * if (signed.ok) console.log(signed.token)
 */
export async function signConfiguredToken(
  config: Config,
  request: {
    readonly sub: string
    readonly roles: readonly string[]
    readonly ttlSeconds?: number
    readonly now: Date
  },
): Promise<SignedToken> {
  const { secret, issuer, audience, maxTokenAgeSeconds = 3600 } = config.auth.options
  if (secret === undefined) {
    return {
      ok: false,
      problem: 'the service verifies tokens with public keys (JWKS or PEM); sign them with the private key instead',
    }
  }
  if (config.auth.generatedSecret && config.dataDir === MEMORY_DATA_DIR) {
    return {
      ok: false,
      problem: `the generated secret of EVENTCORE_DATA_DIR=${MEMORY_DATA_DIR} is not shared; set EVENTCORE_JWT_SECRET`,
    }
  }
  const ttlSeconds = request.ttlSeconds ?? maxTokenAgeSeconds
  if (ttlSeconds > maxTokenAgeSeconds) {
    return {
      ok: false,
      problem: `--ttl ${ttlSeconds} exceeds the maximum token age of ${maxTokenAgeSeconds} s (EVENTCORE_JWT_MAX_AGE_SECONDS)`,
    }
  }
  const token = await mintToken({
    secret,
    sub: request.sub,
    roles: request.roles,
    ttlSeconds,
    ...(issuer === undefined ? {} : { issuer }),
    ...(audience === undefined ? {} : { audience }),
    now: request.now,
  })
  return { ok: true, token, ttlSeconds }
}

/**
 * What {@link runTokenCli} needs: the service it signs for and where it reads and writes (the
 * process's own by default).
 */
export interface TokenCliOptions {
  /** The service's name, for the help, e.g. `'users service'`. */
  readonly name: string
  /** The service's role table: `--role` must name one of its roles. */
  readonly roles: Readonly<Record<string, readonly string[]>>
  /** Where the configuration comes from. @default process.env */
  readonly env?: RawEnv
  /**
   * Where a development `.env` is looked for, read beneath `env` as the server reads it
   * ({@link envWithFile}), so the token is signed with the secret the server uses. @default process.cwd()
   */
  readonly cwd?: string
  /** Receives the token (and the help). @default process.stdout.write */
  readonly stdout?: (text: string) => void
  /** Receives the one-line error and any configuration warnings. @default process.stderr.write */
  readonly stderr?: (text: string) => void
  /** The issue time. @default () => new Date() */
  readonly now?: () => Date
}

const positiveInteger = (text: string): number => {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError('expected a positive integer of seconds')
  return Number(text)
}

function program(
  { name, roles }: Pick<TokenCliOptions, 'name' | 'roles'>,
  stdout: (text: string) => void,
  stderr: (text: string) => void,
): Command {
  return new Command('token')
    .description(`Prints a JWT for the ${name}, signed with the configured HS256 secret.`)
    .requiredOption('--sub <id>', "the caller's id (the token's sub)")
    .option('--role <role>', `a role to grant, repeatable (${Object.keys(roles).join(', ')})`, collect)
    .option(
      '--ttl <seconds>',
      'lifetime in seconds, at most EVENTCORE_JWT_MAX_AGE_SECONDS (default: that maximum)',
      positiveInteger,
    )
    .helpOption('-h, --help', 'show this help')
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .exitOverride()
}

// No default array: commander would print it as "(default: [])" in the help.
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

/**
 * The token script of a service (`npm run -s token -- --role user --sub <id> [--ttl 3600]`): parses
 * `argv` (without `node` and the script), loads the configuration from `env` (and a development
 * `.env`) like the server does,
 * and prints an HS256 token for the configured secret, and only the token, so that
 * `TOKEN=$(npm run -s token -- …)` works. Returns the exit code: 1, with one line on stderr, for
 * bad arguments, a role the service does not know, a configuration with problems, asymmetric keys
 * (there is no private key to sign with) or a `--ttl` above the maximum token age.
 *
 * @example
 * process.exitCode = await runTokenCli(process.argv.slice(2), { name: 'users service', roles: ROLES })
 */
export async function runTokenCli(argv: readonly string[], options: TokenCliOptions): Promise<number> {
  const {
    roles: known,
    env = process.env,
    cwd = process.cwd(),
    stdout = (text) => process.stdout.write(text),
    stderr = (text) => process.stderr.write(text),
    now = () => new Date(),
  } = options
  const fail = (message: string) => {
    stderr(`error: ${message}\n`)
    return 1
  }
  const cli = program(options, stdout, stderr)
  try {
    cli.parse([...argv], { from: 'user' })
  } catch (error) {
    // Commander has already printed its one-line message (or the help).
    if (error instanceof CommanderError) return error.exitCode
    throw error
  }
  const given = cli.opts<{ sub: string; role?: string[]; ttl?: number }>()
  const roles = given.role ?? []
  if (roles.length === 0) return fail('give at least one --role')
  const unknown = roles.filter((role) => !Object.hasOwn(known, role))
  if (unknown.length > 0) return fail(`unknown role ${unknown.join(', ')} (known: ${Object.keys(known).join(', ')})`)

  const withFile = envWithFile(env, cwd)
  if (!withFile.ok) return fail(withFile.problem)
  const loaded = loadConfig(withFile.env)
  if (!loaded.ok) return fail(`the configuration has problems: ${loaded.problems.join('; ')}`)
  const signed = await signConfiguredToken(loaded.config, {
    sub: given.sub,
    roles,
    ...(given.ttl === undefined ? {} : { ttlSeconds: given.ttl }),
    now: now(),
  })
  if (!signed.ok) return fail(signed.problem)
  for (const warning of loaded.warnings) stderr(`warning: ${warning}\n`)
  const { token } = signed
  stdout(`${token}\n`)
  return 0
}
