// Test support (not exported from the package).
/**
 * Polls `condition` until it holds, or rejects after `ms`: a test waits for a state, never forever.
 *
 * @example
 * await until(() => seen.length === 10)
 */
export async function until(condition: () => Promise<boolean> | boolean, ms = 5000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}
