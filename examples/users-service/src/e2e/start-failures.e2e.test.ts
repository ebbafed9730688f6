import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { assertBuilt } from '@eventcore/service/testing'
import { describe, expect, it } from 'vitest'
import { MAIN_SCRIPT } from './main-script.js'

/** Runs the service until it exits: its exit code and stderr. */
function failedStart(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [MAIN_SCRIPT], {
    env: { ...process.env, EVENTCORE_DATA_DIR: 'memory://', EVENTCORE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk)
  })
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })))
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)

describe('a start that fails', () => {
  it('on a port in use says which, and the setting to change, in one line', async () => {
    assertBuilt(MAIN_SCRIPT)
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const address = holder.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    try {
      const { code, stderr } = await failedStart({ EVENTCORE_PORT: String(port) })
      expect(code).toBe(1)
      expect(lastLine(stderr)).toBe(
        `the users service failed to start: port ${port} is in use: stop the other process or set EVENTCORE_PORT`,
      )
    } finally {
      holder.close()
    }
  }, 60_000)

  it('on an EVENTCORE_ENV_FILE that cannot be read names it, in one line', async () => {
    const { code, stderr } = await failedStart({ EVENTCORE_ENV_FILE: '/nonexistent/eventcore.env' })
    expect(code).toBe(1)
    expect(stderr).toBe("EVENTCORE_ENV_FILE: cannot read '/nonexistent/eventcore.env' (ENOENT)\n")
  }, 60_000)
})
