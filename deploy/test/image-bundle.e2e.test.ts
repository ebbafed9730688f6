// The bundle deploy/Dockerfile's runtime stage holds, built and run the way the image runs it. There
// is no Docker engine here, so the test replays the runtime stage (its context COPYs, its `npm ci`,
// its COPY --from=build of the dist folders this checkout's `tsc -b` built) into a temporary
// directory, then starts the image's CMD with the image's ENV in a sandbox made of Linux namespaces:
// a new root whose only writable paths are the VOLUMEs, the bundle mounted read-only at the WORKDIR,
// the USER's uid and gid with no capability and no_new_privs, its own network (so the image's
// ports, unchanged) and its own PID namespace, where Node is PID 1. Commands "in the container" (the
// HEALTHCHECK, eventcore-cli, probes) enter its namespaces, as `docker exec` does.
// Needs root, util-linux (unshare, nsenter, setpriv), iproute2 and coreutils (chroot): skipped,
// saying so, where they are missing; in CI a missing piece fails instead.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { DEFAULTS, mintToken } from '@eventcore/service'
import { binariesRequired } from '@eventcore/service/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from './deploy-files.js'
import {
  copiesOf,
  execForm,
  healthcheckOf,
  imageEnv,
  instructionsOf,
  lastOf,
  readDeployImage,
} from './dockerfile-model.js'
import { type CommandRun, runCommand } from './run-command.js'
import { until } from './until.js'

const { dockerfile, ignored, runtime } = readDeployImage()
const WORKDIR = lastOf(dockerfile, runtime, 'WORKDIR')?.args ?? '/'
const [UID = '', GID = ''] = (lastOf(dockerfile, runtime, 'USER')?.args ?? '').split(':')
const CMD = execForm(lastOf(dockerfile, runtime, 'CMD')?.args ?? '') ?? []
const HEALTHCHECK = healthcheckOf(dockerfile, runtime)
const VOLUMES = instructionsOf(dockerfile, runtime, 'VOLUME').flatMap((i) => execForm(i.args) ?? [])
// The node images' PATH (`docker image inspect node:22-bookworm-slim`), which the image's PATH extends.
const BASE_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }
const IMAGE_ENV = imageEnv(dockerfile, runtime, BASE_ENV)
// What a deployment adds (deploy/k8s): the JWT secret as a mounted file, the proxy in front, a
// drain before closing (5 s there; shorter here), and HOME as Docker sets it for the node user.
const SECRET = 'image-bundle-test-secret-0123456789abcdef'
const SECRET_FILE = '/var/run/secrets/eventcore/jwt-secret'
const DRAIN_MS = 3000
const CONTAINER_ENV: Readonly<Record<string, string>> = {
  ...IMAGE_ENV,
  HOME: '/home/node',
  EVENTCORE_JWT_SECRET_FILE: SECRET_FILE,
  EVENTCORE_TRUST_PROXY: '1',
  EVENTCORE_SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
}
const SHUTDOWN_TIMEOUT_MS = DEFAULTS.EVENTCORE_SHUTDOWN_TIMEOUT_MS // neither the image nor this test sets it

const exec = promisify(execFile)

// Builds the container's root in $1 from the host's /usr and /etc (read-only), /dev, a new /proc,
// the bundle read-only at the WORKDIR and the volume directories; then makes the root itself
// read-only and becomes the image's CMD as its USER. `exec` all the way, so the CMD is PID 1.
const SANDBOX = `
root=$1 bundle=$2 workdir=$3 uid=$4 gid=$5 volumes=$6 readonly_dirs=$7 volume_list=$8
shift 8
ip link set lo up
mount --bind "$root" "$root"
for dir in $readonly_dirs; do mount --bind -o ro "/$dir" "$root/$dir"; done
mount --bind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount --bind -o ro "$bundle" "$root$workdir"
for volume in $volume_list; do mount --bind "$volumes$volume" "$root$volume"; done
mount -o remount,bind,ro "$root"
exec chroot "$root" setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs --bounding-set=-all \\
  env --chdir="$workdir" "$@"
`
const UNSHARE = ['--mount', '--pid', '--net', '--fork', '--propagation', 'private']

