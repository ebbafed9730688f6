import type { BenchEvent, StreamLoad } from '../stores/contender.js'

let sequence = 0

/** A stream id no other operation of this process uses; namespaces keep runs apart. */
export function freshStreamId(prefix: string): string {
  sequence += 1
  return `${prefix}-${sequence}`
}

/** `count` events of an order, the same payload for every contender (about 80 bytes of JSON each). */
export function orderEvents(orderId: string, count: number): BenchEvent[] {
  return Array.from(
    { length: count },
    (_, i): BenchEvent =>
      i === 0
        ? { type: 'OrderPlaced', data: { orderId, customer: 'customer-42', currency: 'EUR', total: 12_950 } }
        : { type: 'LineAdded', data: { orderId, line: i, sku: `sku-${i}`, quantity: 1, price: 1_295 } },
  )
}

/** The id of an account's stream, as the sample `transfer` command names it. */
export function accountStream(id: string): string {
  return `account-${id}`
}

/** Opens `count` accounts, `acct-0` … with a balance that no benchmark run can exhaust. */
export function openedAccounts(count: number, balance: number): StreamLoad[] {
  return Array.from({ length: count }, (_, i) => ({
    streamId: accountStream(`acct-${i}`),
    events: [{ type: 'AccountOpened', data: { owner: `owner-${i}`, balance } }],
  }))
}

/** Splits items into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size))
  return chunks
}

/** Runs `work` on every item, at most `limit` at a time. */
export async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T
      await work(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
