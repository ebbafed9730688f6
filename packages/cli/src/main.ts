// The eventcore-cli process: run, then end with the command's exit code even if a pool or timer
// someone forgot to close would keep Node alive.
import { runCli } from './run-cli.js'

process.exitCode = await runCli(process.argv.slice(2))
process.exit()