/** Why the sandbox cannot run here, or undefined when it can. */
function sandboxUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'Linux namespaces are needed'
  if (process.getuid?.() !== 0) return 'root is needed for the namespaces and bind mounts'
  if (!realpathSync(process.execPath).startsWith('/usr/'))
    return `node (${process.execPath}) is outside /usr, which is all the sandbox mounts`
  try {
    execFileSync(
      'unshare',
      [...UNSHARE, 'sh', '-ec', 'ip link set lo up; mount -t tmpfs none /mnt; command -v chroot setpriv nsenter'],
      { stdio: 'pipe' },
    )
    return undefined
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim()
    return `unshare, mount, ip, chroot, setpriv or nsenter failed: ${stderr || String(error)}`
  }
}

const unavailable = sandboxUnavailable()
const required = binariesRequired()
if (unavailable !== undefined && !required) {
  console.warn(`skipping the image bundle tests: ${unavailable} (util-linux, iproute2; run as root)`)
}

/** Copies `source` from the build context to `destination` in the image, as COPY does. */
function copyFromContext(bundle: string, source: string, destination: string): void {
  const into = destination.startsWith('/') ? join(bundle, destination.slice(WORKDIR.length)) : join(bundle, destination)
  const from = join(REPO_ROOT, source)
  const target = lstatSync(from).isDirectory() || !destination.endsWith('/') ? into : join(into, basename(source))
  mkdirSync(dirname(target), { recursive: true })
  cpSync(from, target, {
    recursive: true,
    filter: (path) => path === from || !ignored(path.slice(REPO_ROOT.length + 1)),
  })
}

/** Every path under `dir`, relative to it. */
const filesOf = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' })

/** The workspaces whose compiled output the runtime stage copies (`<workspace>/dist`). */
const BUILT_WORKSPACES = copiesOf(dockerfile, runtime)
  .filter((copy) => copy.from === 'build')
  .map((copy) => dirname(copy.destination))

interface Bundle {
  readonly dir: string
  readonly npmCiMs: number
  readonly bytes: number
}

/** The runtime stage, replayed into a new directory. */
async function buildBundle(): Promise<Bundle> {
  const dir = mkdtempSync(join(tmpdir(), 'eventcore-image-app-'))
  chmodSync(dir, 0o755) // a COPY'd /app is root-owned and world-readable; the user only reads it
  for (const copy of copiesOf(dockerfile, runtime).filter((c) => c.from === undefined)) {
    for (const source of copy.sources) copyFromContext(dir, source, copy.destination)
  }
  const install = instructionsOf(dockerfile, runtime, 'RUN')
    .flatMap((run) => run.args.split('&&'))
    .map((command) => command.trim().split(/\s+/))
    .find((words) => words[0] === 'npm' && words[1] === 'ci')
  if (!install) throw new Error('the runtime stage runs no npm ci')
  const started = Date.now()
  // --prefer-offline only says where npm fetches from; what it installs is the Dockerfile's.
  await exec('npm', [...install.slice(1), '--prefer-offline'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 })
  const npmCiMs = Date.now() - started
  for (const copy of copiesOf(dockerfile, runtime).filter((c) => c.from === 'build')) {
    for (const source of copy.sources) {
      // The build stage compiles in place under the WORKDIR, as `npm test`'s `tsc -b` did here.
      const built = join(REPO_ROOT, source.slice(WORKDIR.length + 1))
      if (!existsSync(built)) throw new Error(`${built} is missing: build first (npx tsc -b)`)
      cpSync(built, join(dir, copy.destination), { recursive: true })
    }
  }
  const { stdout } = await exec('du', ['-sb', dir])
  return { dir, npmCiMs, bytes: Number.parseInt(stdout, 10) }
}

