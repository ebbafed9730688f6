import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'examples/*/src/**/*.test.ts',
      'bench/src/**/*.test.ts',
      'docs/examples/**/*.test.ts',
      'test/**/*.test.ts',
      'deploy/test/**/*.test.ts',
    ],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // In CI a JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
  },
})
