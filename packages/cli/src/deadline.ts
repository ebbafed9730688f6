import { CliError } from './cli-error.js'

/**
 * `work`, or a `connection` error with `message` when it has not settled within `timeoutMs`. The
 * work itself goes on (a driver cannot be interrupted mid-query); the command closes its store.
 *
 * @example
 * await withDeadline(store.driver.query('SELECT 1', []), 5000, 'no answer within 5000 ms (--timeout)')
 */
export async function withDeadline<T>(work: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliError('connection', message)), timeoutMs)
  })
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}
