/**
 * The read model of the projection scenarios: one row per stream with the sum of its `Deposited`
 * amounts, upserted once per event, the way a typical SQL projection handler writes, or once per
 * batch: the batch's deposits summed per stream, one multi-row upsert.
 *
 * @module
 */
import type { BenchEvent, StreamLoad } from '../stores/contender.js'

/** The event type the balances projection handles. */
export const DEPOSITED = 'Deposited'

/** The table of one balances projection; `table` is schema-qualified. */
export function balancesTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (stream_id text PRIMARY KEY, total bigint NOT NULL)`
}

/** The upsert a handler runs for one deposit: `$1` the stream, `$2` the amount. */
export function upsertBalanceSql(table: string): string {
  return `INSERT INTO ${table} AS b (stream_id, total) VALUES ($1, $2)
ON CONFLICT (stream_id) DO UPDATE SET total = b.total + excluded.total`
}

/**
 * The upsert of a whole batch, its deposits summed per stream: `$1` the streams (`text[]`), `$2`
 * their sums (`bigint[]`), one row each (a stream twice in one statement would be an error).
 */
export function upsertBalancesSql(table: string): string {
  return `INSERT INTO ${table} AS b (stream_id, total) SELECT * FROM unnest($1::text[], $2::bigint[])
ON CONFLICT (stream_id) DO UPDATE SET total = b.total + excluded.total`
}

/** A batch's deposits summed per stream, the parameters of {@link upsertBalancesSql}. */
export interface DepositSums {
  readonly streamIds: string[]
  readonly totals: number[]
  /** The `seq` of every deposit that carries one, in order. */
  readonly seqs: number[]
}

/**
 * Sums the deposits of a batch per stream, in the order streams first appear.
 *
 * @example
 * sumDeposits([{ streamId: 'a', data: { amount: 1 } }, { streamId: 'b', data: { amount: 2 } }, { streamId: 'a', data: { amount: 3 } }])
 * // { streamIds: ['a', 'b'], totals: [4, 2], seqs: [] }
 */
export function sumDeposits(events: Iterable<{ readonly streamId: string; readonly data: unknown }>): DepositSums {
  const sums = new Map<string, number>()
  const seqs: number[] = []
  for (const event of events) {
    const { amount, seq } = depositOf(event.data)
    sums.set(event.streamId, (sums.get(event.streamId) ?? 0) + amount)
    if (seq !== undefined) seqs.push(seq)
  }
  return { streamIds: [...sums.keys()], totals: [...sums.values()], seqs }
}

/**
 * `accounts` streams `acct-0` … of `perAccount` deposits each, for the catch-up.
 *
 * @example
 * depositStreams(2, 3) // [{ streamId: 'acct-0', events: [3 deposits] }, { streamId: 'acct-1', … }]
 */
export function depositStreams(accounts: number, perAccount: number): StreamLoad[] {
  return Array.from({ length: accounts }, (_, a) => {
    const account = `acct-${a}`
    return {
      streamId: account,
      events: Array.from(
        { length: perAccount },
        (_, i): BenchEvent => ({ type: DEPOSITED, data: { account, amount: i + 1, currency: 'EUR' } }),
      ),
    }
  })
}

/** A live deposit carrying `seq`, the number the latency measurement knows it by. */
export function liveDeposit(account: string, seq: number): BenchEvent {
  return { type: DEPOSITED, data: { account, amount: 1, currency: 'EUR', seq } }
}

/** What a handler reads from a deposit's data. */
export interface Deposit {
  readonly amount: number
  /** Present on live deposits only. */
  readonly seq: number | undefined
}

/**
 * Reads a deposit's data as it comes back from the store (parsed JSON).
 *
 * @example
 * depositOf({ account: 'acct-1', amount: 5, seq: 7 }) // { amount: 5, seq: 7 }
 */
export function depositOf(data: unknown): Deposit {
  const field = (name: string): unknown =>
    typeof data === 'object' && data !== null ? Reflect.get(data, name) : undefined
  const amount = field('amount')
  const seq = field('seq')
  if (typeof amount !== 'number') throw new Error(`a deposit without a numeric amount: ${JSON.stringify(data)}`)
  return { amount, seq: typeof seq === 'number' ? seq : undefined }
}
