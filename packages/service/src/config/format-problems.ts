/**
 * The start-up message for a configuration that was refused: a header line, then one line per problem.
 *
 * @example
 * formatProblems(["EVENTCORE_PORT must be an integer between 0 and 65535, got 'abc'"])
 * // → "The configuration has 1 problem (see docs/configuration.md):\n  - EVENTCORE_PORT must be …"
 */
export function formatProblems(problems: readonly string[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
  const header = `The configuration has ${count} (see docs/configuration.md):`
  return [header, ...problems.map((problem) => `  - ${problem}`)].join('\n')
}
