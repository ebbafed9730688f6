import { describe, expect, it } from 'vitest'
import { parseLogLine } from './log-lines.js'

describe('parseLogLine', () => {
  it('reads a JSON object whose keys are each once', () => {
    const line =
      '{"level":30,"msg":"a \\"quoted\\", {odd} [text]","req":{"method":"GET","msg":"x"},"list":[{"a":1},{"a":2}]}'
    expect(parseLogLine(line)).toEqual({ ok: true, entry: JSON.parse(line) })
  })

  it('names a key written twice, as pino writes a binding and a field of the same name', () => {
    const parsed = parseLogLine('{"level":30,"correlationId":"a","correlationId":"a","msg":"dup"}')
    expect(parsed).toMatchObject({ ok: false, problem: expect.stringContaining('(correlationId)') })
  })

  it('finds a key twice in a nested object, and not across sibling objects', () => {
    expect(parseLogLine('{"err":{"cause":{"code":"A","code":"B"}},"x":[{"k":1},{"k":2}]}')).toMatchObject({
      ok: false,
      problem: expect.stringContaining('(err.cause.code)'),
    })
    expect(parseLogLine('{"a":{"k":1},"b":{"k":1},"k":[{"k":1}]}')).toMatchObject({ ok: true })
  })

  it('refuses text that is not a JSON object', () => {
    expect(parseLogLine('listening at http://127.0.0.1:1')).toMatchObject({ ok: false })
    expect(parseLogLine('[1,2]')).toMatchObject({ ok: false })
  })
})
