import { CliError } from './cli-error.js'
import { httpRequest, jsonBody } from './http-client.js'

/** The envelope of every Prometheus HTTP API answer. */
export interface PrometheusAnswer {
  readonly status?: string
  readonly error?: string
  readonly data?: unknown
}

/**
 * Calls Prometheus's HTTP API at `path` (e.g. `/api/v1/rules`) and returns its envelope; an answer
 * that is not a 200 `success` is a connection error naming the URL and Prometheus's reason.
 */
export async function prometheusApi(prometheusUrl: string, path: string, timeoutMs: number): Promise<PrometheusAnswer> {
  const response = await httpRequest(`${prometheusUrl}${path}`, { timeoutMs })
  const body = jsonBody(response) as PrometheusAnswer | undefined
  if (response.status !== 200 || body?.status !== 'success') {
    throw new CliError(
      'connection',
      `${prometheusUrl}${path.split('?')[0]}: HTTP ${response.status} ${body?.error ?? response.body.slice(0, 200)}`,
    )
  }
  return body
}
