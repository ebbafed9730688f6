import { isIP } from 'node:net'
import { connect, type PeerCertificate } from 'node:tls'
import { CliError, messageOf } from './cli-error.js'

/** What a TLS server presented, and whether this machine trusts it for the host name. */
export interface PresentedCertificate {
  readonly trusted: boolean
  /** Why it is not trusted (Node's verification error), when it is not. */
  readonly why?: string
  readonly subject: string
  readonly issuer: string
  readonly validTo: Date
  readonly protocol: string
}

/**
 * Connects to `host:port` with TLS (SNI `host` unless an IP address) and reads the server's certificate, verified
 * against Node's CA store (plus `NODE_EXTRA_CA_CERTS`) and the host name. An untrusted one is
 * still returned, with why; no answer at all is a `connection` error.
 *
 * @example
 * const certificate = await presentedCertificate('api.example.com', 443, 5000)
 */
export function presentedCertificate(host: string, port: number, timeoutMs: number): Promise<PresentedCertificate> {
  return new Promise((resolve, reject) => {
    // rejectUnauthorized off so an untrusted certificate can be read and reported, not only refused.
    // SNI carries host names only (RFC 6066); an IP address is verified against the certificate's IP SANs.
    const sni = isIP(host) === 0 ? { servername: host } : {}
    const socket = connect({ host, port, ...sni, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const peer: PeerCertificate = socket.getPeerCertificate()
      const name = (fields: PeerCertificate['subject'] | undefined) =>
        [fields?.CN ?? fields?.O ?? 'unknown'].flat().join(', ')
      resolve({
        trusted: socket.authorized,
        ...(socket.authorized ? {} : { why: messageOf(socket.authorizationError) }),
        subject: name(peer.subject),
        issuer: name(peer.issuer),
        validTo: new Date(peer.valid_to),
        protocol: socket.getProtocol() ?? 'unknown',
      })
      socket.end()
    })
    socket.once('timeout', () => {
      socket.destroy()
      reject(new CliError('connection', `TLS ${host}:${port}: no answer within ${timeoutMs} ms (--timeout)`))
    })
    socket.once('error', (error) => reject(new CliError('connection', `TLS ${host}:${port}: ${messageOf(error)}`)))
  })
}
