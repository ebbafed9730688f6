import type { RuleId } from '../audit/rules.js'
import type { Evidence } from './evidence.js'

/** What the checklist asks of the audit, by subject. */
export type AuditTopic =
  | 'jwtKey'
  | 'tokenExpiry'
  | 'rateLimits'
  | 'cors'
  | 'https'
  | 'headers'
  | 'dbCredentials'
  | 'dbTls'
  | 'dbPrivileges'
  | 'dbAccessRules'
  | 'productionMode'
  | 'secrets'

/** The audit sources and rule ids that decide each subject (ids as `eventcore-cli audit` reports them). */
export const AUDIT_TOPICS: Readonly<
  Record<AuditTopic, { readonly sources: readonly (keyof Evidence['audit'])[]; readonly ids: readonly RuleId[] }>
> = {
  jwtKey: { sources: ['config'], ids: ['EC-AUTH-001', 'EC-AUTH-002', 'EC-AUTH-004', 'EC-AUTH-005'] },
  tokenExpiry: { sources: ['config'], ids: ['EC-AUTH-003'] },
  rateLimits: { sources: ['config', 'url'], ids: ['EC-NET-003', 'EC-AUTH-020'] },
  cors: { sources: ['config', 'url'], ids: ['EC-NET-001', 'EC-NET-002', 'EC-NET-020', 'EC-NET-021'] },
  https: { sources: ['config', 'url'], ids: ['EC-ENC-001', 'EC-ENC-020'] },
  headers: {
    sources: ['config', 'url'],
    ids: [
      'EC-ENC-002',
      'EC-ENC-021',
      'EC-ENC-022',
      'EC-NET-022',
      'EC-NET-023',
      'EC-NET-024',
      'EC-NET-025',
      'EC-DATA-020',
    ],
  },
  dbCredentials: { sources: ['config'], ids: ['EC-DATA-001'] },
  dbTls: {
    sources: ['config', 'database'],
    ids: ['EC-ENC-003', 'EC-ENC-004', 'EC-ENC-010', 'EC-ENC-011', 'EC-ENC-012'],
  },
  dbPrivileges: {
    sources: ['database'],
    ids: ['EC-AUTHZ-010', 'EC-AUTHZ-011', 'EC-AUTHZ-012', 'EC-AUTHZ-013', 'EC-AUTHZ-014', 'EC-AUTHZ-015'],
  },
  dbAccessRules: { sources: ['database'], ids: ['EC-AUTH-010', 'EC-AUTH-011', 'EC-AUTH-012'] },
  productionMode: { sources: ['config'], ids: ['EC-DATA-003', 'EC-DATA-002'] },
  secrets: { sources: ['config'], ids: ['EC-AUTH-001', 'EC-DATA-001'] },
}
