// Rendered Kubernetes objects as the policy reads them: what `kubectl kustomize` prints, one YAML
// document per object. Only the fields the checks need are typed; the rest stays unknown.

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
  throw new Error(`not implemented yet: parseManifests(${text.length} chars of ${source})`)
}
