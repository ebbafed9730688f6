// Rendered Kubernetes objects as the policy reads them: what `kubectl kustomize` prints, one YAML
// document per object. Only the fields the checks need are typed; the rest stays unknown.
import { parseAllDocuments } from 'yaml'
import { CliError, messageOf } from '../cli-error.js'
import { isRecord, record, records } from './fields.js'

/** One Kubernetes object of a rendered manifest set. */
export interface KubeObject {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: {
    readonly name: string
    readonly namespace?: string
    readonly labels?: Readonly<Record<string, string>>
    readonly annotations?: Readonly<Record<string, string>>
  }
  readonly [field: string]: unknown
}

/**
 * Parses a multi-document YAML stream (a `kubectl kustomize` rendering, or `kind: List`s) into
 * objects. Empty documents are dropped. A document that is not an object with `apiVersion`, `kind`
 * and `metadata.name` is a `CliError` (usage) naming `source` and the document's index.
 */
export function parseManifests(text: string, source: string): readonly KubeObject[] {
  const objects: KubeObject[] = []
  parseAllDocuments(text).forEach((document, index) => {
    const where = `${source}, document ${index + 1}`
    const [error] = document.errors
    if (error !== undefined) throw new CliError('usage', `${where}: not YAML: ${firstLine(error.message)}`)
    let value: unknown
    try {
      value = document.toJS({ maxAliasCount: 1000 })
    } catch (cause) {
      throw new CliError('usage', `${where}: ${firstLine(messageOf(cause))}`, { cause })
    }
    if (value === null || value === undefined) return
    objects.push(...flattened(value, where))
  })
  return objects
}

// The yaml package follows its message with a code frame: the first line, without the colon that leads to it.
const firstLine = (message: string): string => (message.split('\n')[0] ?? message).replace(/:\s*$/, '')

// `kind: List` (what `kubectl get -o yaml` prints) holds its objects in `items`.
function flattened(value: unknown, where: string): readonly KubeObject[] {
  const object = kubeObject(value, where)
  if (object.kind !== 'List') return [object]
  return records(object.items).flatMap((item, index) => flattened(item, `${where}, item ${index + 1}`))
}

function kubeObject(value: unknown, where: string): KubeObject {
  if (!isRecord(value)) throw new CliError('usage', `${where}: not a Kubernetes object (a mapping)`)
  const missing = [
    typeof value.apiVersion === 'string' && value.apiVersion !== '' ? [] : ['apiVersion'],
    typeof value.kind === 'string' && value.kind !== '' ? [] : ['kind'],
    value.kind === 'List' || (typeof record(value.metadata).name === 'string' && record(value.metadata).name !== '')
      ? []
      : ['metadata.name'],
  ].flat()
  if (missing.length > 0) throw new CliError('usage', `${where}: not a Kubernetes object: no ${missing.join(', ')}`)
  return { ...value, metadata: { ...record(value.metadata) } } as KubeObject
}
