// Which environment variables a container of the deploy kit may set: those the service reads, and
// the few the CLI and the runtime read beside them.
import { ENV_NAMES, SECRET_NAMES } from '@eventcore/service'

const ACCEPTED: ReadonlySet<string> = new Set<string>([
  ...ENV_NAMES,
  ...SECRET_NAMES.map((name) => `${name}_FILE`),
  // The CLI's backup directory (the backup CronJob runs eventcore-cli).
  'EVENTCORE_BACKUP_DIR',
  'NODE_OPTIONS',
])

/**
 * The default of `ManifestPolicyOptions.acceptedEnv`: `ENV_NAMES`, `<SECRET>_FILE` for each of
 * `SECRET_NAMES`, `EVENTCORE_BACKUP_DIR`, `OTEL_*` (the OpenTelemetry SDK's own), `NODE_OPTIONS`.
 */
export const acceptsEnv = (name: string): boolean => ACCEPTED.has(name) || name.startsWith('OTEL_')

const SECRETS: ReadonlySet<string> = new Set<string>(SECRET_NAMES)

/**
 * Whether a variable (or a ConfigMap key) holds a secret by its name: one of `SECRET_NAMES`, or a
 * name saying PASSWORD, SECRET, TOKEN or KEY; a `_FILE` name is a path to one, not one.
 */
export const holdsSecret = (name: string): boolean =>
  SECRETS.has(name) || (/PASSWORD|SECRET|TOKEN|KEY/i.test(name) && !/_FILE$/i.test(name))
