import type { Section } from '../report/report.js'
import { timedLoad } from './load.js'
import { measureRow, type ScenarioContext } from './scenario.js'
import { orderEvents } from './workload.js'

const CLIENTS = 8
const EVENTS = 100
const STREAM = 'ledger-1'

/** 4. Reading a whole 100-event stream, at 8 clients. */
export async function readStream(context: ScenarioContext): Promise<Section> {
  const rows = await measureRow(context, {
    group: String(CLIENTS),
    scenario: 's4',
    connections: CLIENTS,
    prepare: (store) => store.load([{ streamId: STREAM, events: orderEvents(STREAM, EVENTS) }]),
    measure: (store) =>
      timedLoad(context, CLIENTS, async () => {
        const read = await store.readStream(STREAM)
        if (read !== EVENTS) throw new Error(`read ${read} events of ${EVENTS}`)
        return 0
      }),
  })
  return {
    title: `4. Read a whole ${EVENTS}-event stream`,
    unit: 'reads/s',
    groupHeader: 'clients',
    rows,
    notes: [
      'EventCore: store.readStream(id), rows mapped to recorded events; raw SQL: SELECT … WHERE stream_id = $1 ORDER BY version (named); Emmett: readStream(id).',
    ],
  }
}
