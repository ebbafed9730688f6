import { DEFAULT_MAX_VERSION, DEFAULT_MIN_VERSION } from 'node:tls'
import { StoreUnavailableError, ValidationError } from '@eventcore/core'
import { describe, expect, it } from 'vitest'
import { isConnectionError, storeError } from './store-errors.js'

const pgError = (code: string, message = 'server said no') => Object.assign(new Error(message), { code })

describe('storeError', () => {
  it.each([
    ['22P05', 'unsupported Unicode escape sequence'],
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22P02', 'invalid input syntax for type json'],
    ['22003', 'value out of range'],
    ['54000', 'index row size exceeds the maximum'],
  ])('calls the data error %s validation, never unavailability', (code, message) => {
    const error = storeError('append', pgError(code, message))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toContain(code)
  })

  it.each([
    ['57P01', true],
    ['08006', true],
    ['40001', true],
    ['53300', true],
    ['57014', false],
    ['25006', false],
    ['53100', false],
    ['42P01', false],
  ])('calls %s store-unavailable (transient: %s)', (code, transient) => {
    const error = storeError('append', pgError(code))
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(error).toMatchObject({ kind: 'store-unavailable', transient })
  })

  it('calls a dropped socket transient store-unavailable and a connection error', () => {
    const dropped = new Error('Connection terminated unexpectedly')
    expect(storeError('readStream', dropped)).toMatchObject({ kind: 'store-unavailable', transient: true })
    expect(isConnectionError(dropped)).toBe(true)
    expect(isConnectionError(pgError('40001'))).toBe(false)
  })

  it('calls a TLS version the server refuses a TLS failure, with OpenSSL’s reason and the versions to compare', () => {
    const refused = Object.assign(
      new Error(
        'write EPROTO 80EC4F7E787F0000:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 70\n',
      ),
      { code: 'EPROTO', errno: -71, syscall: 'write' },
    )
    const error = storeError('connect', refused)
    expect(error).toMatchObject({ kind: 'store-unavailable', transient: false })
    expect(error.message).toBe(
      `connect failed: TLS to PostgreSQL failed (EPROTO): tlsv1 alert protocol version: the server and this client share no TLS version (this client: ${DEFAULT_MIN_VERSION} to ${DEFAULT_MAX_VERSION}; the server: ssl_min_protocol_version and ssl_max_protocol_version)`,
    )
  })

  it('keeps a certificate failure’s own message, naming what to check', () => {
    const unsigned = Object.assign(new Error('unable to verify the first certificate'), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    })
    expect(storeError('connect', unsigned).message).toBe(
      'connect failed: TLS to PostgreSQL failed (UNABLE_TO_VERIFY_LEAF_SIGNATURE): unable to verify the first certificate; check the CA certificate, the client certificate and sslmode',
    )
  })
})
