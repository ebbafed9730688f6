import type { FastifyInstance } from 'fastify'
import { HttpProblem } from './problem.js'
import { unstorableIn } from './unstorable-text.js'

/** How deeply a JSON body may nest objects and arrays. @default 64 */
export const MAX_JSON_DEPTH = 64

const invalid = (path: string, message: string) =>
  new HttpProblem(400, 'invalid-request', 'Bad Request', `body${path} ${message}`, {
    errors: [{ path: `body${path}`, message }],
  })

/** A JSON Pointer segment (RFC 6901), cut short so a huge key is not echoed back whole. */
const segment = (key: string) => `/${key.slice(0, 64).replaceAll('~', '~0').replaceAll('/', '~1')}`

/** Throws when `text` nests deeper than `maxDepth`, without parsing it (so without recursion). */
function checkDepth(text: string, maxDepth: number): void {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === 0x5c)
        i++ // a backslash: skip the escaped character
      else if (code === 0x22) inString = false
    } else if (code === 0x22) inString = true
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > maxDepth) throw invalid('', `nests deeper than ${maxDepth} levels`)
    } else if (code === 0x7d || code === 0x5d) depth--
  }
}

function checkString(value: string, path: string, what: string): void {
  const problem = unstorableIn(value)
  if (problem !== undefined) throw invalid(path, `${what} ${problem}`)
}

/** Throws for strings or keys that cannot be stored, and for prototype-pollution keys. Iterative. */
function checkValues(root: unknown): void {
  const pending: Array<{ value: unknown; path: string }> = [{ value: root, path: '' }]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path } = next
    if (typeof value === 'string') checkString(value, path, 'is a string that')
    else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) pending.push({ value: item, path: `${path}/${index}` })
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        const at = `${path}${segment(key)}`
        checkString(key, at, 'has a key that')
        if (key === '__proto__') throw invalid(at, 'is a forbidden key (prototype pollution)')
        if (key === 'prototype' && path.endsWith('/constructor'))
          throw invalid(at, 'is a forbidden key (prototype pollution)')
        pending.push({ value: inner, path: at })
      }
    }
  }
}

/**
 * Parses a JSON request body, refusing with 400 problem+json what would otherwise fail far from
 * the client: nesting deeper than `maxDepth` (checked before anything recursive runs), NUL or
 * ill-formed Unicode in any string or key (naming where, as a JSON Pointer), and `__proto__` or
 * `constructor.prototype` keys.
 *
 * @example
 * parseJsonBody('{"name":"Ada"}') // { name: 'Ada' }
 * parseJsonBody('{"name":"a\\u0000"}') // throws HttpProblem 400: body/name is a string that contains a NUL character
 */
export function parseJsonBody(text: string, { maxDepth = MAX_JSON_DEPTH }: { maxDepth?: number } = {}): unknown {
  if (text.length === 0)
    throw new HttpProblem(
      400,
      'ctp-empty-json-body',
      'Bad Request',
      "the body cannot be empty when content-type is set to 'application/json'",
    )
  checkDepth(text, maxDepth)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new HttpProblem(
      400,
      'ctp-invalid-json-body',
      'Bad Request',
      "the body is not valid JSON but content-type is set to 'application/json'",
    )
  }
  checkValues(parsed)
  return parsed
}

/** Replaces Fastify's JSON body parser with {@link parseJsonBody} (the app's `bodyLimit` still applies). */
export function registerJsonBody(app: FastifyInstance, { maxDepth = MAX_JSON_DEPTH }: { maxDepth?: number }): void {
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 1)
    throw new RangeError(`maxJsonDepth must be a positive integer, got ${maxDepth}`)
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(String(body), { maxDepth }))
    } catch (error) {
      done(error instanceof Error ? error : new Error(String(error)), undefined)
    }
  })
}
