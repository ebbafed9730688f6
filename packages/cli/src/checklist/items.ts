import { BACKUP_CHECKS } from '../backup-validation.js'
import { MANIFEST_CHECKS } from '../manifests/policy.js'
import { AUDIT_TOPICS, type AuditTopic } from './audit-topics.js'
import { allOf, firstOf, fromChecks, fromConfig, fromFindings, type Judge, manual, onPostgres } from './judge.js'
import type { ChecklistSection } from './report.js'

const audited = (topic: AuditTopic, passed: string): Judge => {
  const { sources, ids } = AUDIT_TOPICS[topic]
  return fromFindings(sources, ids, passed)
}

/** Judged by `validate backup`'s checks of these names (run with `--backup-dir`). */
const fromBackup = (...names: readonly (keyof typeof BACKUP_CHECKS)[]): Judge =>
  fromChecks('backup', new RegExp(`^(${names.map((name) => BACKUP_CHECKS[name]).join('|')})$`))

/** Judged by `validate manifests`' checks of these names (run with `--manifests`). */
const fromManifests = (...names: readonly (keyof typeof MANIFEST_CHECKS)[]): Judge =>
  fromChecks('manifests', new RegExp(`^(${names.map((name) => MANIFEST_CHECKS[name]).join('|')})$`))

/** A verdict with what stays for a person to confirm appended, whatever the status. */
const alsoConfirm =
  (judge: Judge, what: string): Judge =>
  (evidence) => {
    const verdict = judge(evidence)
    return { ...verdict, detail: `${verdict.detail}; ${what}` }
  }

// The CLI checks logical backups of the log; the cluster's WAL archive and base backups are pgBackRest's.
const WAL_ARCHIVING =
  'the CLI checks logical backups of the event log; WAL archiving and base backups of the PostgreSQL cluster (pgBackRest) are for a person to confirm: docs/operations/backup.md'

const backupsTaken = alsoConfirm(fromBackup('age', 'create'), WAL_ARCHIVING)

/**
 * The production checklist of docs/production-checklist.md (the chapter EventCore grew from), item
 * by item, each with how it is judged. Sections and wording follow the chapter.
 */
