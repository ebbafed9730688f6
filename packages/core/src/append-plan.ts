import { ValidationError, type ValidationIssue } from './errors.js'
import type { EventId, EventMetadata } from './event.js'
import { isUuid, uuidv7 } from './event-id.js'
import type { AppendOptions, StreamWrite } from './event-store.js'
import { type ExpectedVersion, isExpectedVersion } from './expected-version.js'
import { toStrictJson } from './json-value.js'
import { illFormedTextIn, textIssue } from './read-options.js'

/** Limits every store enforces before it writes anything. */
export interface AppendLimits {
  /** Largest serialized `data` + `metadata` of one event, in bytes. @default 1048576 (1 MiB) */
  readonly maxEventBytes?: number
  /** Longest stream id, in characters. @default 512 */
  readonly maxStreamIdLength?: number
  /** Most events in one append. @default 10000 */
  readonly maxEventsPerAppend?: number
}

/** An event checked and serialized, ready for a store to write. */
export interface PlannedEvent {
  readonly eventId: EventId
  readonly streamId: string
  readonly type: string
  readonly schemaVersion: number
  readonly dataJson: string
  readonly metadataJson: string
  /** The data as given (checked to be plain JSON); stores that keep events keep a copy instead. */
  readonly data: unknown
  /** The metadata as given. */
  readonly metadata: EventMetadata
}

/** A checked append: events in order, and the versions to verify first. */
export interface AppendPlan {
  readonly events: readonly PlannedEvent[]
  /** Written stream ids, in the order given. */
  readonly streams: readonly string[]
  readonly checks: ReadonlyArray<{ readonly streamId: string; readonly expected: ExpectedVersion }>
  /** True when the caller gave any event id: only then can an event already be stored. */
  readonly idsSupplied: boolean
}

/**
 * Checks an append's input and serializes it once. Throws a {@link ValidationError} listing every
 * problem together, as a store's `append` must.
 *
 * @example
 * const plan = planAppend(writes, options, { maxEventBytes: 65536 })
 */
export function planAppend(
  writes: readonly StreamWrite[],
  options: AppendOptions | undefined,
  limits: AppendLimits = {},
): AppendPlan {
  const { maxEventBytes = 1_048_576, maxStreamIdLength = 512, maxEventsPerAppend = 10_000 } = limits
  const issues: ValidationIssue[] = []
  const events: PlannedEvent[] = []
  const streams: string[] = []
  const eventIds = new Set<string>()
  const streamIdIssue = (id: unknown): string | undefined => {
    if (typeof id !== 'string' || id.length === 0) return 'stream id must be a non-empty string'
    if (id.length > maxStreamIdLength) return `stream id is longer than ${maxStreamIdLength} characters`
    const bad = textIssue(id)
    return bad ? `stream id ${bad}` : undefined
  }

  if (!Array.isArray(writes) || writes.length === 0) {
    issues.push({ path: 'writes', message: 'nothing to append: give at least one stream with events' })
  } else {
    writes.forEach((write, w) => {
      const at = `writes.${w}`
      const idIssue = streamIdIssue(write?.streamId)
      if (idIssue) issues.push({ path: `${at}.streamId`, message: idIssue })
      else if (streams.includes(write.streamId))
        issues.push({ path: `${at}.streamId`, message: `stream '${write.streamId}' appears twice in one append` })
      else streams.push(write.streamId)
      const given: unknown = write?.events
      if (!Array.isArray(given) || given.length === 0) {
        issues.push({ path: `${at}.events`, message: 'must be a non-empty array of events' })
        return
      }
      given.forEach((event: unknown, e: number) => {
        const planned = planEvent(write.streamId, event, `${at}.events.${e}`, issues, maxEventBytes)
        if (!planned) return
        if (eventIds.has(planned.eventId))
          issues.push({ path: `${at}.events.${e}.eventId`, message: `event id ${planned.eventId} appears twice` })
        eventIds.add(planned.eventId)
        events.push(planned)
      })
    })
  }
  if (events.length > maxEventsPerAppend)
    issues.push({
      path: 'writes',
      message: `${events.length} events exceed the limit of ${maxEventsPerAppend} per append`,
    })

  const checks: Array<{ streamId: string; expected: ExpectedVersion }> = []
  const expected = options?.expectedVersions
  if (expected !== undefined && (typeof expected !== 'object' || expected === null || Array.isArray(expected))) {
    issues.push({ path: 'expectedVersions', message: 'must be a Map or an object of stream id → expected version' })
  } else if (expected) {
    const entries: Iterable<[string, unknown]> = expected instanceof Map ? expected.entries() : Object.entries(expected)
    for (const [streamId, version] of entries) {
      const idIssue = streamIdIssue(streamId)
      if (idIssue) issues.push({ path: 'expectedVersions', message: idIssue })
      else if (!isExpectedVersion(version))
        issues.push({
          path: `expectedVersions.${streamId}`,
          message: `unknown expected version ${JSON.stringify(version)}: use a whole number ≥ 0, 'no-stream', 'exists' or 'any'`,
        })
      else checks.push({ streamId, expected: version })
    }
  }

  if (issues.length > 0) throw new ValidationError(issues)
  const idsSupplied = writes.some((w) => w.events.some((e) => e.eventId !== undefined))
  return { events, streams, checks, idsSupplied }
}

