// #region contract
import { createMemoryStore } from '@eventcore/core/memory'
import { describeStoreContract } from '@eventcore/core/testing'
import { recordingStore } from './recording-store.js'

// `open` must return a new, empty store each time: the suite calls it once per test.
describeStoreContract('recording store over memory', async () => recordingStore(createMemoryStore()))
// #endregion contract
