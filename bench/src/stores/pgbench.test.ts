import { describe, expect, it } from 'vitest'
import {
  parsePgbenchSummary,
  pgbenchArgs,
  pgbenchLatencies,
  pgbenchMissing,
  pgbenchScript,
  pgbenchThreads,
} from './pgbench.js'

// What pgbench 15 prints after `pgbench -n -M prepared -c 8 -j 2 -f append-one.sql -T 1 -l …`.
const PGBENCH_15_OUTPUT = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: /tmp/eventcore-pgbench-Ab12/append-one.sql
scaling factor: 1
query mode: prepared
number of clients: 8
number of threads: 2
maximum number of tries: 1
duration: 1 s
number of transactions actually processed: 4321
number of failed transactions: 0 (0.000%)
latency average = 1.851 ms
initial connection time = 9.876 ms
tps = 4322.654321 (without initial connection time)
`

describe('pgbenchScript', () => {
  it('is one INSERT of one row into the schema’s events table, fresh ids from gen_random_uuid(), version 1', () => {
    const script = pgbenchScript('bench_x_s1_pgb')
    expect(script.endsWith(';\n')).toBe(true)
    expect(script.trimEnd().split('\n')).toHaveLength(1)
    expect(script).toMatch(
      /^INSERT INTO bench_x_s1_pgb\.events \(event_id, stream_id, version, type, data, metadata\) VALUES \(gen_random_uuid\(\), 'order-' \|\| gen_random_uuid\(\), 1, 'OrderPlaced', '(\{.*\})', '\{\}'\);$/m,
    )
    const data = /'(\{"orderId.*?\})'/.exec(script)?.[1] ?? ''
    expect(JSON.parse(data)).toMatchObject({ customer: 'customer-42', currency: 'EUR', total: 12_950 })
    expect(script).not.toMatch(/BEGIN|COMMIT|\\/)
  })

  it('refuses a schema that is not a plain name', () => {
    expect(() => pgbenchScript('x; DROP TABLE y')).toThrow(/not a plain schema name/)
  })
})

describe('pgbenchArgs', () => {
  const base = {
    clients: 8,
    threads: 2,
    seconds: 3,
    scriptFile: '/tmp/d/append-one.sql',
    connectionString: 'postgres://h/db',
  }

  it('runs the script alone, prepared, without vacuum, for the measured seconds, logging each transaction', () => {
    expect(pgbenchArgs({ ...base, logPrefix: '/tmp/d/pgbench_log_1' })).toEqual([
      '-n',
      '-M',
      'prepared',
      '-c',
      '8',
      '-j',
      '2',
      '-f',
      '/tmp/d/append-one.sql',
      '-T',
      '3',
      '-l',
      '--log-prefix=/tmp/d/pgbench_log_1',
      'postgres://h/db',
    ])
  })

  it('warms up by a count of transactions per client, without a log', () => {
    const args = pgbenchArgs({ ...base, transactionsPerClient: 50 })
    expect(args.slice(-3)).toEqual(['-t', '50', 'postgres://h/db'])
    expect(args).not.toContain('-T')
    expect(args).not.toContain('-l')
  })
})

describe('pgbenchThreads', () => {
  it('is one thread per core, at most one per client', () => {
    expect(pgbenchThreads(1, 2)).toBe(1)
    expect(pgbenchThreads(8, 2)).toBe(2)
    expect(pgbenchThreads(32, 2)).toBe(2)
    expect(pgbenchThreads(4, 16)).toBe(4)
    expect(pgbenchThreads(8, 0)).toBe(1)
  })
})

describe('parsePgbenchSummary', () => {
  it('reads tps without connection time, transactions, failures and the average latency', () => {
    expect(parsePgbenchSummary(PGBENCH_15_OUTPUT)).toEqual({
      tps: 4322.654321,
      processed: 4321,
      failed: 0,
      latencyAverageMs: 1.851,
    })
  })

  it('reads failed transactions, and none when the line is absent (before PostgreSQL 15)', () => {
    const failing = PGBENCH_15_OUTPUT.replace('failed transactions: 0 (0.000%)', 'failed transactions: 12 (0.277%)')
    expect(parsePgbenchSummary(failing)).toMatchObject({ failed: 12 })
    const old = PGBENCH_15_OUTPUT.replace(/^number of failed transactions.*\n/m, '')
    expect(parsePgbenchSummary(old)).toMatchObject({ failed: 0, processed: 4321 })
  })

  it('says which line is missing', () => {
    expect(parsePgbenchSummary(PGBENCH_15_OUTPUT.replace(/^tps = .*$/m, ''))).toEqual({
      unreadable: 'no "tps = … (without initial connection time)" line',
    })
    expect(parsePgbenchSummary(PGBENCH_15_OUTPUT.replace(/^latency average.*$/m, ''))).toEqual({
      unreadable: 'no "latency average = … ms" line',
    })
    expect(parsePgbenchSummary('')).toHaveProperty('unreadable')
  })
})

describe('pgbenchLatencies', () => {
  it('reads the microseconds of each logged transaction as milliseconds, skipping failed ones and blank lines', () => {
    const log = ['0 0 1543 0 1733184000 123456', '1 0 20001 0 1733184000 125000', '1 1 failed 0 1733184000 125999', '']
    expect(pgbenchLatencies(log.join('\n'))).toEqual([1.543, 20.001])
    expect(pgbenchLatencies('')).toEqual([])
  })
})

describe('pgbenchMissing', () => {
  it('says the program is not found instead of failing', async () => {
    expect(await pgbenchMissing('eventcore-no-such-pgbench')).toBe('eventcore-no-such-pgbench not found on PATH')
  })

  it('says why a program that starts but fails cannot be used', async () => {
    // `false --version` exits 1 (GNU coreutils' false ignores its arguments).
    expect(await pgbenchMissing('false')).toBe('pgbench exited with 1')
  })
})
