import { describe, expect, it } from 'vitest'
import { metricFamilies, sampleValue } from './exposition.js'

const TEXT = `# HELP eventcore_commands_total Commands run.
# TYPE eventcore_commands_total counter
eventcore_commands_total{command="register",outcome="ok"} 3
# TYPE eventcore_command_duration_seconds histogram
eventcore_command_duration_seconds_bucket{le="0.1"} 1
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 52428800 1700000000000
process_resident_memory_bytes_extra 1
`

describe('metricFamilies', () => {
  it('names each family its # TYPE line declares, with its type', () => {
    expect([...metricFamilies(TEXT)]).toEqual([
      ['eventcore_commands_total', 'counter'],
      ['eventcore_command_duration_seconds', 'histogram'],
      ['process_resident_memory_bytes', 'gauge'],
    ])
  })

  it('ignores HELP lines and samples', () => {
    expect(metricFamilies('# HELP up Up.\nup 1\n').size).toBe(0)
  })
})

describe('sampleValue', () => {
  it('reads an unlabelled sample, with or without a timestamp, and only that exact name', () => {
    expect(sampleValue(TEXT, 'process_resident_memory_bytes')).toBe(52428800)
    expect(sampleValue(TEXT, 'process_resident_memory')).toBeUndefined()
    expect(sampleValue('x NaNish\n', 'x')).toBeUndefined()
  })
})
