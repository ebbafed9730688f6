/** What one item of a batch came to: its value, or the error its caller gets. */
export type Outcome<R> = { readonly ok: true; readonly result: R } | { readonly ok: false; readonly error: unknown }

/** Sends work alone or in batches; see {@link createGroupCommit}. */
export interface GroupCommit<T, R> {
  /** Sends `item` at once when a slot is free, else with the next batch; settles with its own outcome. */
  submit(item: T): Promise<R>
}

/** Options of {@link createGroupCommit}. */
export interface GroupCommitOptions<T, R> {
  /** Sends one item alone: the path it takes with no batching. */
  readonly one: (item: T) => Promise<R>
  /**
   * Sends several items in one statement; resolves with one outcome per item, in order, or rejects
   * when the statement as a whole failed (then every item in it fails with that error).
   */
  readonly many: (items: readonly T[]) => Promise<ReadonlyArray<Outcome<R>>>
  /** Statements in flight at once. @default 1 */
  readonly maxInFlight?: number
  /** Most items in one batch. @default 64 */
  readonly maxBatch?: number
}

interface Waiting<T, R> {
  readonly item: T
  readonly resolve: (result: R) => void
  readonly reject: (error: unknown) => void
}

/**
 * Group commit: nothing waits while a slot is free (an item arriving then goes out at once, alone,
 * so one caller's latency does not grow); items arriving while every slot is busy queue, and when a
 * statement finishes, the queued ones go out together (up to `maxBatch`) as one statement. Under
 * load, many appends then share one commit.
 *
 * @example
 * const appends = createGroupCommit({ one: (plan) => appendEvents(db, schema, plan), many: (plans) => appendBatch(db, schema, plans) })
 * const result = await appends.submit(plan)
 */
export function createGroupCommit<T, R>({
  one,
  many,
  maxInFlight = 1,
  maxBatch = 64,
}: GroupCommitOptions<T, R>): GroupCommit<T, R> {
  const queue: Waiting<T, R>[] = []
  let inFlight = 0

  const settle = (waiting: Waiting<T, R>, outcome: Outcome<R> | undefined) => {
    if (outcome?.ok) waiting.resolve(outcome.result)
    else waiting.reject(outcome ? outcome.error : new Error('a batch returned no outcome for an item'))
  }
  const send = (): void => {
    const batch = queue.splice(0, maxBatch)
    const [first] = batch
    if (!first) return
    inFlight += 1
    const sent =
      batch.length === 1
        ? one(first.item).then(first.resolve, first.reject)
        : many(batch.map((w) => w.item)).then(
            (outcomes) => {
              for (const [i, w] of batch.entries()) settle(w, outcomes[i])
            },
            (error: unknown) => {
              for (const w of batch) w.reject(error)
            },
          )
    void sent.finally(() => {
      inFlight -= 1
      if (queue.length > 0) send()
    })
  }
  return {
    submit: (item) =>
      new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject })
        if (inFlight < maxInFlight) send()
      }),
  }
}