function planEvent(
  streamId: string,
  event: unknown,
  at: string,
  issues: ValidationIssue[],
  maxEventBytes: number,
): PlannedEvent | undefined {
  if (typeof event !== 'object' || event === null) {
    issues.push({ path: at, message: 'an event must be an object with type and data' })
    return undefined
  }
  const { type, data, eventId, schemaVersion = 1, metadata = {} } = event as Record<string, unknown>
  const before = issues.length
  if (typeof type !== 'string' || type.length === 0 || type.length > 255)
    issues.push({ path: `${at}.type`, message: 'must be a non-empty string of at most 255 characters' })
  else {
    const bad = textIssue(type)
    if (bad) issues.push({ path: `${at}.type`, message: bad })
  }
  if (eventId !== undefined && (typeof eventId !== 'string' || !isUuid(eventId)))
    issues.push({ path: `${at}.eventId`, message: 'must be a UUID' })
  if (typeof schemaVersion !== 'number' || !Number.isSafeInteger(schemaVersion) || schemaVersion < 1)
    issues.push({ path: `${at}.schemaVersion`, message: 'must be a whole number ≥ 1' })
  if (data === undefined) issues.push({ path: `${at}.data`, message: 'is missing' })
  const dataResult = data === undefined ? undefined : toStrictJson(data, `${at}.data`)
  if (dataResult && 'issue' in dataResult) issues.push(dataResult.issue)
  else if (dataResult) pushIllFormed(dataResult.json, data, `${at}.data`, issues)
  let metadataJson = '{}'
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    issues.push({ path: `${at}.metadata`, message: 'must be an object' })
  else {
    const metadataResult = toStrictJson(metadata, `${at}.metadata`)
    if ('issue' in metadataResult) issues.push(metadataResult.issue)
    else {
      metadataJson = metadataResult.json
      pushIllFormed(metadataJson, metadata, `${at}.metadata`, issues)
    }
  }
  if (issues.length > before || !dataResult || 'issue' in dataResult) return undefined

  const dataJson = dataResult.json
  // A UTF-16 unit never takes more than 3 UTF-8 bytes, so only encode when the limit could be near.
  const size =
    (dataJson.length + metadataJson.length) * 3 <= maxEventBytes
      ? 0
      : encoder.encode(dataJson).length + encoder.encode(metadataJson).length
  if (size > maxEventBytes) {
    issues.push({ path: `${at}.data`, message: `event is ${size} bytes, over the limit of ${maxEventBytes}` })
    return undefined
  }
  return {
    eventId: (eventId as EventId | undefined) ?? uuidv7(),
    streamId,
    type: type as string,
    schemaVersion: schemaVersion as number,
    dataJson,
    metadataJson,
    data,
    metadata: metadata as EventMetadata,
  }
}

const encoder = new TextEncoder()

// JSON.stringify writes a lone surrogate as a `\udXXX` escape (PostgreSQL's jsonb refuses it), and
// a well-formed pair as itself: only JSON holding such an escape needs the walk that finds where.
function pushIllFormed(json: string, value: unknown, path: string, issues: ValidationIssue[]): void {
  if (!json.includes('\\ud')) return
  const issue = illFormedTextIn(value, path)
  if (issue) issues.push(issue)
}

/** The error for event ids already stored with other content or by another append; `append` throws it. */
export function reusedIdsError(
  plan: AppendPlan,
  found: ReadonlyArray<{ readonly eventId: string } | undefined>,
): ValidationError {
  const reused = plan.events.filter((_, i) => found[i] !== undefined).map((e) => e.eventId)
  return new ValidationError(
    [
      {
        path: 'events',
        message: `event ids ${reused.join(', ')} are already stored with other content or by another append; use new ids`,
      },
    ],
    'ERR_EVENTCORE_EVENT_ID_REUSED',
  )
}

/** The highest version per stream among recorded events: a successful append's `versions`. */
export function versionsAfter(
  events: ReadonlyArray<{ readonly streamId: string; readonly streamVersion: number }>,
): Map<string, number> {
  const versions = new Map<string, number>()
  for (const e of events) versions.set(e.streamId, Math.max(versions.get(e.streamId) ?? 0, e.streamVersion))
  return versions
}
