// What docs/users-service.md, docs/http.md and docs/metrics.md say of the running service, asked of
// a real one on PGlite: the tables are read from the pages, so a row that stops being true fails here.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectProblem, registered, startTestService, type TestService } from './harness.js'

const docs = join(import.meta.dirname, '../../../../docs')
const page = (name: string) => readFileSync(join(docs, name), 'utf8')

/** The body rows of the first Markdown table after `heading`, as trimmed cells. */
function tableAfter(markdown: string, heading: string): string[][] {
  const from = markdown.indexOf(`\n${heading}\n`)
  if (from < 0) throw new Error(`no heading ${heading}`)
  const lines = markdown.slice(from).split('\n')
  const start = lines.findIndex((line) => line.startsWith('|'))
  const rows: string[][] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    )
  }
  return rows
}

const unquote = (cell: string) => cell.replaceAll('`', '')

describe('the docs of the users service, against a running one on PGlite', () => {
  let service: TestService
  let admin: string
  beforeAll(async () => {
    service = await startTestService('pglite')
    admin = await service.token(['admin'], 'docs-admin')
  })
  afterAll(() => service?.close())

  it('serves every endpoint of the table, public ones without a token and the rest only with one', async () => {
    const rows = tableAfter(page('users-service.md'), '## Endpoints')
    expect(rows.length).toBeGreaterThanOrEqual(10)
    const user = await registered(service, { label: 'docs-table' })
    for (const [route = '', permission = ''] of rows) {
      const [method = '', template = ''] = unquote(route).split(' ')
      const path = template.replace(':id', user.id)
      const init = method === 'GET' ? {} : { method, json: {} }
      const anonymous = await service.call(path, init)
      if (permission === 'none') {
        expect(anonymous.status, `${route} without a token`).toBe(200)
      } else {
        expect(anonymous.status, `${route} without a token`).toBe(401)
        const signedIn = await service.call(path, { ...init, token: admin })
        expect([404, 405], `${route} exists`).not.toContain(signedIn.status)
      }
    }
  })

  it('answers the error types of the table with the status it names', async () => {
    const rows = tableAfter(page('users-service.md'), '## Errors')
    const documented = new Map(rows.map(([type = '', status = '']) => [unquote(type), Number(status)]))
    const user = await registered(service, { label: 'docs-errors' })
    const taken = await registered(service, { label: 'docs-taken' })
    const unknownId = '0190a6e4-1234-7abc-8def-0123456789ab'
    const patch = (id: string, json: unknown, headers: Record<string, string> = {}) =>
      service.call(`/api/v1/users/${id}`, { method: 'PATCH', token: admin, json, headers })
    const answers: Record<string, () => Promise<Response>> = {
      'email-taken': () => patch(user.id, { email: taken.email }),
      'user-not-found': () => service.call(`/api/v1/users/${unknownId}`, { token: admin }),
      'version-mismatch': () => patch(user.id, { last_name: 'King' }, { 'if-match': '"7"' }),
      'invalid-if-match': () => patch(user.id, { last_name: 'King' }, { 'if-match': 'seven' }),
      'invalid-request': () => service.call('/api/v1/users?limit=0', { token: admin }),
      'user-deactivated': async () => {
        const gone = await registered(service, { label: 'docs-deactivated' })
        await service.call(`/api/v1/users/${gone.id}/deactivate`, { method: 'POST', token: admin })
        return patch(gone.id, { last_name: 'King' })
      },
    }
    // `user-exists` needs two registrations of one id, and the service chooses ids: the commands'
    // tests refuse it; over HTTP it cannot be asked for.
    expect([...documented.keys()].sort()).toEqual([...Object.keys(answers), 'user-exists'].sort())
    for (const [slug, answer] of Object.entries(answers)) {
      const problem = await expectProblem(await answer(), documented.get(slug) ?? 0, slug)
      if (slug === 'version-mismatch') expect(problem).toMatchObject({ expected: 7, actual: 1 })
    }
  })

  it('answers an unknown route 401 without a token and 404 with one, as docs/http.md says', async () => {
    expect(page('http.md')).toContain('answers **401** `urn:eventcore:problem:unauthorized`, not 404')
    for (const path of ['/api/v1/nothing-here', '/nothing']) {
      await expectProblem(await service.call(path), 401, 'unauthorized')
      const missing = await expectProblem(await service.call(path, { token: admin }), 404, 'not-found')
      expect(missing.detail).toBe(`no route for GET ${path}`)
    }
  })

  it('reads the pool gauges on PGlite as docs/metrics.md says: size and max 1, idle and waiting 0', async () => {
    expect(page('metrics.md')).toContain('on PGlite `eventcore_connection_pool_size` and')
    const text = await (await service.call('/metrics')).text()
    const gauge = (name: string) => text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1]
    expect(gauge('eventcore_connection_pool_size')).toBe('1')
    expect(gauge('eventcore_connection_pool_max_size')).toBe('1')
    expect(gauge('eventcore_connection_pool_idle')).toBe('0')
    expect(gauge('eventcore_connection_pool_waiting')).toBe('0')
  })
})
