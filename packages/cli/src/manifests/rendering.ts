// A rendered manifest set as the checks query it: objects by kind, each in its namespace.
import type { KubeObject } from './kube-object.js'

/** The objects of one rendering, with the namespace each lands in. */
export interface Rendering {
  readonly objects: readonly KubeObject[]
  /** Every object of `kind`, in rendering order. */
  readonly ofKind: (kind: string) => readonly KubeObject[]
  /** The namespace `object` lands in when applied. */
  readonly namespaceOf: (object: KubeObject) => string
  /** `Kind/name`, as details name objects. */
  readonly refOf: (object: KubeObject) => string
}

/**
 * Objects without a namespace land where `kubectl apply` would put them given the rendering alone:
 * in its only Namespace when it declares exactly one (the overlay's namespace, as kustomize's
 * `namespace:` would have set it), else in `default`.
 */
export function renderingOf(objects: readonly KubeObject[]): Rendering {
  const namespaces = objects.filter((object) => object.kind === 'Namespace')
  const fallback = namespaces.length === 1 ? (namespaces[0]?.metadata.name ?? 'default') : 'default'
  return {
    objects,
    ofKind: (kind) => objects.filter((object) => object.kind === kind),
    namespaceOf: (object) => object.metadata.namespace ?? fallback,
    refOf: (object) => `${object.kind}/${object.metadata.name}`,
  }
}
