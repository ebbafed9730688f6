// Test support for the deploy kit's tests: where its files are, whatever directory vitest runs from.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository's `deploy/` directory. */
export const DEPLOY_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')

/** The repository's root. */
export const REPO_ROOT = join(DEPLOY_DIR, '..')

/** A file of the deploy kit, e.g. `deployFile('prometheus', 'alerts.rules.yml')`. */
export const deployFile = (...parts: readonly string[]): string => join(DEPLOY_DIR, ...parts)
