// The pod templates of a rendering: every object that makes pods, with the spec its pods get.
import { at, record, records, stringMap, text } from './fields.js'
import type { KubeObject } from './kube-object.js'
import type { Rendering } from './rendering.js'

type Fields = Readonly<Record<string, unknown>>

/** One container of a pod template (an init container too). */
export interface PodContainer {
  readonly name: string
  readonly init: boolean
  readonly fields: Fields
  /** `Deployment/eventcore-app container app`, as details name it. */
  readonly label: string
}

/** The pods one object makes. */
export interface PodTemplate {
  readonly object: KubeObject
  /** `Deployment/eventcore-app` */
  readonly ref: string
  readonly namespace: string
  /** The labels its pods carry (what Services, PDBs and NetworkPolicies select). */
  readonly labels: Readonly<Record<string, string>>
  /** The pod spec. */
  readonly spec: Fields
  /** Init containers first, then containers. */
  readonly containers: readonly PodContainer[]
}

/** Where each pod-bearing kind keeps its pod template (a Pod is its own). */
const TEMPLATE_PATH: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  Pod: [],
}

/** Every pod template of the rendering, in rendering order. */
export function podTemplates(rendering: Rendering): readonly PodTemplate[] {
  return rendering.objects.flatMap((object) => {
    const path = TEMPLATE_PATH[object.kind]
    if (path === undefined) return []
    const template = at(object, ...path)
    const ref = rendering.refOf(object)
    const spec = record(at(template, 'spec'))
    const containers = [...containersOf(spec.initContainers, true, ref), ...containersOf(spec.containers, false, ref)]
    return [
      {
        object,
        ref,
        namespace: rendering.namespaceOf(object),
        labels: stringMap(at(template, 'metadata', 'labels')),
        spec,
        containers,
      },
    ]
  })
}

const containersOf = (list: unknown, init: boolean, ref: string): readonly PodContainer[] =>
  records(list).map((fields) => {
    const name = text(fields.name) ?? '(unnamed)'
    return { name, init, fields, label: `${ref} ${init ? 'initContainer' : 'container'} ${name}` }
  })

/** The pod templates of the rendering's Deployments. */
export const deploymentTemplates = (rendering: Rendering): readonly PodTemplate[] =>
  podTemplates(rendering).filter((template) => template.object.kind === 'Deployment')

/** A container's declared ports: name (when named) and number. */
export function containerPorts(container: PodContainer): readonly { readonly name?: string; readonly port: number }[] {
  return records(container.fields.ports).flatMap((port) => {
    const number = port.containerPort
    if (typeof number !== 'number') return []
    const name = text(port.name)
    return [name === undefined ? { port: number } : { name, port: number }]
  })
}

/** The number a port reference (a name or a number, as probes and targetPorts give it) resolves to. */
export function resolvePort(container: PodContainer, reference: unknown): number | undefined {
  const ports = containerPorts(container)
  if (typeof reference === 'number') return ports.some((port) => port.port === reference) ? reference : undefined
  if (typeof reference === 'string' && /^\d+$/.test(reference)) return resolvePort(container, Number(reference))
  return ports.find((port) => port.name === reference)?.port
}

/** The number of the container's port named `http` (the service's API port), if it declares one. */
export const httpPort = (container: PodContainer): number | undefined =>
  containerPorts(container).find((port) => port.name === 'http')?.port
