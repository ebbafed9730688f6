/**
 * The metric families a Prometheus text exposition declares, from its `# TYPE <name> <type>`
 * lines (the format's own declaration of each family), name → type.
 *
 * @example
 * metricFamilies('# TYPE up gauge\nup 1\n') // → Map { 'up' => 'gauge' }
 */
export function metricFamilies(exposition: string): Map<string, string> {
  return new Map(
    [...exposition.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)\s*$/gm)].map(
      (match) => [match[1] ?? '', match[2] ?? ''] as const,
    ),
  )
}

/**
 * The value of an unlabelled sample `name value` (optionally with a timestamp) in an exposition,
 * or `undefined` when there is none or it is not a number.
 *
 * @example
 * sampleValue('process_resident_memory_bytes 52428800\n', 'process_resident_memory_bytes') // → 52428800
 */
export function sampleValue(exposition: string, name: string): number | undefined {
  const line = exposition.split('\n').find((text) => text.startsWith(`${name} `))
  const value = Number(line?.split(' ')[1])
  return line === undefined || Number.isNaN(value) ? undefined : value
}
