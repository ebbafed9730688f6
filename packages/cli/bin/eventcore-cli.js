#!/usr/bin/env node
// The published entry: the compiled CLI, or one clear line when this checkout has not been built.
import { existsSync } from 'node:fs'

const main = new URL('../dist/main.js', import.meta.url)
if (existsSync(main)) {
  await import(main.href)
} else {
  process.stderr.write('error: eventcore-cli is not built here: run `npm run build` (or `npm start`) first\n')
  process.exitCode = 2
}
