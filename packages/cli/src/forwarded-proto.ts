/**
 * The headers a TLS-terminating proxy adds, for requests to a plain `http://` URL: the CLI then
 * stands where that proxy stands (in the pod, behind the ingress, as the checklist's deployment
 * script runs it), so a production service that enforces HTTPS serves it. A service believes the
 * header only from a proxy it trusts (`EVENTCORE_TRUST_PROXY`). None for an `https://` URL.
 *
 * @example
 * httpRequest(`${base}/api/v1/me`, { timeoutMs, headers: { ...behindTlsProxy(base), authorization } })
 */
export function behindTlsProxy(baseUrl: string): Readonly<Record<string, string>> {
  return baseUrl.startsWith('http:') ? { 'x-forwarded-proto': 'https' } : {}
}
