import { createMetrics, type EventcoreMetrics } from '@eventcore/metrics'
import { deactivateUser, registerUser, USERS_PROJECTION, updateUser } from './users/index.js'

/**
 * The users service's metrics: EventCore's command and projection metrics, HTTP request metrics,
 * Node process metrics, and the business counters the checklist asks for (`@eventcore/service`
 * adds the store's and the pool's).
 */
export function usersServiceMetrics(): EventcoreMetrics {
  const metrics = createMetrics({
    commands: [registerUser, updateUser, deactivateUser],
    projections: [USERS_PROJECTION.name],
  })
  metrics.businessCounter({ name: 'users_registered_total', help: 'Users registered', eventTypes: ['UserRegistered'] })
  metrics.businessCounter({
    name: 'users_deactivated_total',
    help: 'Users deactivated',
    eventTypes: ['UserDeactivated'],
  })
  metrics.businessCounter({
    name: 'users_email_changes_total',
    help: 'E-mail address changes',
    eventTypes: ['UserEmailChanged'],
  })
  return metrics
}
