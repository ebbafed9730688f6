// Test support for the backup tests (not exported): a log with every shape a backup must keep, and
// a comparison of two logs by everything a restore must give back.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RecordedEvent, START } from '@eventcore/core'
import type { SqlEventStore } from '../sql-store.js'
import type { AfterAll } from '../test-database.js'

/** Appends a varied log: single- and multi-stream appends, odd JSON, metadata, big numbers. */
export async function appendVariedLog(store: SqlEventStore, rounds = 20): Promise<void> {
  for (let i = 1; i <= rounds; i++) {
    await store.append([{ streamId: `account-${i % 4}`, events: [{ type: 'Deposited', data: { amount: i } }] }])
    await store.append(
      [
        { streamId: `order-${i}`, events: [{ type: 'Placed', data: { lines: [{ sku: 'ß-ü "q"\n', n: i }] } }] },
        {
          streamId: `account-${i % 4}`,
          events: [
            { type: 'Charged', data: { amount: -i, exact: 0.1, tiny: 1e-300 } },
            { type: 'Noted', data: 'just a string', metadata: { correlationId: `c-${i}`, extra: { deep: [1, null] } } },
          ],
        },
      ],
      {},
    )
  }
  // What COPY's text format must escape, in a stream id and a type.
  await store.append([
    { streamId: `odd\tstream\nwith\\slash-${rounds}`, events: [{ type: 'A\tB', data: { tab: '\t' } }] },
  ])
  // Numbers JavaScript cannot hold (written by another tool): a backup must keep every digit.
  await store.driver.query(
    `INSERT INTO ${store.schema.quoted}.events (event_id, stream_id, stream_version, type, data)
     VALUES (gen_random_uuid(), 'precise-' || gen_random_uuid(), 1, 'Measured', '{"exact": 12345678901234567890.5, "n": 1.000000000000000000001}')`,
    [],
  )
}

/** Everything of an event a restore keeps (not its transaction id, which differs between clusters). */
export interface KeptEvent {
  readonly eventId: string
  readonly streamId: string
  readonly streamVersion: number
  readonly globalPosition: number
  readonly type: string
  readonly schemaVersion: number
  readonly data: unknown
  readonly metadata: unknown
  readonly recordedAt: string
}

/** The whole log in readAll order, as the fields a restore keeps, with the server's exact texts. */
export async function keptLog(store: SqlEventStore): Promise<KeptEvent[]> {
  const events: RecordedEvent[] = []
  for (let cursor = START; ; ) {
    const page = await store.readAll({ after: cursor, limit: 1000 })
    events.push(...page.events)
    if (page.events.length === 0) break
    cursor = page.cursor
  }
  // jsonb and microsecond times as the server prints them: JavaScript numbers and Dates would round.
  const texts = await store.driver.query<{ id: string; data: string; metadata: string; at: string }>(
    `SELECT event_id::text AS id, data::text AS data, metadata::text AS metadata,
       to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS at FROM ${store.schema.quoted}.events`,
    [],
  )
  const byId = new Map(texts.map((row) => [row.id, row]))
  return events.map((e) => ({
    eventId: e.eventId,
    streamId: e.streamId,
    streamVersion: e.streamVersion,
    globalPosition: e.globalPosition,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: byId.get(e.eventId)?.data,
    metadata: byId.get(e.eventId)?.metadata,
    recordedAt: byId.get(e.eventId)?.at ?? '',
  }))
}

/** Events grouped as the store committed them (by transaction id), in order: ids of each group. */
export async function transactionsOf(store: SqlEventStore): Promise<string[][]> {
  const rows = await store.driver.query<{ ids: string[] }>(
    `SELECT array_agg(event_id::text ORDER BY global_position) AS ids FROM ${store.schema.quoted}.events
     GROUP BY transaction_id ORDER BY transaction_id`,
    [],
  )
  return rows.map((row) => row.ids)
}

/** Makes temporary folders for backups; removes them after the file's tests. */
export function backupDirs(afterAll: AfterAll): () => Promise<string> {
  const made: string[] = []
  afterAll(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true })
  })
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eventcore-backup-test-'))
    made.push(dir)
    return dir
  }
}
