/**
 * What a caught value says, for a note or a progress line: an error's message, anything else as a string.
 *
 * @example
 * errorMessage(new Error('connection refused')) // 'connection refused'
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
