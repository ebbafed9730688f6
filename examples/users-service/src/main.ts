// What `npm start` runs: the users service, configured from EVENTCORE_* variables.
import { runService } from '@eventcore/service'
import { usersService } from './users-service.js'

await runService(usersService)
