// Test support: each rendered object checked against the OpenAPI schema of its apiVersion and kind,
// from kubernetes-models (the Kubernetes API), @kubernetes-models/prometheus-operator and
// @kubernetes-models/cloudnative-pg (their CRDs). An object of a kind not listed here has no schema
// to check, which is itself a problem: a new kind needs its model added here first.
// The models check types, required fields, enums, formats and patterns; like a CRD's structural
// schema they accept unknown fields, so the tests assert the fields that matter explicitly.
import type { KubeObject } from '@eventcore/cli'
import { Cluster, ScheduledBackup } from '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1'
import {
  PodMonitor,
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'
import { Deployment } from 'kubernetes-models/apps/v1'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2'
import { CronJob, Job } from 'kubernetes-models/batch/v1'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import {
  ConfigMap,
  LimitRange,
  Namespace,
  PersistentVolumeClaim,
  ResourceQuota,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1'

/** Validates one object; throws (the models' ValidationError) naming each offending path. */
type Check = (object: KubeObject) => void

// The only cast: a model's constructor takes its typed interface, the rendering is untyped data
// (which is exactly what validate() is for).
const schema =
  <T>(Model: new (data: T) => { validate(): void }): Check =>
  (object) =>
    new Model(object as unknown as T).validate()

/** `apiVersion` and `kind` → the schema of that resource. */
export const SCHEMAS: ReadonlyMap<string, Check> = new Map([
  ['v1/Namespace', schema(Namespace)],
  ['v1/ServiceAccount', schema(ServiceAccount)],
  ['v1/ConfigMap', schema(ConfigMap)],
  ['v1/Secret', schema(Secret)],
  ['v1/Service', schema(Service)],
  ['v1/LimitRange', schema(LimitRange)],
  ['v1/ResourceQuota', schema(ResourceQuota)],
  ['v1/PersistentVolumeClaim', schema(PersistentVolumeClaim)],
  ['apps/v1/Deployment', schema(Deployment)],
  ['batch/v1/Job', schema(Job)],
  ['batch/v1/CronJob', schema(CronJob)],
  ['policy/v1/PodDisruptionBudget', schema(PodDisruptionBudget)],
  ['autoscaling/v2/HorizontalPodAutoscaler', schema(HorizontalPodAutoscaler)],
  ['networking.k8s.io/v1/NetworkPolicy', schema(NetworkPolicy)],
  ['monitoring.coreos.com/v1/ServiceMonitor', schema(ServiceMonitor)],
  ['monitoring.coreos.com/v1/PodMonitor', schema(PodMonitor)],
  ['monitoring.coreos.com/v1/PrometheusRule', schema(PrometheusRule)],
  ['postgresql.cnpg.io/v1/Cluster', schema(Cluster)],
  ['postgresql.cnpg.io/v1/ScheduledBackup', schema(ScheduledBackup)],
])

/** `Deployment/eventcore-app`, as problems name an object. */
export const objectName = (object: KubeObject): string => `${object.kind}/${object.metadata.name}`

/**
 * The schema problems of each object, one line each naming it; empty when every object validates.
 *
 * @example
 * schemaProblems(objects)
 * // → ['Deployment/eventcore-app (apps/v1): data/spec/replicas must be integer']
 */
export function schemaProblems(objects: readonly KubeObject[]): string[] {
  return objects.flatMap((object) => {
    const where = `${objectName(object)} (${object.apiVersion})`
    const check = SCHEMAS.get(`${object.apiVersion}/${object.kind}`)
    if (check === undefined) return [`${where}: no schema known for this apiVersion and kind`]
    try {
      check(object)
      return []
    } catch (error) {
      return [`${where}: ${error instanceof Error ? error.message : String(error)}`]
    }
  })
}
