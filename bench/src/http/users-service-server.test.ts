import { loadConfig } from '@eventcore/example-users-service/dist/config/index.js'
import { describe, expect, it } from 'vitest'
import { usersServiceEnv } from './users-service-server.js'

describe('usersServiceEnv', () => {
  it('is a configuration the service accepts, in the given schema and pool, on a free port', () => {
    const env = usersServiceEnv({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      schema: 'bench_x_s8c8_ec',
      poolSize: 32,
      jwtSecret: 'x'.repeat(32),
    })
    const loaded = loadConfig(env)
    if (!loaded.ok) throw new Error(loaded.problems.join('; '))
    expect(loaded.config).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      database: { schema: 'bench_x_s8c8_ec', poolSize: 32 },
      rateLimit: { max: 1_000_000 },
      logLevel: 'silent',
    })
    expect(loaded.config.auth.options.secret).toBe('x'.repeat(32))
  })
})
