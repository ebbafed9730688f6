import { describe, expect, it } from 'vitest'
import { tracingSettings } from './tracing-settings.js'

describe('tracingSettings', () => {
  it('is off without an OTLP endpoint, or when the SDK or the trace exporter is disabled', () => {
    expect(tracingSettings({}, 'users service')).toBeUndefined()
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, 'users service')).toBeUndefined()
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }
    expect(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' }, 'users service')).toBeUndefined()
    expect(tracingSettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }, 'users service')).toBeUndefined()
  })

  it('adds /v1/traces to the base endpoint and takes the traces endpoint as it is', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 's')?.url).toBe(
      'http://collector:4318/v1/traces',
    )
    expect(
      tracingSettings(
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/otlp/spans' },
        's',
      )?.url,
    ).toBe('https://b/otlp/spans')
  })

  it('names the service, samples parent-based by default and reads the sampler and batch variables', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }
    expect(tracingSettings(base, 'users service')).toEqual({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'users service',
      sampler: { kind: 'always_on', parentBased: true },
      batch: {},
    })
    expect(
      tracingSettings(
        {
          ...base,
          OTEL_SERVICE_NAME: 'users-eu',
          OTEL_TRACES_SAMPLER: 'traceidratio',
          OTEL_TRACES_SAMPLER_ARG: '0.25',
          OTEL_BSP_SCHEDULE_DELAY: '200',
          OTEL_BSP_MAX_QUEUE_SIZE: 'lots',
        },
        'users service',
      ),
    ).toEqual({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'users-eu',
      sampler: { kind: 'traceidratio', ratio: 0.25, parentBased: false },
      batch: { scheduledDelayMillis: 200 },
    })
  })

  it('falls back to the default sampler on an unknown name and to ratio 1 on a bad argument', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }
    expect(tracingSettings({ ...base, OTEL_TRACES_SAMPLER: 'jaeger_remote' }, 's')?.sampler).toEqual({
      kind: 'always_on',
      parentBased: true,
    })
    expect(
      tracingSettings({ ...base, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' }, 's')
        ?.sampler,
    ).toEqual({ kind: 'traceidratio', ratio: 1, parentBased: true })
  })
})
