import { context, propagation, trace } from '@opentelemetry/api'
// The SDK is loaded only when tracing is on: every process that imports @eventcore/service (the
// CLI on each run among them) would otherwise pay for loading it.
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace'
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

/**
 * Installs OpenTelemetry tracing for the process when the standard variables ask for it
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, unless
 * `OTEL_SDK_DISABLED=true`): a tracer provider whose batch span processor exports OTLP over HTTP
 * (protobuf), `service.name` from `OTEL_SERVICE_NAME` (else `options.serviceName`), the W3C trace
 * context propagator and an AsyncLocalStorage context manager, all global, so the spans of
 * @eventcore/core and @eventcore/http reach it. Otherwise it installs nothing and returns
 * `undefined`, having loaded no part of the SDK. Throws when tracing is already installed in
 * the process. `runService` calls it; `startService` takes the result and shuts it down on close.
 *
 * @example
 * const tracing = await startTracing(process.env, { serviceName: 'orders service' })
 * const service = await startService(config, ordersService, { tracing })
 */
export async function startTracing(env: RawEnv, options: TracingOptions): Promise<Tracing | undefined> {
  const settings = options.spanProcessors ? undefined : tracingSettings(env, options.serviceName)
  if (!options.spanProcessors && !settings) return undefined
  const [
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { OTLPTraceExporter },
    resources,
    sdk,
    semconv,
  ] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/semantic-conventions'),
  ])
  const { defaultResource, detectResources, envDetector, resourceFromAttributes } = resources
  const { BatchSpanProcessor, TracerProvider } = sdk
  const samplerFor = (setting: SamplerSetting): Sampler => {
    const root =
      setting.kind === 'traceidratio'
        ? new sdk.TraceIdRatioBasedSampler(setting.ratio)
        : setting.kind === 'always_off'
          ? new sdk.AlwaysOffSampler()
          : new sdk.AlwaysOnSampler()
    return setting.parentBased ? new sdk.ParentBasedSampler({ root }) : root
  }
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
      .merge(resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: serviceName })),
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
