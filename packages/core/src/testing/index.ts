/**
 * Test helpers: the shared store and idempotency store contract suites (vitest) and command
 * specifications.
 *
 * @example
 * import { describeStoreContract } from '@eventcore/core/testing'
 * describeStoreContract('my store', () => openMyStore({ schema: uniqueSchema() }))
 *
 * @module
 */
export {
  type AccountEvent,
  openAccount,
  type RegistrationEvent,
  registerUser,
  type TransferInput,
  transfer,
} from './bank.js'
export { commandSpec, type SpecHistory, SpecificationError } from './command-spec.js'
export { describeIdempotencyStoreContract } from './idempotency-contract.js'
export { IDEMPOTENCY_T0, idempotencyBeginInput } from './idempotency-fixtures.js'
export {
  describeProjectionContract,
  type ProjectionFixture,
  type TestReadModel,
} from './projection-contract.js'
export { describeStoreContract, type StoreContractOptions, uniqueStream } from './store-contract.js'
