import { join } from 'node:path'

/** The users service's built entry point; `npm test` builds it (tsc -b) before vitest runs. */
export const MAIN_SCRIPT = join(import.meta.dirname, '../../dist/main.js')
