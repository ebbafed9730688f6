// Every shell script of deploy/scripts/ is strict bash, executable, and clean under shellcheck (the
// Debian package). Skipped, saying so, where shellcheck is absent; in CI an absent one fails instead.
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs'
import { binariesRequired, hasBinary } from '@eventcore/service/testing'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEPLOY_DIR, deployFile } from './deploy-files.js'
import { runCommand } from './run-command.js'

const SCRIPTS = readdirSync(deployFile('scripts'))
  .filter((name) => name.endsWith('.sh'))
  .map((name) => deployFile('scripts', name))

const available = hasBinary('shellcheck')
const required = binariesRequired()
if (!available && !required) console.warn('skipping shellcheck: not on the PATH (apt-get install -y shellcheck)')

describe('deploy/scripts/*.sh', () => {
  it('has scripts to check', () => {
    expect(SCRIPTS.map((file) => file.slice(DEPLOY_DIR.length + 1))).toContain('scripts/health-check.sh')
  })

  it.each(SCRIPTS)('%s is executable bash that stops on errors, unset variables and failed pipes', (file) => {
    accessSync(file, constants.X_OK)
    const lines = readFileSync(file, 'utf8').split('\n')
    expect(lines[0]).toBe('#!/usr/bin/env bash')
    expect(lines).toContain('set -euo pipefail')
  })

  describe.skipIf(!available && !required)('under shellcheck', () => {
    beforeAll(() => {
      if (!available) throw new Error('CI needs shellcheck: apt-get install -y shellcheck (see .ci/run)')
    })

    // Every optional check but two: braces around every variable (noise), and functions used as
    // conditions (the scripts' predicates, like `above`, are meant to be).
    const OPTIONAL = [
      'add-default-case',
      'avoid-nullary-conditions',
      'check-extra-masked-returns',
      'check-unassigned-uppercase',
      'deprecate-which',
      'quote-safe-variables',
      'require-double-brackets',
    ]

    it('reports nothing for shellcheck -x, at style severity, with the optional checks on', async () => {
      const run = await runCommand('shellcheck', [
        '-x',
        '--severity=style',
        `--enable=${OPTIONAL.join(',')}`,
        ...SCRIPTS,
      ])
      expect(run.stdout + run.stderr).toBe('')
      expect(run.code).toBe(0)
    })
  })
})
