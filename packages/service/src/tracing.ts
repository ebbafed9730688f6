import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources'
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions'
import type { RawEnv } from './config/index.js'
import { type SamplerSetting, tracingSettings } from './tracing-settings.js'

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** `service.name` when `OTEL_SERVICE_NAME` is not set, e.g. the service definition's name. */
  readonly serviceName: string
  /**
   * Span processors to use instead of the OTLP exporter, whatever the environment says: tests pass
   * `new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })`.
   */
  readonly spanProcessors?: readonly SpanProcessor[]
}

/** Tracing installed in this process. */
export interface Tracing {
  /** Where spans are exported; undefined with the caller's own span processors. */
  readonly url: string | undefined
  /** Exports the spans still buffered. */
  flush(): Promise<void>
  /** Exports the spans still buffered and uninstalls the provider, propagator and context manager. Idempotent. */
  shutdown(): Promise<void>
}

function samplerFor(setting: SamplerSetting): Sampler {
  const root =
    setting.kind === 'traceidratio'
      ? new TraceIdRatioBasedSampler(setting.ratio)
      : setting.kind === 'always_off'
        ? new AlwaysOffSampler()
        : new AlwaysOnSampler()
  return setting.parentBased ? new ParentBasedSampler({ root }) : root
}

/**
 * Installs OpenTelemetry tracing for the process when the standard variables ask for it
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, unless
 * `OTEL_SDK_DISABLED=true`): a tracer provider whose batch span processor exports OTLP over HTTP
 * (protobuf), `service.name` from `OTEL_SERVICE_NAME` (else `options.serviceName`), the W3C trace
 * context propagator and an AsyncLocalStorage context manager, all global, so the spans of
 * @eventcore/core and @eventcore/http reach it. Otherwise it installs nothing and returns
 * `undefined`: tracing then costs a no-op span per call. Throws when tracing is already installed in
 * the process. `runService` calls it; `startService` takes the result and shuts it down on close.
 *
 * @example
 * const tracing = startTracing(process.env, { serviceName: 'orders service' })
 * const service = await startService(config, ordersService, { tracing })
 */
export function startTracing(env: RawEnv, options: TracingOptions): Tracing | undefined {
  const settings = options.spanProcessors ? undefined : tracingSettings(env, options.serviceName)
  if (!options.spanProcessors && !settings) return undefined
  const serviceName = settings?.serviceName ?? (env.OTEL_SERVICE_NAME?.trim() || options.serviceName)
  const spanProcessors = options.spanProcessors
    ? [...options.spanProcessors]
    : settings
      ? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: settings.url }), ...settings.batch })]
      : []
  const provider = new TracerProvider({
    // OTEL_RESOURCE_ATTRIBUTES (envDetector) first, then the service's name on top.
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName })),
    ...(settings ? { sampler: samplerFor(settings.sampler) } : {}),
    spanProcessors,
  })
  if (!trace.setGlobalTracerProvider(provider))
    throw new Error('an OpenTelemetry tracer provider is already installed in this process')
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  let stopping: Promise<void> | undefined
  return {
    url: settings?.url,
    flush: () => provider.forceFlush(),
    shutdown: () => {
      stopping ??= provider.shutdown().finally(() => {
        trace.disable()
        propagation.disable()
        context.disable()
      })
      return stopping
    },
  }
}