export const CHECKLIST: readonly ChecklistSection[] = [
  {
    title: 'Security',
    groups: [
      {
        title: 'Authentication and Authorization',
        items: [
          {
            id: 'security.jwt-secret',
            title: 'JWT secret key configured and secured',
            judge: audited('jwtKey', 'the token key is strong and not generated'),
          },
          {
            id: 'security.token-expiry',
            title: 'Token expiration properly configured',
            judge: audited('tokenExpiry', 'token lifetime is bounded'),
          },
          {
            id: 'security.rbac',
            title: 'Role-based access control implemented and tested',
            judge: fromChecks(
              'smoke',
              /^authz:/,
              'give --url and --jwt-secret-file (or EVENTCORE_JWT_SECRET): the smoke test mints a token without the admin role',
            ),
          },
          {
            id: 'security.rate-limits',
            title: 'API rate limiting configured',
            judge: audited('rateLimits', 'rate limits are configured and enforced'),
          },
          {
            id: 'security.cors',
            title: 'CORS origins restricted to known domains',
            judge: audited('cors', 'CORS allows only listed origins'),
          },
          {
            id: 'security.https',
            title: 'HTTPS enforced for all endpoints',
            judge: audited('https', 'plain HTTP is refused or redirected'),
          },
          {
            id: 'security.headers',
            title: 'Security headers configured (HSTS, CSP, etc.)',
            judge: audited('headers', 'security headers are sent'),
          },
        ],
      },
      {
        title: 'Database Security',
        items: [
          {
            id: 'security.db-credentials',
            title: 'Database credentials stored in secrets management',
            judge: onPostgres(audited('dbCredentials', 'no password inline in EVENTCORE_DATABASE_URL')),
          },
          {
            id: 'security.db-tls',
            title: 'Connection encryption (SSL/TLS) enabled',
            judge: onPostgres(audited('dbTls', 'TLS is required and the server certificate verified')),
          },
          {
            id: 'security.db-privileges',
            title: 'Database user permissions follow principle of least privilege',
            judge: onPostgres(audited('dbPrivileges', 'the role is not a superuser and events are insert-only')),
          },
          {
            id: 'security.db-firewall',
            title: 'Database firewall rules restrict access',
            judge: onPostgres(audited('dbAccessRules', 'pg_hba rules checked')),
          },
          {
            id: 'security.db-pool',
            title: 'Connection pooling properly configured',
            judge: fromChecks('database', /pool/i),
          },
          {
            id: 'security.sql-parameters',
            title: 'Query parameterization used (prevent SQL injection)',
            judge: manual(
              "EventCore's own SQL is parameterised throughout; review your read-model and projection SQL for string-built queries",
            ),
          },
        ],
      },
    ],
  },
  {
    title: 'Performance',
    groups: [
      {
        title: 'Resource Limits',
        items: [
          {
            id: 'performance.cpu-limits',
            title: 'CPU limits set appropriately',
            judge: fromManifests('resources'),
          },
          {
            id: 'performance.memory-limits',
            title: 'Memory limits configured with buffer',
            judge: alsoConfirm(
              fromManifests('resources'),
              'confirm the limit leaves room over process_resident_memory_bytes under load',
            ),
          },
          {
            id: 'performance.pool-size',
            title: 'Database connection pool sized correctly',
            judge: fromChecks('database', /pool/i),
          },
          {
            id: 'performance.timeouts',
            title: 'Request timeouts configured',
            judge: fromConfig(({ config }) => ({
              status: 'pass',
              detail: `request ${config.requestTimeoutMs} ms, command ${config.commandTimeoutMs} ms, statement ${config.database.statementTimeoutMs} ms, pool wait ${config.database.poolWaitMs} ms`,
            })),
          },
          {
            id: 'performance.circuit-breakers',
            title: 'Circuit breakers implemented',
            judge: fromChecks('app', /circuit/i),
          },
          {
            id: 'performance.quotas',
            title: 'Resource quotas set at namespace level',
            judge: fromManifests('resourceQuota', 'limitRange'),
          },
        ],
      },
      {
        title: 'Performance Benchmarks',
        items: [
          {
            id: 'performance.load-test',
            title: 'Load testing completed with realistic scenarios',
            judge: manual(
              'run `eventcore-cli validate performance --url … --p95-ms … --min-rps …` against a staging copy',
            ),
          },
          {
            id: 'performance.baselines',
            title: 'Performance baselines established',
            judge: manual('record the figures of `validate performance` and `npm run bench` (docs/benchmarks.md)'),
          },
          {
            id: 'performance.scalability',
            title: 'Scalability limits identified',
            judge: manual(
              'find the request rate where p95 passes your target with `validate performance --connections …`',
            ),
          },
          {
            id: 'performance.db-queries',
            title: 'Database query performance optimized',
            judge: fromChecks('database', /latency|round trip/i),
          },
          {
            id: 'performance.indexes',
            title: 'Index usage analyzed and optimized',
            judge: fromChecks('database', /migrat/i),
          },
        ],
      },
    ],
  },
  {
    title: 'Reliability',
    groups: [
      {
        title: 'High Availability',
        items: [
          {
            id: 'reliability.replicas',
            title: 'Multiple replicas deployed',
            judge: fromManifests('replicas'),
          },
          {
            id: 'reliability.pdb',
            title: 'Pod disruption budgets configured',
            judge: fromManifests('disruptionBudget'),
          },
          {
            id: 'reliability.health-checks',
            title: 'Health checks implemented and tested',
            judge: fromChecks('app', /\/health/),
          },
          {
            id: 'reliability.readiness',
            title: 'Readiness probes properly configured',
            // The running service answers /ready; the manifests point the probe at it.
            judge: allOf(fromChecks('app', /ready/), fromManifests('probes')),
          },
          {
            id: 'reliability.liveness',
            title: 'Liveness probes tuned appropriately',
            judge: fromManifests('probes'),
          },
          {
            id: 'reliability.rolling-update',
            title: 'Rolling update strategy configured',
            judge: fromManifests('rollingUpdate'),
          },
        ],
      },
      {
        title: 'Backup and Recovery',
        items: [
          {
            id: 'reliability.backups',
            title: 'Automated backups configured and tested',
            judge: backupsTaken,
          },
          {
            id: 'reliability.backup-verification',
            title: 'Backup verification automated',
            judge: fromBackup('newestVerifies', 'verify', 'restore'),
          },
          {
            id: 'reliability.recovery',
            title: 'Recovery procedures documented and tested',
            judge: alsoConfirm(fromBackup('restore'), 'the procedure: docs/operations/backup.md'),
          },
          {
            id: 'reliability.pitr',
            title: 'Point-in-time recovery capability verified',
            judge: alsoConfirm(
              fromBackup('pitr'),
              'point-in-time recovery of the whole cluster (WAL replay) is pgBackRest: its restore drill is in docs/operations/backup.md',
            ),
          },
          {
            id: 'reliability.cross-region',
            title: 'Cross-region backup replication configured',
            judge: manual('backups are copied to a second region'),
          },
          {
            id: 'reliability.retention',
            title: 'Backup retention policies implemented',
            judge: fromBackup('retention'),
          },
        ],
      },
    ],
  },
  {
    title: 'Monitoring and Observability',
    groups: [
      {
        title: 'Metrics Collection',
        items: [
          {
            id: 'monitoring.app-metrics',
            title: 'Application metrics exported to Prometheus',
            judge: fromChecks('metrics', /eventcore|core|command/i),
          },
          {
            id: 'monitoring.business-metrics',
            title: 'Business metrics tracked',
            judge: fromChecks('metrics', /business|users_/i),
          },
          {
            id: 'monitoring.infrastructure-metrics',
            title: 'Infrastructure metrics monitored',
            judge: fromChecks('metrics', /process|pool|infra/i),
          },
          {
            id: 'monitoring.dashboards',
            title: 'Custom dashboards created for key metrics',
            // Grafana is not asked; the dashboard's queries are held to the service's metrics by its tests.
            judge: manual(
              'import deploy/grafana/eventcore.json (rates, p50/p95/p99, errors, SLO burn, projections, pool, memory; deploy/grafana/README.md)',
            ),
          },
          {
            id: 'monitoring.slo',
            title: 'SLI/SLO defined and monitored',
            judge: allOf(fromChecks('alerting', /BudgetBurn/), fromChecks('alerting', /^SLO recording/)),
          },
        ],
      },
      {
        title: 'Logging',
        items: [
          {
            id: 'logging.structured',
            title: 'Structured logging implemented',
            judge: manual('the service logs one JSON object per line (pino); confirm your log shipper parses it'),
          },
          {
            id: 'logging.aggregation',
            title: 'Log aggregation configured',
            judge: manual('logs reach your aggregation system'),
          },
          {
            id: 'logging.retention',
            title: 'Log retention policies set',
            judge: manual('retention is set in your log system'),
          },
          {
            id: 'logging.correlation',
            title: 'Correlation IDs used throughout',
            judge: fromChecks('smoke', /correlation/i, 'give --url to check X-Correlation-Id is echoed'),
          },
          {
            id: 'logging.levels',
            title: 'Log levels appropriately configured',
            judge: fromConfig(({ config }) =>
              config.env === 'production' && (config.logLevel === 'debug' || config.logLevel === 'trace')
                ? { status: 'warn', detail: `EVENTCORE_LOG_LEVEL=${config.logLevel} in production` }
                : { status: 'pass', detail: `EVENTCORE_LOG_LEVEL=${config.logLevel}` },
            ),
          },
          {
            id: 'logging.sensitive',
            title: 'Sensitive data excluded from logs',
            // What EventCore logs is proven free of them by its own tests (log-redaction.e2e.test.ts);
            // what a service's routes write into messages themselves only a person can read.
            judge: manual(
              'EventCore keeps credentials, bodies, URLs, error messages and the redactLogKeys fields out of the logs; confirm the service names all its personal data in redactLogKeys and its routes log no free text holding any',
            ),
          },
        ],
      },
      {
        title: 'Alerting',
        items: [
          {
            id: 'alerting.critical',
            title: 'Critical alerts configured',
            judge: fromChecks('alerting', /^critical alert /),
          },
          {
            id: 'alerting.warning',
            title: 'Warning alerts tuned to reduce noise',
            judge: fromChecks('alerting', /^warning alert/),
          },
          {
            id: 'alerting.routing',
            title: 'Alert routing configured for different severities',
            // Prometheus's API shows where alerts go; only Alertmanager's own tells where each goes next.
            judge: (evidence) => {
              const routed = fromChecks('alerting', /^alertmanager routes/)(evidence)
              if (routed.status !== 'manual') return routed
              const sent = fromChecks('alerting', /^alertmanager receives/)(evidence)
              if (sent.status !== 'pass') return sent
              return {
                status: 'manual',
                detail: `alerts go to ${sent.detail}; give --alertmanager-url to check its routes`,
              }
            },
          },
          {
            id: 'alerting.escalation',
            title: 'Escalation policies defined',
            judge: manual('who is paged, and who next'),
          },
          {
            id: 'alerting.fatigue',
            title: 'Alert fatigue minimized through proper thresholds',
            judge: manual('review alert volume over the last weeks'),
          },
        ],
      },
    ],
  },
  {
    title: 'Deployment',
    groups: [
      {
        title: 'Environment Configuration',
        items: [
          {
            id: 'deployment.env',
            title: 'Environment variables properly set',
            judge: allOf(
              fromConfig(({ config, warnings }) =>
                warnings.length > 0
                  ? { status: 'warn', detail: warnings.join('; ') }
                  : { status: 'pass', detail: `the configuration loads with no problem (NODE_ENV=${config.env})` },
              ),
              audited('productionMode', 'production mode, log level info or quieter'),
            ),
          },
          {
            id: 'deployment.secrets',
            title: 'Secrets configured and mounted',
            judge: audited('secrets', 'secrets come from files or a key service'),
          },
          {
            id: 'deployment.config-maps',
            title: 'Config maps updated',
            judge: fromManifests('environment'),
          },
          {
            id: 'deployment.feature-flags',
            title: 'Feature flags configured appropriately',
            judge: manual('EventCore has no feature flags; confirm your own'),
          },
          {
            id: 'deployment.resource-limits',
            title: 'Resource limits applied',
            judge: fromManifests('resources'),
          },
          {
            id: 'deployment.network-policies',
            title: 'Network policies configured',
            judge: fromManifests('networkPolicy'),
          },
        ],
      },
      {
        title: 'Database Setup',
        items: [
          {
            id: 'database.migrations',
            title: 'Database migrations applied and verified',
            judge: fromChecks('database', /migrat/i),
          },
          {
            id: 'database.indexes',
            title: 'Database indexes created and optimized',
            judge: fromChecks('database', /migrat/i),
          },
          { id: 'database.monitoring', title: 'Database monitoring configured', judge: fromChecks('metrics', /pool/i) },
          { id: 'database.pool', title: 'Connection pooling tuned', judge: fromChecks('database', /pool/i) },
          {
            id: 'database.backup-strategy',
            title: 'Backup strategy implemented',
            judge: backupsTaken,
          },
          {
            id: 'database.replicas',
            title: 'Read replicas configured if needed',
            judge: manual('read replicas for query load, if needed'),
          },
        ],
      },
      {
        title: 'Infrastructure',
        items: [
          {
            id: 'infrastructure.dns',
            title: 'DNS records configured',
            judge: manual(
              'the public name resolves to the load balancer (checks against --url reach the service by whatever name you give)',
            ),
          },
          {
            id: 'infrastructure.load-balancer',
            title: 'Load balancer configured',
            judge: manual('the load balancer routes to ready replicas only (/ready)'),
          },
          {
            id: 'infrastructure.certificates',
            title: 'SSL certificates installed and valid',
            judge: fromChecks('deployment', /certificate|tls/i, 'give an https --url to check its certificate'),
          },
          {
            id: 'infrastructure.cdn',
            title: 'CDN configured if applicable',
            judge: manual('a CDN, if you use one, does not cache API responses'),
          },
          {
            id: 'infrastructure.firewall',
            title: 'Firewall rules applied',
            judge: manual('only the load balancer reaches the service'),
          },
          {
            id: 'infrastructure.segmentation',
            title: 'Network segmentation implemented',
            judge: fromManifests('networkPolicy'),
          },
        ],
      },
    ],
  },
  {
    title: 'Post-Deployment Verification',
    groups: [
      {
        title: 'Functional Testing',
        items: [
          // Whether tracing is on is the traces item's concern, not the smoke test's.
          { id: 'functional.smoke', title: 'Smoke tests pass', judge: fromChecks('smoke', /^(?!traces: )/) },
          {
            id: 'functional.journeys',
            title: 'Critical user journeys work',
            judge: fromChecks('smoke', /register|read|rename|deactivate|core/i),
          },
          {
            id: 'functional.endpoints',
            title: 'API endpoints respond correctly',
            judge: firstOf(fromChecks('smoke', /register|read|rename|deactivate|list|core/i), fromChecks('app', /./)),
          },
          { id: 'functional.authentication', title: 'Authentication works', judge: fromChecks('smoke', /^auth:/) },
          {
            id: 'functional.authorization',
            title: 'Authorization enforced',
            judge: fromChecks(
              'smoke',
              /^authz:/,
              'give --url and --jwt-secret-file (or EVENTCORE_JWT_SECRET): the smoke test mints a token without the admin role',
            ),
          },
          {
            id: 'functional.errors',
            title: 'Error handling works properly',
            judge: fromChecks('smoke', /error|malformed|unknown route|duplicate|400|404|409/i),
          },
        ],
      },
      {
        title: 'Performance Validation',
        items: [
          {
            id: 'validation.response-times',
            title: 'Response times within acceptable limits',
            judge: fromChecks('smoke', /p95|performance|latency/i),
          },
          {
            id: 'validation.throughput',
            title: 'Throughput meets requirements',
            judge: manual('run `eventcore-cli validate performance --min-rps …`'),
          },
          {
            id: 'validation.resources',
            title: 'Resource usage within limits',
            judge: manual(
              'run `eventcore-cli validate performance --max-memory-mb …` (reads process_resident_memory_bytes)',
            ),
          },
          {
            id: 'validation.memory-leaks',
            title: 'Memory leaks not detected',
            judge: manual('watch process_resident_memory_bytes over a day, or run `npm run soak`'),
          },
          {
            id: 'validation.cpu',
            title: 'CPU usage stable',
            judge: manual('watch process_cpu_seconds_total under steady load'),
          },
          {
            id: 'validation.database',
            title: 'Database performance optimal',
            judge: fromChecks('database', /latency|round trip/i),
          },
        ],
      },
      {
        title: 'Monitoring Validation',
        items: [
          {
            id: 'monitoring.flowing',
            title: 'Metrics flowing to monitoring system',
            judge: (evidence) =>
              evidence.prometheus
                ? fromChecks('metrics', /./)(evidence)
                : {
                    status: 'manual',
                    detail: 'give --prometheus-url to check the metrics arrive in Prometheus and are fresh',
                  },
          },
          {
            id: 'monitoring.logs',
            title: 'Logs being collected and indexed',
            judge: manual('search your log system for the last minute of this service'),
          },
          {
            id: 'monitoring.traces',
            title: 'Traces visible in tracing system',
            // The smoke test sees the service continue its trace; only the tracing system shows it arrived.
            judge: (evidence) => {
              const continued = fromChecks('smoke', /^traces: /)(evidence)
              return continued.status === 'pass' ? { status: 'manual', detail: continued.detail } : continued
            },
          },
          {
            id: 'monitoring.alerts',
            title: 'Alerts triggering appropriately',
            judge: allOf(fromChecks('alerting', /^(critical|warning) alert /), fromChecks('alerting', /^alertmanager/)),
          },
          {
            id: 'monitoring.dashboards-data',
            title: 'Dashboards showing correct data',
            judge: manual('the EventCore dashboard shows this deployment’s job and instances with data in every row'),
          },
          {
            id: 'monitoring.slo-active',
            title: 'SLI/SLO monitoring active',
            judge: fromChecks('alerting', /^SLO recording/),
          },
        ],
      },
    ],
  },
  {
    title: 'Ongoing Operations',
    groups: [
      {
        title: 'Daily Checks',
        items: [
          { id: 'daily.health', title: 'System health green across all services', judge: fromChecks('app', /./) },
          {
            id: 'daily.errors',
            title: 'Error rates within acceptable thresholds',
            judge: manual(
              'the error ratio (commands failed through no fault of the caller, summed before dividing) below your SLO: deploy/scripts/health-check.sh --prometheus-url URL checks it',
            ),
          },
          {
            id: 'daily.performance',
            title: 'Performance metrics meeting SLOs',
            judge: manual('p95 of eventcore_command_duration_seconds against your SLO'),
          },
          {
            id: 'daily.resources',
            title: 'Resource utilization not approaching limits',
            judge: manual(
              'busy pool connections ((eventcore_connection_pool_size - eventcore_connection_pool_idle) / eventcore_connection_pool_max_size) below 0.8 on every instance, and CPU and memory below the container limits: deploy/scripts/health-check.sh --prometheus-url URL checks the pool',
            ),
          },
          {
            id: 'daily.logs',
            title: 'Log analysis for new error patterns',
            judge: manual('new error messages in the logs'),
          },
          { id: 'daily.security', title: 'Security alerts reviewed', judge: manual('security alerts of the day') },
        ],
      },
      {
        title: 'Weekly Checks',
        items: [
          {
            id: 'weekly.backups',
            title: 'Backup verification completed successfully',
            judge: fromBackup('newestVerifies', 'verify', 'restore'),
          },
          {
            id: 'weekly.trends',
            title: 'Performance trends analyzed',
            judge: manual('compare this week’s latency and throughput with last week’s'),
          },
          {
            id: 'weekly.capacity',
            title: 'Capacity planning reviewed',
            judge: manual('growth of events and requests against headroom'),
          },
          {
            id: 'weekly.patches',
            title: 'Security patches evaluated and applied',
            judge: manual('`npm audit` and base image updates'),
          },
          { id: 'weekly.dependencies', title: 'Dependency updates reviewed', judge: manual('`npm outdated`') },
          {
            id: 'weekly.docs',
            title: 'Documentation updated as needed',
            judge: manual('runbooks and docs match the deployment'),
          },
        ],
      },
      {
        title: 'Monthly Checks',
        items: [
          {
            id: 'monthly.dr',
            title: 'Disaster recovery procedures tested',
            judge: alsoConfirm(
              fromBackup('restore', 'pitr'),
              'a restore of the whole environment (cluster from pgBackRest, the service on top) is for a person to rehearse: docs/operations/backup.md',
            ),
          },
          {
            id: 'monthly.audit',
            title: 'Security audit completed',
            judge: manual('run `eventcore-cli audit --url … --database-url … --fail-on high` and act on its findings'),
          },
          {
            id: 'monthly.benchmarks',
            title: 'Performance benchmarks updated',
            judge: manual('`npm run bench` and `validate performance` figures recorded'),
          },
          {
            id: 'monthly.cost',
            title: 'Cost optimization opportunities identified',
            judge: manual('resources used vs reserved'),
          },
          {
            id: 'monthly.forecast',
            title: 'Capacity forecasting updated',
            judge: manual('forecast from the month’s growth'),
          },
          { id: 'monthly.runbooks', title: 'Runbook accuracy verified', judge: manual('walk through each runbook') },
        ],
      },
    ],
  },
]
