import pg from 'pg'

/** The store's default schema: the backups read it, `pg_dump -n` dumps it. */
export const SCHEMA = 'eventcore'

/** What a log holds, and whether it is whole: read to check the fill and every restore. */
export interface LogShape {
  readonly events: number
  readonly streams: number
  readonly transactions: number
  /** Streams whose versions are not exactly 1…n (a unique key rules out duplicates, so min and max say it). */
  readonly brokenStreams: number
  readonly lastPosition: number
  /** Average size of `data` and of `metadata` as JSON text, in bytes. */
  readonly dataBytes: number
  readonly metadataBytes: number
}

/**
 * How many streams a log of this size is spread over: about 20 events each, like accounts with a
 * history, so most transactions append to a stream that already has events.
 *
 * @example
 * streamsFor(1_000_000) // 50000
 */
export function streamsFor(events: number): number {
  return Math.max(2, Math.round(events / 20))
}

/**
 * A PL/pgSQL block that appends `events` events to `<schema>.events` in realistic transactions,
 * committing each (PostgreSQL 11+ allows COMMIT in DO): 1–10 events per transaction, three in ten
 * of those with several events split over two streams (a multi-stream append), versions contiguous
 * per stream, about 300 bytes of `data` and 150 of `metadata`. `transaction_id` and `recorded_at`
 * come from the columns' defaults, as the store's own appends set them. `setseed` makes the shape
 * repeatable (the event ids, from `gen_random_uuid`, differ).
 *
 * @example
 * await client.query(fillSql('eventcore', 100_000, { streamPrefix: 'account-1-', seed: 0.42 }))
 */
export function fillSql(
  schema: string,
  events: number,
  part: { readonly streamPrefix: string; readonly seed: number },
): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`not a plain schema name: '${schema}'`)
  if (!Number.isInteger(events) || events < 1) throw new Error(`not a number of events: ${events}`)
  if (!/^[a-z0-9-]+$/.test(part.streamPrefix)) throw new Error(`not a plain stream prefix: '${part.streamPrefix}'`)
  if (!(part.seed >= -1 && part.seed <= 1)) throw new Error(`setseed takes -1…1, got ${part.seed}`)
  const streams = streamsFor(events)
  const stream = `'${part.streamPrefix}'`
  return `DO $fill$
DECLARE
  streams constant int := ${streams};
  versions bigint[] := array_fill(0::bigint, ARRAY[${streams}]);
  written bigint := 0;
  k int; split int; a int; b int; va bigint; vb bigint;
BEGIN
  PERFORM setseed(${part.seed});
  WHILE written < ${events} LOOP
    k := least(1 + floor(random() * 10)::int, ${events} - written);
    a := 1 + floor(random() * streams)::int;
    IF k > 1 AND random() < 0.3 THEN
      b := 1 + floor(random() * streams)::int;
      IF b = a THEN b := a % streams + 1; END IF;
      split := 1 + floor(random() * (k - 1))::int;
    ELSE
      b := a;
      split := k;
    END IF;
    va := versions[a];
    vb := versions[b];
    INSERT INTO ${schema}.events (event_id, stream_id, stream_version, type, data, metadata)
    SELECT gen_random_uuid(),
           ${stream} || e.s,
           e.v,
           (ARRAY['MoneyDeposited', 'MoneyWithdrawn', 'TransferSent', 'TransferReceived'])[1 + e.i % 4],
           jsonb_build_object(
             'accountId', ${stream} || e.s,
             'amount', round((random() * 100000)::numeric, 2),
             'currency', 'EUR',
             'reference', md5(random()::text),
             'counterparty', ${stream} || (1 + floor(random() * streams)::int),
             'description', 'Invoice ' || floor(random() * 1000000)::int || ': '
               || repeat('consulting services ', 1 + floor(random() * 8)::int),
             'valueDate', to_char(clock_timestamp(), 'YYYY-MM-DD')),
           jsonb_build_object('correlationId', c.id, 'causationId', c.id,
             'userId', 'user-' || (1 + floor(random() * 500)::int), 'source', 'bench')
    FROM (SELECT i,
                 CASE WHEN i <= split THEN a ELSE b END AS s,
                 CASE WHEN i <= split THEN va + i ELSE vb + i - split END AS v
          FROM generate_series(1, k) AS i) AS e,
         (SELECT gen_random_uuid()::text AS id) AS c;
    versions[a] := va + split;
    IF b <> a THEN versions[b] := vb + (k - split); END IF;
    written := written + k;
    COMMIT;
  END LOOP;
END
$fill$`
}

/** Connections filling at once, each its own streams: the server's work spread over both cores. */
const FILL_CONNECTIONS = 2

/**
 * Fills the store's (migrated, empty) schema in the database at `url` with `events` events, server
 * side, without waiting for each commit's WAL flush (the fill is not measured; nothing is lost
 * unless the server crashes meanwhile). Two connections append at once, each to streams of its
 * own, so their transactions interleave in the global order as concurrent writers' do.
 */
export async function fillLog(url: string, events: number): Promise<void> {
  const share = Math.ceil(events / FILL_CONNECTIONS)
  await Promise.all(
    Array.from({ length: FILL_CONNECTIONS }, (_, i) => {
      const part = Math.min(share, events - i * share)
      if (part <= 0) return Promise.resolve()
      return withClient(url, async (client) => {
        await client.query('SET synchronous_commit = off')
        await client.query(fillSql(SCHEMA, part, { streamPrefix: `account-${i + 1}-`, seed: 0.42 - i / 10 }))
      })
    }),
  )
}

/** Reads what the log in the database at `url` holds (see {@link LogShape}). */
export async function readLogShape(url: string): Promise<LogShape> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<Record<keyof LogShape, string | null>>(`
      SELECT count(*) AS events,
             count(DISTINCT stream_id) AS streams,
             count(DISTINCT transaction_id) AS transactions,
             coalesce(max(global_position), 0) AS "lastPosition",
             coalesce(avg(octet_length(data::text)), 0) AS "dataBytes",
             coalesce(avg(octet_length(metadata::text)), 0) AS "metadataBytes",
             (SELECT count(*) FROM (
                SELECT stream_id FROM ${SCHEMA}.events GROUP BY stream_id
                HAVING min(stream_version) <> 1 OR max(stream_version) <> count(*)) AS broken) AS "brokenStreams"
      FROM ${SCHEMA}.events`)
    const row = rows[0]
    const number = (key: keyof LogShape) => Number(row?.[key] ?? Number.NaN)
    return {
      events: number('events'),
      streams: number('streams'),
      transactions: number('transactions'),
      brokenStreams: number('brokenStreams'),
      lastPosition: number('lastPosition'),
      dataBytes: Math.round(number('dataBytes')),
      metadataBytes: Math.round(number('metadataBytes')),
    }
  })
}

/** What is wrong with a log that should hold `events` events in whole streams, or undefined. */
export function logProblem(shape: LogShape, events: number): string | undefined {
  if (shape.events !== events) return `${shape.events} events instead of ${events}`
  if (shape.brokenStreams > 0) return `${shape.brokenStreams} streams with a gap in their versions`
  return undefined
}

/** The size of the database at `url` on disk, in bytes. */
export async function databaseBytes(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes')
    return Number(rows[0]?.bytes)
  })
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'eventcore-bench-backup' })
  client.on('error', () => {})
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}
