import type {
  Checkpoint,
  DeadLetter,
  GlobalCursor,
  Lease,
  ProjectionFailure,
  ProjectionState,
  ProjectionStore,
} from '@eventcore/core'
import type { SqlConnection } from './sql-driver.js'
import type { SqlEventStore } from './sql-store.js'

interface CheckpointRow {
  readonly name: string
  readonly version: number
  readonly cursor_transaction_id: string
  readonly cursor_position: string | number
  readonly state: ProjectionState
  readonly active: boolean
  readonly processed: string | number
  readonly last_error: string | null
  readonly last_error_event_id: string | null
  readonly last_error_at: Date | null
}

const COLUMNS = `name, version, cursor_transaction_id::text AS cursor_transaction_id, cursor_position, state, active,
  processed, last_error, last_error_event_id, last_error_at`

function toCheckpoint(row: CheckpointRow): Checkpoint {
  return {
    name: row.name,
    version: row.version,
    cursor: { transactionId: Number(row.cursor_transaction_id), position: Number(row.cursor_position) },
    state: row.state,
    active: row.active,
    processed: Number(row.processed),
    lastError:
      row.last_error === null
        ? undefined
        : {
            message: row.last_error,
            eventId: row.last_error_event_id ?? undefined,
            at: row.last_error_at ?? new Date(0),
          },
  }
}

/**
 * Checkpoints in the event store's schema, for read models in the same database: a batch's
 * read-model writes (through the `tx` handed to the handler) and its checkpoint commit together,
 * so a crash never applies an event twice. Leases are session advisory locks.
 *
 * @example
 * const projections = createSqlProjectionStore(store)
 * const runner = runProjection({ store, projections, projection: balances })
 */
export function createSqlProjectionStore(store: SqlEventStore): ProjectionStore<SqlConnection> {
  const { driver, schema } = store
  const table = `${schema.quoted}.projections`
  const ensure = (db: SqlConnection, name: string, version: number) =>
    db.query(`INSERT INTO ${table} (name, version) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [name, version])
  const load = async (db: SqlConnection, name: string, version: number): Promise<Checkpoint> => {
    await ensure(db, name, version)
    const [row] = await db.query<CheckpointRow>(`SELECT ${COLUMNS} FROM ${table} WHERE name = $1 AND version = $2`, [
      name,
      version,
    ])
    if (!row) throw new Error(`checkpoint ${name}@${version} vanished`)
    return toCheckpoint(row)
  }
  const same = (row: CheckpointRow | undefined, cursor: GlobalCursor) =>
    row !== undefined &&
    Number(row.cursor_transaction_id) === cursor.transactionId &&
    Number(row.cursor_position) === cursor.position

  return {
    load: (name, version) => load(driver, name, version),

    commit: (name, version, step, work) =>
      driver.transaction(async (tx) => {
        // No insert of a missing row here (load() made it): a missing row is "moved", and the
        // runner loads again. One statement less per batch.
        // The row lock keeps two runners from applying the same batch; the cursor check makes a
        // runner that lost its lease (or raced a reset) back off instead.
        const [row] = await tx.query<CheckpointRow>(
          `SELECT ${COLUMNS} FROM ${table} WHERE name = $1 AND version = $2 FOR UPDATE`,
          [name, version],
        )
        if (!same(row, step.from)) return 'moved'
        await work(tx)
        if (step.deadLetter) {
          const d = step.deadLetter
          await tx.query(
            `INSERT INTO ${schema.quoted}.dead_letters (projection, version, event_id, global_position, error, attempts)
             VALUES ($1, $2, $3, $4, $5, $6)`,
            [d.projection, d.version, d.eventId, d.globalPosition, d.error, d.attempts],
          )
        }
        await tx.query(
          `UPDATE ${table} SET cursor_transaction_id = $3::text::xid8, cursor_position = $4,
             processed = processed + $5, updated_at = now() WHERE name = $1 AND version = $2`,
          [name, version, String(step.to.transactionId), step.to.position, step.processed],
        )
        return 'committed' as const
      }),

    async setState(name: string, version: number, state: ProjectionState, failure?: ProjectionFailure | null) {
      await ensure(driver, name, version)
      if (failure === undefined) {
        await driver.query(`UPDATE ${table} SET state = $3, updated_at = now() WHERE name = $1 AND version = $2`, [
          name,
          version,
          state,
        ])
        return
      }
      await driver.query(
        `UPDATE ${table} SET state = $3, last_error = $4, last_error_event_id = $5, last_error_at = $6, updated_at = now()
         WHERE name = $1 AND version = $2`,
        [name, version, state, failure?.message ?? null, failure?.eventId ?? null, failure?.at ?? null],
      )
    },

    async reset(name, version, cursor) {
      await ensure(driver, name, version)
      await driver.query(
        `UPDATE ${table} SET cursor_transaction_id = $3::text::xid8, cursor_position = $4, updated_at = now()
         WHERE name = $1 AND version = $2`,
        [name, version, String(cursor.transactionId), cursor.position],
      )
    },

    activate: (name, version) =>
      driver.transaction(async (tx) => {
        await ensure(tx, name, version)
        await tx.query(`UPDATE ${table} SET active = false WHERE name = $1 AND active AND version <> $2`, [
          name,
          version,
        ])
        await tx.query(`UPDATE ${table} SET active = true WHERE name = $1 AND version = $2`, [name, version])
      }),

    async tryLease(name, version): Promise<Lease | undefined> {
      return driver.tryLock(`${schema.name}.projection.${name}@${version}`)
    },

    async list() {
      return (await driver.query<CheckpointRow>(`SELECT ${COLUMNS} FROM ${table} ORDER BY name, version`)).map(
        toCheckpoint,
      )
    },

    async deadLetters(name) {
      const rows = await driver.query<{
        projection: string
        version: number
        event_id: string
        global_position: string
        error: string
        attempts: number
        failed_at: Date
      }>(
        `SELECT projection, version, event_id, global_position, error, attempts, failed_at
         FROM ${schema.quoted}.dead_letters WHERE projection = $1 ORDER BY id`,
        [name],
      )
      return rows.map(
        (r): DeadLetter => ({
          projection: r.projection,
          version: r.version,
          eventId: r.event_id,
          globalPosition: Number(r.global_position),
          error: r.error,
          attempts: r.attempts,
          failedAt: r.failed_at,
        }),
      )
    },
  }
}
