/** One connection's way of running a statement. `name` makes it a prepared statement where supported. */
export interface SqlConnection {
  query<Row>(text: string, values?: readonly unknown[], name?: string): Promise<Row[]>
  /**
   * Loads `rows` (COPY's text format: one line per row, tab-separated) into `target` (a table with
   * an optional column list) with COPY: the fastest way in. Used by restore, which inserts the
   * rows with a statement where a connection has no COPY.
   */
  copyFrom?(target: string, rows: string): Promise<void>
}

/**
 * What the stores need from a database: run a statement on any connection, or run several in one
 * transaction. Implemented over a `pg` pool and over PGlite.
 */
export interface SqlDriver extends SqlConnection {
  /** Commits when `work` resolves, rolls back when it throws (and rethrows). */
  transaction<T>(work: (tx: SqlConnection) => Promise<T>): Promise<T>
  /**
   * LISTENs on a channel on a connection of its own; resolves with a function that stops. The
   * callback may miss notifications while that connection is being re-established.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>
  /**
   * Takes a lock named `key` for as long as the returned release is not called (and, across
   * processes, the holder's connection lives); `undefined` when another holder has it.
   */
  tryLock(key: string): Promise<SqlLock | undefined>
  close(): Promise<void>
}

/** A held lock: release it, or ask whether it is still held (its connection may have dropped). */
export interface SqlLock {
  release(): Promise<void>
  held(): boolean
}

/**
 * Runs `work` in one transaction: commits when it resolves, rolls back when it throws.
 *
 * @example
 * await withTransaction(driver, async (tx) => {
 *   await tx.query('UPDATE balances SET amount = amount + $1 WHERE id = $2', [5, 'a'])
 * })
 */
export function withTransaction<T>(driver: SqlDriver, work: (tx: SqlConnection) => Promise<T>): Promise<T> {
  return driver.transaction(work)
}
