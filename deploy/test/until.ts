// Test support: waiting in hooks for something to reach a state (`expect.poll` runs only in tests).

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Resolves with `check`'s first answer that `done` accepts, polling every `intervalMs`; throws with
 * the last answer after `timeoutMs`. (`expect.poll` cannot run in `beforeAll`.)
 */
export async function until<T>(
  what: string,
  check: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T | undefined
  while (Date.now() < deadline) {
    last = await check()
    if (done(last)) return last
    await wait(intervalMs)
  }
  throw new Error(`${what} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`)
}
