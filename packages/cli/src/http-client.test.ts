import { describe, expect, it } from 'vitest'
import { parseBaseUrl, parseMetricsUrl } from './http-client.js'

describe('URLs given on the command line', () => {
  it('takes a base URL without its trailing slashes, and refuses what is not http(s)', () => {
    expect(parseBaseUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080')
    expect(parseBaseUrl('https://api.example.com/users//')).toBe('https://api.example.com/users')
    expect(() => parseBaseUrl('ftp://x')).toThrow('--url must be an http(s) URL, got ftp:')
    expect(() => parseBaseUrl('api.example.com', '--metrics-url')).toThrow('--metrics-url must be an http(s) URL')
  })

  it('reads a bare origin given as --metrics-url as its /metrics, and keeps any other path as given', () => {
    expect(parseMetricsUrl('http://10.0.3.7:9464')).toBe('http://10.0.3.7:9464/metrics')
    expect(parseMetricsUrl('http://10.0.3.7:9464/')).toBe('http://10.0.3.7:9464/metrics')
    expect(parseMetricsUrl('http://10.0.3.7:9464/metrics')).toBe('http://10.0.3.7:9464/metrics')
    expect(parseMetricsUrl('https://proxy.example.com/eventcore/metrics')).toBe(
      'https://proxy.example.com/eventcore/metrics',
    )
    expect(() => parseMetricsUrl('10.0.3.7:9464')).toThrow('--metrics-url must be an http(s) URL')
  })
})
