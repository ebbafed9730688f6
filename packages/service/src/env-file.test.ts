import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { envWithFile } from './env-file.js'

const dirWith = (content: string | undefined) => {
  const dir = mkdtempSync(join(tmpdir(), 'eventcore-env-'))
  if (content !== undefined) writeFileSync(join(dir, '.env'), content)
  return dir
}

describe('a development .env file', () => {
  it('is read from the working directory outside production, beneath the real environment', () => {
    const dir = dirWith('EVENTCORE_PORT=9000\nEVENTCORE_LOG_LEVEL="debug" # comment\nNODE_ENV=production\n')
    const loaded = envWithFile({ EVENTCORE_LOG_LEVEL: 'warn', EVENTCORE_HOST: '' }, dir)
    expect(loaded).toEqual({
      ok: true,
      file: join(dir, '.env'),
      // The environment wins, even an empty value; NODE_ENV never comes from the file.
      env: { EVENTCORE_PORT: '9000', EVENTCORE_LOG_LEVEL: 'warn', EVENTCORE_HOST: '' },
    })
  })

  it('is not read in production nor in tests unless EVENTCORE_ENV_FILE names it', () => {
    const dir = dirWith('EVENTCORE_PORT=9000\n')
    for (const NODE_ENV of ['production', 'test'])
      expect(envWithFile({ NODE_ENV }, dir)).toEqual({ ok: true, file: undefined, env: { NODE_ENV } })
    const development = envWithFile({ NODE_ENV: 'development' }, dir)
    expect(development.ok && development.env.EVENTCORE_PORT).toBe('9000')
    const asked = envWithFile({ NODE_ENV: 'production', EVENTCORE_ENV_FILE: '.env' }, dir)
    expect(asked.ok && asked.env.EVENTCORE_PORT).toBe('9000')
  })

  it('is optional unless asked for: a missing asked-for file is one line naming it', () => {
    const dir = dirWith(undefined)
    expect(envWithFile({}, dir)).toEqual({ ok: true, file: undefined, env: {} })
    expect(envWithFile({ EVENTCORE_ENV_FILE: 'local.env' }, dir)).toEqual({
      ok: false,
      problem: `EVENTCORE_ENV_FILE: cannot read '${join(dir, 'local.env')}' (ENOENT)`,
    })
  })
})
