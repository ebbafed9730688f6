import type { Finding, FindingCategory, FindingSource, Severity } from './finding.js'

/** A rule of the audit: what a finding of it means and how to fix it. SARIF's `rules` come from here. */
export interface AuditRule {
  readonly category: FindingCategory
  readonly severity: Severity
  readonly title: string
  readonly recommendation: string
  /** Why it matters, for SARIF's `help` and `fullDescription`. */
  readonly help: string
}

// One table for every rule, so that ids stay stable and SARIF lists exactly what the audit can find.
// Ids: EC-<AUTH|AUTHZ|ENC|NET|DATA>-<nnn>; 001–009 the configuration, 010–019 the database, 020–029 a URL.
const table = {
  'EC-AUTH-001': {
    category: 'authentication',
    severity: 'critical',
    title: 'No JWT key is configured: tokens are checked against a generated development secret',
    recommendation:
      'Set EVENTCORE_JWT_SECRET_FILE (32+ random bytes, e.g. `openssl rand -base64 32`), EVENTCORE_JWT_JWKS_URL or EVENTCORE_JWT_PUBLIC_KEY_FILE.',
    help: 'A generated secret lives in the data directory or in memory; each replica would have its own and anyone with the files can mint tokens. NODE_ENV=production refuses to start without a key.',
  },
  'EC-AUTH-002': {
    category: 'authentication',
    severity: 'high',
    title: 'The JWT secret has little entropy',
    recommendation: 'Use 32 random bytes: `openssl rand -base64 32 > jwt-secret` and EVENTCORE_JWT_SECRET_FILE.',
    help: 'An HS256 secret that can be guessed lets anyone sign tokens with any role. The estimate is the length times the Shannon entropy of its characters; under 128 bits is too little.',
  },
  'EC-AUTH-003': {
    category: 'authentication',
    severity: 'medium',
    title: 'Tokens are accepted for longer than an hour',
    recommendation: 'Set EVENTCORE_JWT_MAX_AGE_SECONDS to 3600 or less and refresh tokens instead.',
    help: 'A stolen token works until it is too old; a short maximum age limits the damage.',
  },
  'EC-AUTH-004': {
    category: 'authentication',
    severity: 'medium',
    title: 'The JWKS is fetched over plain HTTP',
    recommendation: 'Serve the JWKS over https and set EVENTCORE_JWT_JWKS_URL to it.',
    help: 'Whoever can change the keys in transit can sign tokens the service accepts.',
  },
  'EC-AUTH-005': {
    category: 'authentication',
    severity: 'low',
    title: 'Tokens are not checked for an audience',
    recommendation: 'Set EVENTCORE_JWT_AUDIENCE to this service’s audience.',
    help: 'Without an audience check, a token the same issuer signed for another service is accepted here.',
  },
  'EC-AUTH-010': {
    category: 'authentication',
    severity: 'high',
    title: 'PostgreSQL stores new passwords as MD5',
    recommendation: "Set password_encryption = 'scram-sha-256' and reset each role's password.",
    help: 'MD5 password hashes can be replayed and cracked; SCRAM-SHA-256 is the PostgreSQL default since 14.',
  },
  'EC-AUTH-011': {
    category: 'authentication',
    severity: 'high',
    title: 'pg_hba.conf lets remote hosts in with trust, password or md5',
    recommendation: 'Use scram-sha-256 (or cert) for every host rule that is not loopback.',
    help: 'trust needs no password at all; password sends it in clear text; md5 is weak. Rules for 127.0.0.1/::1 and local sockets are not reported.',
  },
  'EC-AUTH-012': {
    category: 'authentication',
    severity: 'low',
    title: 'pg_hba.conf rules could not be checked',
    recommendation: 'Ask a superuser to check pg_hba_file_rules for trust, password or md5 on non-local hosts.',
    help: 'pg_hba_file_rules is readable by superusers only; the audit does not claim a pass it could not see.',
  },
  'EC-AUTH-020': {
    category: 'authentication',
    severity: 'high',
    title: 'A flood of bad tokens is not rate limited',
    recommendation:
      'Keep rate limits on (EVENTCORE_RATE_LIMIT_MAX per EVENTCORE_RATE_LIMIT_WINDOW_MS) and low enough to stop token guessing.',
    help: 'Requests with a bad token are counted by client address; without a limit a client can try tokens as fast as the service answers.',
  },
  'EC-AUTHZ-010': {
    category: 'authorization',
    severity: 'critical',
    title: 'The database role is a superuser',
    recommendation:
      'Connect the service as an application role with only the DML it needs (see `eventcore-cli db roles --print-sql`).',
    help: 'A superuser bypasses every permission: one bug or leaked URL exposes the whole cluster.',
  },
  'EC-AUTHZ-011': {
    category: 'authorization',
    severity: 'high',
    title: 'The database role can create roles',
    recommendation: 'ALTER ROLE … NOCREATEROLE for the role the service connects as.',
    help: 'CREATEROLE lets the role create and alter other roles, often a path to more privilege.',
  },
  'EC-AUTHZ-012': {
    category: 'authorization',
    severity: 'medium',
    title: 'The database role can create databases',
    recommendation: 'ALTER ROLE … NOCREATEDB for the role the service connects as.',
    help: 'The service never creates databases; the right only widens what a compromise can do.',
  },
  'EC-AUTHZ-013': {
    category: 'authorization',
    severity: 'high',
    title: 'PUBLIC holds privileges on EventCore tables',
    recommendation: 'REVOKE ALL ON ALL TABLES IN SCHEMA <schema> FROM PUBLIC, and grant to named roles only.',
    help: 'Every role of the cluster, present and future, holds what is granted to PUBLIC.',
  },
  'EC-AUTHZ-014': {
    category: 'authorization',
    severity: 'high',
    title: 'PUBLIC holds privileges on the EventCore schema',
    recommendation: 'REVOKE ALL ON SCHEMA <schema> FROM PUBLIC.',
    help: 'CREATE lets any role add objects (e.g. functions that shadow ours); USAGE lets any role reach what is in it.',
  },
  'EC-AUTHZ-015': {
    category: 'authorization',
    severity: 'critical',
    title: 'The service’s role can change or delete events',
    recommendation:
      'Events are insert-only: connect as an application role with INSERT and SELECT on events and no UPDATE, DELETE or TRUNCATE (the schema owner is the migrator, not the service).',
    help: 'The event log is the system of record; a role that can rewrite it lets one bug or injection rewrite history.',
  },
  'EC-ENC-001': {
    category: 'encryption',
    severity: 'critical',
    title: 'HTTPS is not enforced',
    recommendation:
      'Set EVENTCORE_ENFORCE_HTTPS=true (the production default) and EVENTCORE_TRUST_PROXY for the proxy that terminates TLS.',
    help: 'Without enforcement, tokens and personal data may travel in clear text. NODE_ENV=production refuses EVENTCORE_ENFORCE_HTTPS=false.',
  },
  'EC-ENC-002': {
    category: 'encryption',
    severity: 'medium',
    title: 'HSTS max-age is under six months',
    recommendation: 'Set EVENTCORE_HSTS_MAX_AGE_SECONDS to 31536000 (one year).',
    help: 'Browsers forget a short Strict-Transport-Security policy and may try plain HTTP again.',
  },
  'EC-ENC-003': {
    category: 'encryption',
    severity: 'high',
    title: 'The connection to PostgreSQL is not encrypted',
    recommendation: 'Add sslmode=verify-full to EVENTCORE_DATABASE_URL and EVENTCORE_DATABASE_SSL_CA_FILE.',
    help: 'Without TLS the database password and every event cross the network in clear text.',
  },
  'EC-ENC-004': {
    category: 'encryption',
    severity: 'medium',
    title: 'The PostgreSQL server’s certificate is not verified',
    recommendation: 'Use sslmode=verify-full with EVENTCORE_DATABASE_SSL_CA_FILE instead of sslmode=require.',
    help: 'sslmode=require encrypts but accepts any certificate, so a machine in the middle can read everything.',
  },
  'EC-ENC-010': {
    category: 'encryption',
    severity: 'high',
    title: 'PostgreSQL has TLS off; this connection is plaintext',
    recommendation:
      'Set ssl = on with a certificate on the server, then sslmode=verify-full in EVENTCORE_DATABASE_URL.',
    help: 'With ssl = off no client can encrypt: passwords and events cross the network in clear text.',
  },
  'EC-ENC-011': {
    category: 'encryption',
    severity: 'high',
    title: 'This database connection does not use TLS',
    recommendation: 'The server offers TLS: add sslmode=verify-full to EVENTCORE_DATABASE_URL.',
    help: 'pg_stat_ssl shows the audit’s own connection in clear text, as the service’s would be with the same URL.',
  },
  'EC-ENC-012': {
    category: 'encryption',
    severity: 'medium',
    title: 'The database connection uses a TLS version older than 1.2',
    recommendation: "Set ssl_min_protocol_version = 'TLSv1.2' (or newer) on the server.",
    help: 'TLS 1.0 and 1.1 have known weaknesses and are deprecated (RFC 8996).',
  },
  'EC-ENC-020': {
    category: 'encryption',
    severity: 'high',
    title: 'Plain HTTP is served, not refused or redirected',
    recommendation: 'Run with NODE_ENV=production (or EVENTCORE_ENFORCE_HTTPS=true) behind a TLS-terminating proxy.',
    help: 'A request that arrives over plain HTTP should be redirected to https (GET) or refused, so tokens are never sent in clear text twice.',
  },
  'EC-ENC-021': {
    category: 'encryption',
    severity: 'high',
    title: 'No Strict-Transport-Security header',
    recommendation: 'Enforce HTTPS (EVENTCORE_ENFORCE_HTTPS=true): the service then sends HSTS on every answer.',
    help: 'Without HSTS a browser may still try plain HTTP, where a machine in the middle can strip TLS.',
  },
  'EC-ENC-022': {
    category: 'encryption',
    severity: 'medium',
    title: 'Strict-Transport-Security max-age is under six months',
    recommendation: 'Set EVENTCORE_HSTS_MAX_AGE_SECONDS to 31536000 (one year).',
    help: 'Browsers forget a short HSTS policy and may try plain HTTP again.',
  },
  'EC-NET-001': {
    category: 'network-security',
    severity: 'critical',
    title: 'CORS allows any origin',
    recommendation: 'List the exact browser origins in EVENTCORE_CORS_ORIGINS.',
    help: "With '*' any web page a user visits can call the API from their browser. NODE_ENV=production refuses it.",
  },
  'EC-NET-002': {
    category: 'network-security',
    severity: 'medium',
    title: 'CORS allows an origin served over plain HTTP',
    recommendation: 'Allow https origins only (http://localhost is not reported).',
    help: 'A page served over plain HTTP can be altered in transit and then call the API as the user.',
  },
  'EC-NET-003': {
    category: 'network-security',
    severity: 'medium',
    title: 'The rate limit is too high to slow down abuse',
    recommendation: 'Keep EVENTCORE_RATE_LIMIT_MAX at or under 1000 requests per minute per client.',
    help: 'The limit is what stops token guessing and a single client exhausting the service.',
  },
  'EC-NET-004': {
    category: 'network-security',
    severity: 'medium',
    title: '/metrics is served on the public API port',
    recommendation: 'Set EVENTCORE_METRICS_PORT and expose that port to Prometheus only.',
    help: '/metrics needs no token: on the API port, anyone who reaches the API reads route names, error rates and process details.',
  },
  'EC-NET-020': {
    category: 'network-security',
    severity: 'high',
    title: 'CORS reflects an arbitrary Origin',
    recommendation: 'Answer Access-Control-Allow-Origin only for the origins listed in EVENTCORE_CORS_ORIGINS.',
    help: 'The audit sent Origin: https://evil.example; a service that allows it lets any web page call it from a user’s browser.',
  },
  'EC-NET-021': {
    category: 'network-security',
    severity: 'medium',
    title: 'CORS answers Access-Control-Allow-Origin: *',
    recommendation: 'List the exact browser origins in EVENTCORE_CORS_ORIGINS.',
    help: 'Any web page may read the answers.',
  },
  'EC-NET-022': {
    category: 'network-security',
    severity: 'medium',
    title: 'No X-Content-Type-Options: nosniff',
    recommendation: 'Send X-Content-Type-Options: nosniff on every answer (@eventcore/http does).',
    help: 'Browsers may otherwise guess a content type and run an answer as script.',
  },
  'EC-NET-023': {
    category: 'network-security',
    severity: 'medium',
    title: 'No Content-Security-Policy',
    recommendation: "Send Content-Security-Policy: default-src 'none'; frame-ancestors 'none' for a JSON API.",
    help: 'A CSP stops an answer rendered by a browser from loading or running anything.',
  },
  'EC-NET-024': {
    category: 'network-security',
    severity: 'medium',
    title: 'Framing is not denied',
    recommendation: "Send X-Frame-Options: DENY or CSP frame-ancestors 'none'.",
    help: 'Without it, another site can frame the API’s pages (clickjacking).',
  },
  'EC-NET-025': {
    category: 'network-security',
    severity: 'low',
    title: 'No Referrer-Policy',
    recommendation: 'Send Referrer-Policy: no-referrer.',
    help: 'URLs (with ids in them) may otherwise leak to other sites in the Referer header.',
  },
  'EC-DATA-001': {
    category: 'data-protection',
    severity: 'medium',
    title: 'The database password is written in EVENTCORE_DATABASE_URL',
    recommendation: 'Put the URL in a secret file and set EVENTCORE_DATABASE_URL_FILE instead.',
    help: 'Environment variables show up in process listings, crash reports and `docker inspect`; a *_FILE secret does not.',
  },
  'EC-DATA-002': {
    category: 'data-protection',
    severity: 'medium',
    title: 'The log level is debug or trace',
    recommendation: 'Set EVENTCORE_LOG_LEVEL=info (the default) in production.',
    help: 'Debug logs write much more of each request; credentials are redacted but other personal data may not be.',
  },
  'EC-DATA-003': {
    category: 'data-protection',
    severity: 'high',
    title: 'The service is not in production mode',
    recommendation: 'Set NODE_ENV=production: insecure settings are then refused at start-up.',
    help: 'Outside production the service accepts a generated JWT secret, CORS * and plain HTTP, and listens on loopback only.',
  },
  'EC-DATA-020': {
    category: 'data-protection',
    severity: 'low',
    title: 'The server names its software or version',
    recommendation: 'Remove the Server / X-Powered-By headers at the proxy, or at least their versions.',
    help: 'A version tells an attacker which known vulnerabilities to try.',
  },
  'EC-DATA-021': {
    category: 'data-protection',
    severity: 'medium',
    title: '/metrics is reachable without a token',
    recommendation: 'Set EVENTCORE_METRICS_PORT and expose that port to Prometheus only.',
    help: 'The audit read the Prometheus text at the URL it was given, without a token.',
  },
  'EC-DATA-022': {
    category: 'data-protection',
    severity: 'medium',
    title: 'An error answer reveals internals',
    recommendation: 'Answer errors with problem+json that names the problem, never a stack trace or internal message.',
    help: 'Stack traces and file paths tell an attacker what runs inside and where.',
  },
} as const satisfies Record<string, AuditRule>

/** A rule's id. */
export type RuleId = keyof typeof table

/** Every rule of the audit, by id. */
export const RULES: Readonly<Record<RuleId, AuditRule>> = table

/** Every rule id, sorted. */
export const RULE_IDS: readonly RuleId[] = (Object.keys(table) as RuleId[]).sort()

/**
 * A finding of rule `id`: category, severity, title and recommendation come from {@link RULES}.
 *
 * @example
 * finding('EC-NET-001', 'config', "EVENTCORE_CORS_ORIGINS is '*'", 'EVENTCORE_CORS_ORIGINS')
 */
export function finding(id: RuleId, source: FindingSource, description: string, location?: string): Finding {
  const { category, severity, title, recommendation } = RULES[id]
  return {
    id,
    category,
    severity,
    title,
    description,
    recommendation,
    source,
    ...(location === undefined ? {} : { location }),
  }
}
