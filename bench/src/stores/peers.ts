import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/**
 * The peer project: its own `package.json` beside `src/`, never a workspace, so a peer's
 * dependencies (Emmett 0.42 wants `commander@^12`) can never constrain the product's tree.
 */
export const PEERS_DIR = fileURLToPath(new URL('../../peers/', import.meta.url))

/**
 * Installs the peer project when its `node_modules` is missing. Returns why the peers cannot be
 * used, or `undefined` when they are ready.
 */
export function ensurePeersInstalled(log: (line: string) => void): string | undefined {
  if (existsSync(`${PEERS_DIR}node_modules/@event-driven-io/emmett-postgresql/package.json`)) return undefined
  log('Installing the benchmark peers (Emmett 0.42) into bench/peers/node_modules (first run only)…')
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const result = spawnSync(npm, ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  if (result.error) return `npm install failed: ${result.error.message}`
  if (result.status !== 0) return `npm install --prefix bench/peers exited with ${result.status}`
  return undefined
}

/** A module of the peer project, as `require` gives it: checked before it is used. */
export function requirePeer<T>(specifier: string, isExpected: (loaded: unknown) => loaded is T): T {
  const require = createRequire(`${PEERS_DIR}package.json`)
  const loaded: unknown = require(specifier)
  if (!isExpected(loaded)) throw new Error(`${specifier} from bench/peers does not have the expected exports`)
  return loaded
}

/** True when `value` is an object whose `names` are all functions. */
export function hasFunctions(value: unknown, names: readonly string[]): boolean {
  if (typeof value !== 'object' && typeof value !== 'function') return false
  if (value === null) return false
  return names.every((name) => typeof Reflect.get(value, name) === 'function')
}
