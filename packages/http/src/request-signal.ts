import type { FastifyReply, FastifyRequest } from 'fastify'

/** Options of {@link requestSignal}. */
export interface RequestSignalOptions {
  /**
   * The request's whole time budget, from its arrival: the signal aborts when it is spent. 0 for
   * none (only a client that goes away aborts it).
   * @default 0
   */
  readonly budgetMs?: number
}

/**
 * An `AbortSignal` for the work a request starts (e.g. `executor.execute(…, { signal })`): it
 * aborts when the client closes the connection before its answer was sent — nobody waits for the
 * result, so the work should stop taking connections and retries — or when the request's time
 * budget, counted from its arrival, runs out.
 *
 * @example
 * app.post('/transfers', async (request, reply) => {
 *   const signal = requestSignal(request, reply, { budgetMs: 10_000 })
 *   const result = await executor.execute(transfer, request.body, { signal })
 * })
 */
export function requestSignal(
  _request: FastifyRequest,
  reply: FastifyReply,
  { budgetMs = 0 }: RequestSignalOptions = {},
): AbortSignal {
  // One controller and at most one timer per request, the timer cleared with the response:
  // AbortSignal.timeout joined by AbortSignal.any cost a measurable share of a request's CPU time.
  const controller = new AbortController()
  const timer =
    budgetMs > 0
      ? setTimeout(
          () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
          Math.max(1, Math.ceil(budgetMs - reply.elapsedTime)),
        )
      : undefined
  // As AbortSignal.timeout's: it never keeps the process alive.
  timer?.unref()
  // The response closes either after it was written (finished) or because the connection died.
  reply.raw.once('close', () => {
    clearTimeout(timer)
    if (!reply.raw.writableFinished) controller.abort(new Error('the client closed the connection'))
  })
  return controller.signal
}
