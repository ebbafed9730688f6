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
