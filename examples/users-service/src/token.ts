// `npm run -s token -- --role user --sub <id> [--ttl 3600]`: an HS256 token for the configured
// secret, for curl and scripts. Only the token goes to stdout, so `TOKEN=$(npm run -s token -- …)` works.
import { runTokenCli } from '@eventcore/service'
import { ROLES } from './roles.js'

process.exitCode = await runTokenCli(process.argv.slice(2), { name: 'users service', roles: ROLES })
