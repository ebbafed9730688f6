// What `npm run migrate` runs: EventCore's migrations and the users read model's table, as the
// role EVENTCORE_DATABASE_URL names (the migrator), before replicas start with
// EVENTCORE_DATABASE_MIGRATE=false. See docs/database-security.md.
import { runServiceMigrations } from '@eventcore/service'
import { usersService } from './users-service.js'

await runServiceMigrations(usersService)
