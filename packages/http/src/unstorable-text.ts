import type { FastifyInstance } from 'fastify'
import { HttpProblem } from './problem.js'

// NUL cannot be stored in a PostgreSQL text or jsonb value; a lone UTF-16 surrogate cannot be
// encoded as UTF-8 at all. Either would only fail later, in the database, as an outage.
// (With the `u` flag a surrogate pair is one code point, so only a lone half matches.)
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is its purpose
const UNSTORABLE = /\u0000|[\ud800-\udfff]/u

/**
 * What in `text` no database could store, said for a problem's `errors[].message`, or `undefined`
 * when it can be stored.
 *
 * @example
 * unstorableIn('Ada') // undefined
 * unstorableIn('a\u0000') // 'contains a NUL character'
 */
export function unstorableIn(text: string): string | undefined {
  const found = UNSTORABLE.exec(text)
  if (!found) return undefined
  return found[0] === '\u0000' ? 'contains a NUL character' : 'contains a lone UTF-16 surrogate (ill-formed Unicode)'
}

/** Throws 400 for the first key or value of `values` (a parsed query string or path params) that is unstorable. */
function checkDecoded(values: unknown, where: 'querystring' | 'params'): void {
  if (values === null || typeof values !== 'object') return
  for (const [key, value] of Object.entries(values)) {
    for (const text of [key, ...(Array.isArray(value) ? value : [value])]) {
      const problem = typeof text === 'string' ? unstorableIn(text) : undefined
      if (problem === undefined) continue
      const path = `${where}/${key.slice(0, 64)}`
      throw new HttpProblem(400, 'invalid-request', 'Bad Request', `${path} ${problem}`, {
        errors: [{ path, message: problem }],
      })
    }
  }
}

/**
 * Refuses with 400 problem+json a request whose decoded path parameters or query string hold NUL
 * (`%00`) or ill-formed Unicode, before validation and before any route could hand them to the
 * database (JSON bodies are checked by their parser).
 */
export function registerUnstorableTextChecks(app: FastifyInstance): void {
  app.addHook('preValidation', async function storableText(request) {
    checkDecoded(request.params, 'params')
    checkDecoded(request.query, 'querystring')
  })
}
