import { describe, expect, it } from 'vitest'
import { parseChildReport, parseProgressLine, progressLine } from './child-task.js'

describe('parseChildReport', () => {
  it('reads the last report line, past anything else on stdout', () => {
    const good = { ok: true, ms: 1200.5, openMs: 30, maxRssKiB: 81_920, events: 1000, path: '/b/x' }
    expect(parseChildReport(`a library said hello\n${JSON.stringify(good)}\n`)).toEqual(good)
    expect(parseChildReport('{"ok":false,"error":"boom","maxRssKiB":51200}\n')).toEqual({
      ok: false,
      error: 'boom',
      maxRssKiB: 51_200,
    })
  })

  it('finds none in output without a well-formed report', () => {
    expect(parseChildReport('')).toBeUndefined()
    expect(parseChildReport('{"ok":true,"ms":1}\n')).toBeUndefined()
    expect(parseChildReport('{"ok":false,"maxRssKiB":1}\nnot json')).toBeUndefined()
  })
})

describe('progress lines', () => {
  it('read back what the child writes, and nothing else', () => {
    const progress = { phase: 'restore', events: 5000, ms: 812.5 }
    expect(parseProgressLine(progressLine(progress))).toEqual(progress)
    expect(parseProgressLine('deep-verify: 1 2')).toBeUndefined()
    expect(parseProgressLine('progress restore many 1')).toBeUndefined()
  })
})
