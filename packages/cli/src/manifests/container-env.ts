// The environment a container gets from its manifests: `envFrom` sources, then `env`, resolved
// against the ConfigMaps of the rendering. Secrets are created out of band, so their values stay
// unknown (`undefined`), and only their names are known when the Secret is in the rendering.
import { at, isRecord, record, records, stringMap, text } from './fields.js'
import type { PodContainer, PodTemplate } from './pod-specs.js'
import type { Rendering } from './rendering.js'

/** A ConfigMap or Secret a container's environment refers to. */
export interface EnvSource {
  readonly kind: 'ConfigMap' | 'Secret'
  readonly name: string
  /** The key of a `configMapKeyRef`/`secretKeyRef`; none for `envFrom`. */
  readonly key?: string
  readonly optional: boolean
  /** Whether an object of that kind and name is in the rendering, in the pod's namespace. */
  readonly present: boolean
  /** For a key reference to a present object: whether it has that key. */
  readonly hasKey?: boolean
}

/** What a container's environment is made of. */
export interface ResolvedEnv {
  /** Each variable and its value; `undefined` when it comes from a Secret or the pod (fieldRef). */
  readonly values: Readonly<Record<string, string | undefined>>
  /** Every ConfigMap and Secret it refers to. */
  readonly sources: readonly EnvSource[]
}

type Fields = Readonly<Record<string, unknown>>

const findObject = (rendering: Rendering, kind: string, name: string, namespace: string) =>
  rendering.ofKind(kind).find((object) => object.metadata.name === name && rendering.namespaceOf(object) === namespace)

// A ConfigMap's keys and values; a Secret's keys with unknown values (whatever the rendering holds
// is not what the cluster will: the policy fails Secrets with data anyway).
function dataOf(object: Fields | undefined, kind: EnvSource['kind']): Readonly<Record<string, string | undefined>> {
  if (object === undefined) return {}
  if (kind === 'ConfigMap') return stringMap(object.data)
  const keys = [...Object.keys(record(object.data)), ...Object.keys(record(object.stringData))]
  return Object.fromEntries(keys.map((key) => [key, undefined]))
}

/** The environment `container` of `template` gets, as far as the rendering tells. */
export function resolveEnv(rendering: Rendering, template: PodTemplate, container: PodContainer): ResolvedEnv {
  const values: Record<string, string | undefined> = {}
  const sources: EnvSource[] = []
  const lookup = (kind: EnvSource['kind'], name: string) => findObject(rendering, kind, name, template.namespace)
  for (const from of records(container.fields.envFrom)) {
    const prefix = text(from.prefix) ?? ''
    for (const kind of ['ConfigMap', 'Secret'] as const) {
      const ref = record(from[kind === 'ConfigMap' ? 'configMapRef' : 'secretRef'])
      const name = text(ref.name)
      if (name === undefined) continue
      const object = lookup(kind, name)
      sources.push({ kind, name, optional: ref.optional === true, present: object !== undefined })
      for (const [key, value] of Object.entries(dataOf(object, kind))) values[`${prefix}${key}`] = value
    }
  }
  for (const variable of records(container.fields.env)) {
    const name = text(variable.name)
    if (name === undefined) continue
    values[name] = isRecord(variable.valueFrom)
      ? keyRefValue(variable.valueFrom, lookup, sources)
      : (text(variable.value) ?? String(variable.value ?? ''))
  }
  return { values, sources }
}

function keyRefValue(
  valueFrom: Fields,
  lookup: (kind: EnvSource['kind'], name: string) => Fields | undefined,
  sources: EnvSource[],
): string | undefined {
  for (const kind of ['ConfigMap', 'Secret'] as const) {
    const ref = record(valueFrom[kind === 'ConfigMap' ? 'configMapKeyRef' : 'secretKeyRef'])
    const name = text(ref.name)
    const key = text(ref.key)
    if (name === undefined || key === undefined) continue
    const object = lookup(kind, name)
    const data = dataOf(object, kind)
    sources.push({
      kind,
      name,
      key,
      optional: ref.optional === true,
      present: object !== undefined,
      ...(object === undefined ? {} : { hasKey: Object.hasOwn(data, key) }),
    })
    return data[key]
  }
  return undefined
}

/** The names of Secrets a pod template mounts as volumes (projected ones too). */
export function mountedSecrets(template: PodTemplate): readonly string[] {
  return records(template.spec.volumes).flatMap((volume) =>
    [
      text(at(volume, 'secret', 'secretName')),
      ...records(at(volume, 'projected', 'sources')).map((source) => text(at(source, 'secret', 'name'))),
    ].filter((name): name is string => name !== undefined),
  )
}
