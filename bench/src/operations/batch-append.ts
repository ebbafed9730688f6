import type { Section } from '../report/report.js'
import { timedLoad } from './load.js'
import { measureRow, type ScenarioContext } from './scenario.js'
import { freshStreamId, orderEvents } from './workload.js'

const CLIENTS = 8
const EVENTS = 10

/** 2. Ten events in one append to a new stream, at 8 clients. */
export async function batchAppend(context: ScenarioContext): Promise<Section> {
  const rows = await measureRow(context, {
    group: String(CLIENTS),
    scenario: 's2',
    connections: CLIENTS,
    measure: (store) =>
      timedLoad(context, CLIENTS, async () => {
        const streamId = freshStreamId('order')
        await store.appendToNewStream(streamId, orderEvents(streamId, EVENTS))
        return 0
      }),
  })
  return {
    title: `2. Append ${EVENTS} events at once to a new stream (expected version: no stream)`,
    unit: 'appends/s',
    groupHeader: 'clients',
    rows,
    notes: [
      `Each append writes ${EVENTS} events: events/s = ${EVENTS} × appends/s.`,
      'raw SQL: one INSERT … SELECT FROM unnest($1::uuid[], …) of the 10 rows, a named (prepared) statement.',
    ],
  }
}