/** The container's root, volumes and secret; the directories of the host's root are mirrored. */
function buildRoot(work: string): { readonly root: string; readonly volumes: string; readonly readonlyDirs: string[] } {
  const root = join(work, 'root')
  const volumes = join(work, 'volumes')
  const readonlyDirs = ['usr', 'etc']
  for (const dir of ['dev', 'proc', WORKDIR, ...readonlyDirs, ...VOLUMES])
    mkdirSync(join(root, dir), { recursive: true })
  // bin, lib… are links into /usr on a merged-/usr system, and directories of their own elsewhere.
  for (const top of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    if (!existsSync(`/${top}`)) continue
    if (lstatSync(`/${top}`).isSymbolicLink()) symlinkSync(readlinkSync(`/${top}`), join(root, top))
    else {
      mkdirSync(join(root, top))
      readonlyDirs.push(top)
    }
  }
  // Volumes as Docker creates them from the image's directories, or fsGroup gives them: the user's.
  for (const volume of VOLUMES) {
    mkdirSync(join(volumes, volume), { recursive: true })
    chownSync(join(volumes, volume), Number(UID), Number(GID))
  }
  const secret = join(root, SECRET_FILE)
  mkdirSync(dirname(secret), { recursive: true })
  writeFileSync(secret, `${SECRET}\n`, { mode: 0o444 })
  chmodSync(work, 0o755)
  return { root, volumes, readonlyDirs }
}

/** The running container: its init process (Node, PID 1 inside) and what it wrote. */
interface Container {
  readonly unshare: ChildProcess
  readonly pid: number
  readonly output: () => string
  readonly exit: Promise<number | null>
}

