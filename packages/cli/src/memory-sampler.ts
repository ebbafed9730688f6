import { messageOf } from './cli-error.js'
import { sampleValue } from './exposition.js'
import { httpRequest } from './http-client.js'

const MEMORY_SAMPLE_MS = 250
const MB = 1024 * 1024

/** Reads `process_resident_memory_bytes` every few hundred ms until stopped; resolves to the samples in MB. */
export function sampleMemory(metricsUrl: string, timeoutMs: number): { stop: () => Promise<number[] | string> } {
  const samples: number[] = []
  let problem = ''
  let running = true
  const loop = (async () => {
    while (running) {
      try {
        const response = await httpRequest(metricsUrl, { timeoutMs })
        const bytes = response.status === 200 ? sampleValue(response.body, 'process_resident_memory_bytes') : undefined
        if (bytes === undefined)
          problem = `${metricsUrl} answered ${response.status} without process_resident_memory_bytes`
        else samples.push(bytes / MB)
      } catch (error) {
        problem = messageOf(error)
      }
      await new Promise((resolve) => setTimeout(resolve, MEMORY_SAMPLE_MS))
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
      return samples.length > 0 ? samples : problem || 'no sample'
    },
  }
}
