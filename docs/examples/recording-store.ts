// A small third-party store for docs/testing.md: it wraps another store and keeps what it appended.
import type { EventStore, RecordedEvent } from '@eventcore/core'

// #region recording-store
/** A store that remembers every event appended through it, so a test can ask what a command wrote. */
export interface RecordingStore extends EventStore {
  readonly recorded: readonly RecordedEvent[]
}

export function recordingStore(inner: EventStore): RecordingStore {
  const recorded: RecordedEvent[] = []
  return {
    recorded,
    async append(writes, options) {
      const result = await inner.append(writes, options)
      if (result.ok && !result.duplicate) recorded.push(...result.events)
      return result
    },
    readStream: (streamId, options) => inner.readStream(streamId, options),
    readStreams: (streamIds) => inner.readStreams(streamIds),
    readAll: (options) => inner.readAll(options),
    streamVersion: (streamId) => inner.streamVersion(streamId),
    onAppend: (listener) => inner.onAppend(listener),
    close: () => inner.close(),
  }
}
// #endregion recording-store
