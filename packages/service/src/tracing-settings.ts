import type { RawEnv } from './config/index.js'

/** Which traces are kept: OpenTelemetry's `OTEL_TRACES_SAMPLER` values. */
export type SamplerSetting =
  | { readonly kind: 'always_on' | 'always_off'; readonly parentBased: boolean }
  | { readonly kind: 'traceidratio'; readonly ratio: number; readonly parentBased: boolean }

/** What the standard `OTEL_*` variables ask of trace export, read in one place. */
export interface TracingSettings {
  /** Where spans are POSTed (OTLP over HTTP, protobuf). */
  readonly url: string
  readonly serviceName: string
  readonly sampler: SamplerSetting
  /** The batch span processor's `OTEL_BSP_*` settings; absent ones keep the SDK's defaults. */
  readonly batch: {
    readonly maxQueueSize?: number
    readonly maxExportBatchSize?: number
    readonly scheduledDelayMillis?: number
    readonly exportTimeoutMillis?: number
  }
}

const SAMPLERS: Readonly<Record<string, SamplerSetting['kind']>> = {
  always_on: 'always_on',
  always_off: 'always_off',
  traceidratio: 'traceidratio',
  parentbased_always_on: 'always_on',
  parentbased_always_off: 'always_off',
  parentbased_traceidratio: 'traceidratio',
}

const set = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim()
  return trimmed ? trimmed : undefined
}

const positive = (value: string | undefined): number | undefined => {
  const number = Number(set(value))
  return Number.isSafeInteger(number) && number > 0 ? number : undefined
}

/**
 * Reads trace export from the standard variables: on when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 * (used as it is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (with `/v1/traces` added) is set, unless
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`; `undefined` means off. The service
 * name is `OTEL_SERVICE_NAME`, else `defaultServiceName`; the sampler `OTEL_TRACES_SAMPLER` (with
 * `OTEL_TRACES_SAMPLER_ARG`), by default `parentbased_always_on`. An unknown sampler or a bad number
 * falls back to the default, as the OpenTelemetry specification asks.
 */
export function tracingSettings(env: RawEnv, defaultServiceName: string): TracingSettings | undefined {
  if (set(env.OTEL_SDK_DISABLED)?.toLowerCase() === 'true') return undefined
  if (set(env.OTEL_TRACES_EXPORTER)?.toLowerCase() === 'none') return undefined
  const tracesUrl = set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  const baseUrl = set(env.OTEL_EXPORTER_OTLP_ENDPOINT)
  const url = tracesUrl ?? (baseUrl === undefined ? undefined : `${baseUrl.replace(/\/+$/, '')}/v1/traces`)
  if (url === undefined) return undefined
  const name = set(env.OTEL_TRACES_SAMPLER)?.toLowerCase() ?? 'parentbased_always_on'
  const kind = SAMPLERS[name] ?? 'always_on'
  const parentBased = SAMPLERS[name] === undefined || name.startsWith('parentbased_')
  const ratio = Number(set(env.OTEL_TRACES_SAMPLER_ARG) ?? 1)
  const sampler: SamplerSetting =
    kind === 'traceidratio'
      ? { kind, parentBased, ratio: Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1 }
      : { kind, parentBased }
  const batch = {
    maxQueueSize: positive(env.OTEL_BSP_MAX_QUEUE_SIZE),
    maxExportBatchSize: positive(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE),
    scheduledDelayMillis: positive(env.OTEL_BSP_SCHEDULE_DELAY),
    exportTimeoutMillis: positive(env.OTEL_BSP_EXPORT_TIMEOUT),
  }
  return {
    url,
    serviceName: set(env.OTEL_SERVICE_NAME) ?? defaultServiceName,
    sampler,
    batch: Object.fromEntries(Object.entries(batch).filter(([, value]) => value !== undefined)),
  }
}
