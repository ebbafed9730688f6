import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sendProblem } from './problem-reply.js'

/** One readiness check: resolves when the dependency is usable, rejects (or times out) when not. */
export interface ReadinessCheck {
  readonly name: string
  readonly check: () => Promise<void>
  /**
   * Whether a failure makes the replica unready. A dependency the service can serve without (a
   * rate limiter that fails open) is not critical: its failure is reported, `/ready` answers 200
   * with `status: 'degraded'`, and the replica stays in rotation — taking every replica out because
   * a dependency they all share is down would turn a degraded service into an outage.
   * @default true
   */
  readonly critical?: boolean
}

/** Health options of {@link eventcoreHttp}. */
export interface HealthOptions {
  /** What `/ready` checks, e.g. the database and the projections. @default [] */
  readonly readiness?: readonly ReadinessCheck[]
  /** A check that has not answered by then fails. @default 2000 */
  readonly readyTimeoutMs?: number
}

/** The service's lifecycle, as the plugin decorates it onto the app (`app.eventcore`). */
export interface ServiceLifecycle {
  /** True once shutdown began: `/ready` answers 503 so load balancers stop sending traffic. */
  readonly draining: boolean
  startDraining(): void
}

function withTimeout(check: ReadinessCheck, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([check.check(), late]).finally(() => clearTimeout(timer))
}

/** `GET /health` (liveness: the process answers) and `GET /ready` (readiness: checks pass, not draining). */
export function registerHealth(app: FastifyInstance, options: HealthOptions, lifecycle: ServiceLifecycle): void {
  const { readiness = [], readyTimeoutMs = 2000 } = options
  // Probes carry no token: kubelets and load balancers call them.
  const probe = { config: { eventcore: { public: true } } } as const
  app.get('/health', probe, async () => ({ status: 'ok' }))
  // Not ready is an error status like any other: problem+json, with the checks as an extension.
  const notReady = (request: FastifyRequest, reply: FastifyReply, state: string, detail: string, checks: unknown[]) =>
    sendProblem(request, reply, {
      type: 'urn:eventcore:problem:not-ready',
      title: 'Service Unavailable',
      status: 503,
      detail,
      state,
      checks,
    })
  app.get('/ready', probe, async (request, reply) => {
    if (lifecycle.draining) return notReady(request, reply, 'draining', 'the service is shutting down', [])
    const checks = await Promise.all(
      readiness.map(async (check) => {
        try {
          await withTimeout(check, readyTimeoutMs)
          return { name: check.name, ok: true as const }
        } catch (error) {
          return { name: check.name, ok: false as const, error: error instanceof Error ? error.message : String(error) }
        }
      }),
    )
    const failed = readiness.filter((_, i) => !checks[i]?.ok)
    const failing = failed.filter((check) => check.critical ?? true).map((check) => check.name)
    if (failing.length > 0) return notReady(request, reply, 'not-ready', `failing: ${failing.join(', ')}`, checks)
    return { status: failed.length > 0 ? 'degraded' : 'ready', checks }
  })
}