async function startContainer(bundle: string, work: string): Promise<Container> {
  const { root, volumes, readonlyDirs } = buildRoot(work)
  const args = [root, bundle, WORKDIR, UID, GID, volumes, readonlyDirs.join(' '), VOLUMES.join(' ')]
  const unshare = spawn('unshare', [...UNSHARE, 'sh', '-euc', SANDBOX, 'sandbox', ...args, ...CMD], {
    env: CONTAINER_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  unshare.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  unshare.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exit = new Promise<number | null>((resolve) => unshare.on('exit', (code) => resolve(code)))
  const children = `/proc/${unshare.pid}/task/${unshare.pid}/children`
  const pid = await until(
    'the sandbox started',
    async () => (existsSync(children) ? Number.parseInt(readFileSync(children, 'utf8'), 10) : Number.NaN),
    (found) => Number.isInteger(found),
    5000,
    20,
  )
  return { unshare, pid, output: () => output, exit }
}

describe.skipIf(unavailable !== undefined && !required)('the image bundle (deploy/Dockerfile runtime stage)', () => {
  let bundle: Bundle
  let work: string
  let container: Container
  let startToHealthyMs: number
  /** `args` run in the container's namespaces as its user, with its environment (`docker exec`). */
  const inContainer = (args: readonly string[], timeoutMs = 15_000): Promise<CommandRun> =>
    runCommand(
      'nsenter',
      ['--target', String(container.pid), '--mount', '--net', '--pid', '--root', '--wd'].concat([
        '--setuid',
        UID,
        '--setgid',
        GID,
        '--',
        ...args,
      ]),
      { env: CONTAINER_ENV, timeoutMs },
    )
  /** An HTTP request to the service from inside the container; status 0 when none came back. */
  const request = async (path: string, init: RequestInit = {}): Promise<{ status: number; body: string }> => {
    const run = await inContainer([
      'node',
      '-e',
      'fetch(process.argv[1], JSON.parse(process.argv[2])).then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })))',
      `http://127.0.0.1:${IMAGE_ENV.EVENTCORE_PORT}${path}`,
      JSON.stringify(init),
    ])
    return run.code === 0 ? JSON.parse(run.stdout) : { status: 0, body: run.stderr }
  }
  const get = (path: string) => request(path)

  beforeAll(async () => {
    if (unavailable !== undefined) throw new Error(`CI needs the image sandbox: ${unavailable}`)
    bundle = await buildBundle()
    work = mkdtempSync(join(tmpdir(), 'eventcore-image-container-'))
    const started = Date.now()
    container = await startContainer(bundle.dir, work)
    const healthy = until(
      '/health answered 200',
      () => get('/health'),
      (answer) => answer.status === 200,
      60_000,
      100,
    )
    const outcome = await Promise.race([
      healthy.then(() => 'healthy'),
      container.exit.then((code) => `it exited with ${code}`),
    ]).catch((error: Error) => error.message)
    if (outcome !== 'healthy') {
      healthy.catch(() => undefined) // still polling a dead service: its verdict no longer matters
      throw new Error(`the service did not become healthy: ${outcome}; its output:\n${container.output()}`)
    }
    startToHealthyMs = Date.now() - started
  }, 180_000)

  afterAll(() => {
    // Killing PID 1 ends its PID namespace (and unshare, which waits for it); killing unshare would not.
    if (container?.unshare.exitCode === null) process.kill(container.pid, 'SIGKILL')
    for (const dir of [bundle?.dir, work]) if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('holds production dependencies only: no dev dependency is reachable', () => {
    const manifest = (dir: string) => JSON.parse(readFileSync(join(bundle.dir, dir, 'package.json'), 'utf8'))
    const production = new Set(BUILT_WORKSPACES.flatMap((dir) => Object.keys(manifest(dir).dependencies ?? {})))
    // The development tools, and what @eventcore/core's optional vitest peer would bring; a tool that
    // a production package also needs (semver, under fastify) is not dev-only: the lock file says which.
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8'))
    const devInLock = (name: string) => {
      const entry = lock.packages[`node_modules/${name}`]
      return entry === undefined || entry.dev === true || entry.devOptional === true
    }
    const devOnly = [...new Set([...Object.keys(manifest('.').devDependencies), 'vitest', 'vite'])].filter(
      (name) => !production.has(name) && devInLock(name),
    )
    expect(devOnly).toEqual(expect.arrayContaining(['typescript', 'vitest', '@biomejs/biome', 'fast-check']))
    for (const from of BUILT_WORKSPACES) {
      const require = createRequire(join(bundle.dir, from, 'package.json'))
      const reachable = devOnly.filter((name) => {
        try {
          require.resolve(`${name}/package.json`)
          return true
        } catch {
          return false
        }
      })
      expect([from, reachable]).toEqual([from, []])
    }
    // …while what runs is there (the same resolution, so the check above can find a package).
    expect(() => createRequire(join(bundle.dir, 'packages/cli/package.json')).resolve('yaml')).not.toThrow()
  })

  it('holds compiled output and manifests, no sources or tests', () => {
    const ours = filesOf(bundle.dir).filter((path) => !path.startsWith('node_modules'))
    expect(ours.filter((path) => /\.ts$/.test(path) && !path.endsWith('.d.ts'))).toEqual([])
    expect(ours.filter((path) => /(^|\/)(src|test)(\/|$)|\.test\.js$/.test(path))).toEqual([])
    expect(ours).toContain(CMD[1])
    console.info(
      `image bundle: ${(bundle.bytes / 1024 / 1024).toFixed(1)} MiB (apparent size), npm ci ${bundle.npmCiMs} ms, ` +
        `start to /health 200 ${startToHealthyMs} ms`,
    )
  })

  it('runs the CMD as PID 1, as the numeric user, with no capability and no new privileges', () => {
    const status = readFileSync(`/proc/${container.pid}/status`, 'utf8')
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.split(/\s+/)
    expect(field('NSpid')?.at(-1)).toBe('1')
    expect(field('Uid')).toEqual([UID, UID, UID, UID])
    expect(field('Gid')).toEqual([GID, GID, GID, GID])
    expect(field('CapEff')).toEqual(['0000000000000000'])
    expect(field('NoNewPrivs')).toEqual(['1'])
    const argv = readFileSync(`/proc/${container.pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    expect(argv).toEqual(CMD)
  })

  it('answers /health and /ready with 200 on the image port', async () => {
    expect(await get('/health')).toMatchObject({ status: 200 })
    const ready = await get('/ready')
    expect(ready.status).toBe(200)
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready' })
  })

  it('passes its own HEALTHCHECK', async () => {
    const run = await inContainer(HEALTHCHECK?.command ?? ['false'])
    expect([run.code, run.stderr]).toEqual([0, ''])
  })

  it('keeps its writes on the volumes: the root is read-only, the data directory holds the database', async () => {
    const write = await inContainer(['node', '-e', `require('node:fs').writeFileSync('${WORKDIR}/probe', '')`])
    expect(write.code).not.toBe(0)
    expect(write.stderr).toContain('EROFS')
    const dataDir = join(work, 'volumes', IMAGE_ENV.EVENTCORE_DATA_DIR ?? '')
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true)
    expect(lstatSync(join(dataDir, 'PG_VERSION')).uid).toBe(Number(UID))
  })

  it('runs eventcore-cli from the PATH', async () => {
    const cli = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/cli/package.json'), 'utf8'))
    const run = await inContainer(['eventcore-cli', '--version'])
    expect([run.code, run.stdout.trim()]).toEqual([0, cli.version])
  })

  it('drains on SIGTERM: /ready turns 503, requests are still served, then it exits 0 in time, logging its shutdown', async () => {
    const token = await mintToken({
      secret: SECRET,
      sub: 'image-test',
      roles: ['admin'],
      ttlSeconds: 600,
      now: new Date(),
    })
    const sent = Date.now()
    process.kill(container.pid, 'SIGTERM') // from outside its PID namespace, as `docker stop` does
    expect(await get('/ready')).toMatchObject({ status: 503 })
    const registered = await request('/api/v1/users', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ email: 'drain@example.com', first_name: 'Ada', last_name: 'Lovelace' }),
    })
    // Served, not refused: the server takes connections until the drain ends.
    expect(registered.status).toBe(201)
    const code = await Promise.race([
      container.exit,
      new Promise((resolve) => setTimeout(resolve, SHUTDOWN_TIMEOUT_MS)),
    ])
    const elapsedMs = Date.now() - sent
    console.info(`image bundle: SIGTERM to exit ${elapsedMs} ms`)
    expect(code).toBe(0)
    expect(elapsedMs).toBeGreaterThanOrEqual(DRAIN_MS)
    expect(elapsedMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS)
    const lines = container
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM' }))
    expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([])
  })
})

describe.skipIf(unavailable !== undefined && !required)('the image HEALTHCHECK', () => {
  /** The HEALTHCHECK command in a network of its own, after `setup` (a shell line) ran there. */
  const healthcheck = (setup: string) =>
    runCommand(
      'unshare',
      // A PID namespace too: what `setup` started ends with the healthcheck (PID 1).
      ['--net', '--pid', '--fork', 'sh', '-ec', `ip link set lo up; ${setup}; exec "$@"`, 'healthcheck'].concat(
        HEALTHCHECK?.command ?? [],
      ),
      { env: { ...IMAGE_ENV }, timeoutMs: 15_000 },
    )

  it('exits 1 when nothing listens on the port', async () => {
    expect((await healthcheck('true')).code).toBe(1)
  })

  it('gives up by itself, exiting 1, when the port accepts but never answers', async () => {
    const mute = `require('node:net').createServer(() => {}).listen(${IMAGE_ENV.EVENTCORE_PORT}, '127.0.0.1', () => console.log('up'))`
    const run = await healthcheck(
      `up=$(mktemp); node -e "${mute}" > "$up" & until [ -s "$up" ]; do sleep 0.05; done; rm "$up"`,
    )
    // 1, not null: it ended itself (runCommand's own limit was not needed), after waiting for its
    // AbortSignal; dockerfile.test.ts keeps that limit below Docker's --timeout.
    expect(run.code).toBe(1)
    const abortMs = Number(/AbortSignal\.timeout\((\d+)\)/.exec(HEALTHCHECK?.command?.join(' ') ?? '')?.[1])
    expect(run.elapsedMs).toBeGreaterThanOrEqual(abortMs)
  })
})
