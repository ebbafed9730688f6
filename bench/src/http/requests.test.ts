import { describe, expect, it } from 'vitest'
import { getRequest, pickAtRandom, registerBodies, registerRequest, USERS_PATH } from './requests.js'

describe('registerBodies', () => {
  it('gives every body a new e-mail address and the register fields only', () => {
    const next = registerBodies('bench_lx1-c8')
    const bodies = Array.from({ length: 1000 }, () => JSON.parse(next()))
    expect(new Set(bodies.map((b) => b.email)).size).toBe(1000)
    expect(bodies[0]).toEqual({ email: 'u1.bench_lx1-c8@bench.example.com', first_name: 'Ada', last_name: 'Lovelace' })
  })

  it('keeps generators with different tags apart', () => {
    expect(registerBodies('a')()).not.toBe(registerBodies('b')())
  })

  it('refuses a tag that does not fit an e-mail address', () => {
    for (const tag of ['', 'A', 'a b', 'a@b', 'x'.repeat(41)]) {
      expect(() => registerBodies(tag), tag).toThrow(/a request tag is 1–40 lower-case letters/)
    }
  })
})

describe('pickAtRandom', () => {
  it('maps the random number onto the items, the last one included', () => {
    const items = ['a', 'b', 'c']
    expect([0, 0.34, 0.67, 0.999].map((r) => pickAtRandom(items, () => r)())).toEqual(['a', 'b', 'c', 'c'])
  })

  it('refuses an empty list', () => {
    expect(() => pickAtRandom([])).toThrow(/nothing to pick from/)
  })
})

describe('registerRequest', () => {
  it('posts a new body on every setup, with the token', () => {
    const next = registerBodies('t')
    const request = registerRequest('tok', next)
    const setup = request.setupRequest
    if (typeof setup !== 'function') throw new Error('expected a setupRequest function')
    const first = setup(request, {})
    const second = setup(request, {})
    expect(first).toMatchObject({ method: 'POST', path: USERS_PATH, headers: { authorization: 'Bearer tok' } })
    expect(first.body).not.toBe(second.body)
  })
})

describe('getRequest', () => {
  it('reads the user the picker names', () => {
    const ids = ['0190-a', '0190-b']
    let i = 0
    const request = getRequest('tok', () => ids[i++ % 2] ?? '')
    const setup = request.setupRequest
    if (typeof setup !== 'function') throw new Error('expected a setupRequest function')
    expect(setup(request, {}).path).toBe(`${USERS_PATH}/0190-a`)
    expect(setup(request, {})).toMatchObject({ method: 'GET', path: `${USERS_PATH}/0190-b` })
  })
})
