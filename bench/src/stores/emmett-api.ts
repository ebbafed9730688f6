/**
 * The slice of Emmett 0.42's API the benchmark uses, typed here because Emmett lives in the peer
 * project (`bench/peers`), outside the workspace. Shapes follow its published `.d.ts`.
 */
import { hasFunctions, requirePeer } from './peers.js'

/** An event as Emmett takes it. */
export interface EmmettEvent {
  readonly type: string
  readonly data: Readonly<Record<string, string | number>>
}

/** `PostgresEventStore` from `@event-driven-io/emmett-postgresql`, the part used here. */
export interface EmmettEventStore {
  appendToStream(
    streamName: string,
    events: EmmettEvent[],
    options?: { expectedStreamVersion?: bigint },
  ): Promise<{ readonly nextExpectedStreamVersion: bigint }>
  readStream(
    streamName: string,
  ): Promise<{ readonly currentStreamVersion: bigint; readonly events: readonly unknown[] }>
  readonly schema: { migrate(): Promise<unknown> }
  close(): Promise<void>
}

/** A `pg.Pool` of the peer project's own `pg`. */
export interface PeerPool {
  end(): Promise<void>
  on(event: 'error', listener: (error: Error) => void): unknown
}

/** Dumbo's SQL executor; opaque here, only handed back to Emmett. */
export interface DumboExecute {
  query(...args: never[]): Promise<unknown>
}

/** The loaded peer modules. */
export interface EmmettModules {
  readonly Pool: new (config: { connectionString: string; max: number; application_name: string }) => PeerPool
  readonly getPostgreSQLEventStore: (
    connectionString: string,
    options: { connectionOptions: { pool: PeerPool } },
  ) => EmmettEventStore
  /** Emmett's global read, the one its consumers and projections poll with. */
  readonly readMessagesBatch: (
    execute: DumboExecute,
    options: { after: bigint; batchSize: number },
  ) => Promise<{ readonly currentGlobalPosition: bigint; readonly messages: readonly unknown[] }>
  readonly dumbo: (options: { connectionString: string; pool: PeerPool }) => {
    readonly execute: DumboExecute
    close(): Promise<void>
  }
}

interface PgModule {
  readonly Pool: EmmettModules['Pool']
}
interface EmmettPostgresModule {
  readonly getPostgreSQLEventStore: EmmettModules['getPostgreSQLEventStore']
  readonly readMessagesBatch: EmmettModules['readMessagesBatch']
}
interface DumboModule {
  readonly dumbo: EmmettModules['dumbo']
}

/** Loads Emmett, Dumbo (its SQL layer) and the `pg` they share from `bench/peers/node_modules`. */
export function loadEmmett(): EmmettModules {
  const pg = requirePeer('pg', (m): m is PgModule => hasFunctions(m, ['Pool']))
  const emmett = requirePeer('@event-driven-io/emmett-postgresql', (m): m is EmmettPostgresModule =>
    hasFunctions(m, ['getPostgreSQLEventStore', 'readMessagesBatch']),
  )
  const dumbo = requirePeer('@event-driven-io/dumbo', (m): m is DumboModule => hasFunctions(m, ['dumbo']))
  return {
    Pool: pg.Pool,
    getPostgreSQLEventStore: emmett.getPostgreSQLEventStore,
    readMessagesBatch: emmett.readMessagesBatch,
    dumbo: dumbo.dumbo,
  }
}
