import { uuidv7 } from '@eventcore/core'
import { accountStream } from '../operations/workload.js'
import type { TransferRequest } from './contender.js'
import type { WithClient } from './raw-baseline.js'
import type { RawStatements } from './raw-sql.js'

/** PostgreSQL's unique_violation: the other writer took a version first. */
const UNIQUE_VIOLATION = '23505'

/**
 * The transfer, written by hand as a careful engineer would: one statement, one round trip per
 * attempt. It folds both accounts' events in SQL (balance and last version per stream, through the
 * (stream_id, version) index), and inserts the withdrawal and the deposit at the next version of
 * each only when both accounts are open and the source has the funds. The unique (stream_id,
 * version) rejects the INSERT when either stream moved since the statement's snapshot; then it
 * runs again at once. Resolves to the retries it needed.
 */
export async function rawTransfer(
  withClient: WithClient,
  statements: RawStatements,
  { from, to, amount, transferId }: TransferRequest,
): Promise<number> {
  const fromId = accountStream(from)
  const toId = accountStream(to)
  const data = JSON.stringify({ amount, transferId })
  const metadata = JSON.stringify({
    correlationId: uuidv7(),
    command: 'transfer',
    occurredAt: new Date().toISOString(),
  })
  for (let retries = 0; ; retries++) {
    const written = await withClient(async (client) => {
      try {
        const values = [fromId, toId, uuidv7(), uuidv7(), amount, data, metadata]
        const { rowCount } = await client.query({ ...statements.transfer, values })
        return rowCount === 2
      } catch (error) {
        if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return undefined
        throw error
      }
    })
    if (written === true) return retries
    if (written === false)
      throw new Error(`transfer refused: account ${from} or ${to} is not open, or ${from} lacks funds`)
  }
}
