// deploy/Dockerfile and .dockerignore against the image policy (docs/operations/container-image.md):
// pinned bases, production dependencies only, a non-root user, a read-only root, PID 1 signals, a
// healthcheck, and an environment the service accepts. Reads the files; runs nothing.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ENV_NAMES, loadConfig, SECRET_NAMES } from '@eventcore/service'
import semver from 'semver'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from './deploy-files.js'
import {
  copiesOf,
  execForm,
  exposedPorts,
  healthcheckOf,
  imageEnv,
  instructionsOf,
  lastOf,
  readDeployImage,
  stageChain,
  stageOf,
} from './dockerfile-model.js'

const { dockerfile, ignored, runtime } = readDeployImage()
const env = imageEnv(dockerfile, runtime)
const stageNames = new Set(dockerfile.stages.map((stage) => stage.name))

interface PackageJson {
  readonly name: string
  readonly workspaces?: readonly string[]
  readonly dependencies?: Readonly<Record<string, string>>
}
const readPackage = (dir: string): PackageJson => JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8'))
const workspaces = readPackage('.').workspaces ?? []
const workspaceOf = new Map(workspaces.map((dir) => [readPackage(dir).name, dir]))

/** The workspace directories `dir` needs at run time: itself and its workspace dependencies, transitively. */
const runtimeClosure = (dir: string): ReadonlySet<string> => {
  const found = new Set<string>()
  const visit = (at: string) => {
    if (found.has(at)) return
    found.add(at)
    for (const name of Object.keys(readPackage(at).dependencies ?? {})) {
      const workspace = workspaceOf.get(name)
      if (workspace !== undefined) visit(workspace)
    }
  }
  visit(dir)
  return found
}

/** Whether the service (or, for EVENTCORE_BACKUP_DIR, eventcore-cli) reads this variable. */
const accepted = (name: string): boolean =>
  (ENV_NAMES as readonly string[]).includes(name) ||
  SECRET_NAMES.some((secret) => name === `${secret}_FILE`) ||
  name === 'EVENTCORE_BACKUP_DIR'

describe('deploy/Dockerfile', () => {
  it('builds in stages, each from an image pinned by digest or from an earlier stage', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2)
    const bases = dockerfile.stages.filter((stage) => !stageNames.has(stage.from)).map((stage) => stage.from)
    for (const base of bases) {
      expect(base).toMatch(/^[\w./-]+(:[\w.-]+)?@sha256:[0-9a-f]{64}$/)
      expect(base).not.toMatch(/:latest@/)
    }
    // One base for the build and the runtime: what compiled is what runs.
    expect(new Set(bases).size).toBe(1)
    expect(dockerfile.globalArgs.NODE_IMAGE).toBe(bases[0])
  })

  it('runs on a maintained Node major the packages accept, in its slim variant', () => {
    const [, major] = /^node:(\d+)-\w+-slim@/.exec(dockerfile.globalArgs.NODE_IMAGE ?? '') ?? []
    const engines = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).engines.node as string
    // Node 20 reached its end of life on 2026-04-30: an image gets no security fixes on it.
    expect(Number(major)).toBeGreaterThanOrEqual(22)
    expect(semver.intersects(engines, `>=${major}.0.0 <${Number(major) + 1}.0.0`)).toBe(true)
  })

  it('runs as the numeric non-root user 1000:1000 in /app', () => {
    const user = lastOf(dockerfile, runtime, 'USER')?.args ?? ''
    expect(user).toMatch(/^\d+:\d+$/)
    expect(Number.parseInt(user, 10)).not.toBe(0)
    expect(user).toBe('1000:1000')
    expect(lastOf(dockerfile, runtime, 'WORKDIR')?.args).toBe('/app')
  })

  it('starts Node itself as PID 1 with the exec-form CMD, stopped by SIGTERM', () => {
    expect(execForm(lastOf(dockerfile, runtime, 'CMD')?.args ?? '')).toEqual([
      'node',
      'examples/users-service/dist/main.js',
    ])
    expect(lastOf(dockerfile, runtime, 'ENTRYPOINT')).toBeUndefined()
    expect(lastOf(dockerfile, runtime, 'STOPSIGNAL')?.args).toBe('SIGTERM')
    expect(existsSync(join(REPO_ROOT, 'examples/users-service/src/main.ts'))).toBe(true)
  })

  it('checks /health on EVENTCORE_PORT with Node, within Docker timeout, in exec form', () => {
    const healthcheck = healthcheckOf(dockerfile, runtime)
    expect(healthcheck?.command?.slice(0, 2)).toEqual(['node', '-e'])
    const script = healthcheck?.command?.[2] ?? ''
    expect(script).toContain("'http://127.0.0.1:' + (process.env.EVENTCORE_PORT || '8080') + '/health'")
    expect(script).toMatch(/AbortSignal\.timeout\((\d+)\)/)
    const abortMs = Number(/AbortSignal\.timeout\((\d+)\)/.exec(script)?.[1])
    const timeoutMs = Number.parseInt(healthcheck?.options.timeout ?? '30', 10) * 1000
    expect(abortMs).toBeLessThan(timeoutMs)
    expect(Object.keys(healthcheck?.options ?? {}).sort()).toEqual(['interval', 'retries', 'start-period', 'timeout'])
  })

  it('sets only variables the service or eventcore-cli reads, with values its configuration accepts', () => {
    const ours = Object.keys(env).filter((name) => name.startsWith('EVENTCORE_') || name === 'NODE_ENV')
    expect(ours.filter((name) => !accepted(name))).toEqual([])
    expect(env).toMatchObject({
      NODE_ENV: 'production',
      EVENTCORE_HOST: '0.0.0.0',
      EVENTCORE_PORT: '8080',
      EVENTCORE_DATA_DIR: '/data',
      EVENTCORE_BACKUP_DIR: '/backups',
      TMPDIR: '/tmp',
    })
    // What a deployment adds (a key, the proxy) makes it a valid production configuration.
    const loaded = loadConfig(
      { ...env, EVENTCORE_JWT_SECRET_FILE: '/var/run/secrets/eventcore/jwt-secret', EVENTCORE_TRUST_PROXY: '1' },
      { readFile: () => 'a-jwt-secret-of-at-least-32-bytes-0123456789', cwd: '/app' },
    )
    expect(loaded.ok ? [] : loaded.problems).toEqual([])
    if (loaded.ok) expect(loaded.config).toMatchObject({ env: 'production', host: '0.0.0.0', dataDir: '/data' })
  })

  it('puts node_modules/.bin first on the PATH, so eventcore-cli runs by name', () => {
    const image = imageEnv(dockerfile, runtime, { PATH: '/usr/local/bin:/usr/bin:/bin' })
    expect(image.PATH).toBe('/app/node_modules/.bin:/usr/local/bin:/usr/bin:/bin')
  })

  it('exposes EVENTCORE_PORT and EVENTCORE_METRICS_PORT', () => {
    const ports = exposedPorts(dockerfile, runtime)
    expect(ports).toContain(Number(env.EVENTCORE_PORT))
    expect(ports).toContain(Number(env.EVENTCORE_METRICS_PORT))
  })

  it('declares a volume for every directory written at run time, owned by the image user', () => {
    const volumes = instructionsOf(dockerfile, runtime, 'VOLUME').flatMap((i) => execForm(i.args) ?? [])
    const written = [env.EVENTCORE_DATA_DIR, env.EVENTCORE_BACKUP_DIR, env.TMPDIR]
    expect([...volumes].sort()).toEqual([...written].sort())
    const runs = instructionsOf(dockerfile, runtime, 'RUN').map((i) => i.args)
    expect(runs.join('\n')).toContain(`chown 1000:1000 ${env.EVENTCORE_DATA_DIR} ${env.EVENTCORE_BACKUP_DIR}`)
  })

  it('installs production dependencies only in the runtime stage, running no install script', () => {
    const installs = instructionsOf(dockerfile, runtime, 'RUN').filter((i) => /\bnpm ci\b/.test(i.args))
    expect(installs).toHaveLength(1)
    expect(installs[0]?.args).toMatch(/npm ci --omit=dev --omit=optional --ignore-scripts /)
    // No compiler, no sources in the runtime: only the build stage's output arrives from it.
    const fromStages = copiesOf(dockerfile, runtime).filter((copy) => copy.from !== undefined)
    for (const copy of fromStages) for (const source of copy.sources) expect(source).toMatch(/^\/app\/[\w/-]+\/dist$/)
  })

  it('copies the compiled output of every workspace the service and the CLI need, and nothing else', () => {
    const needed = new Set([...runtimeClosure('examples/users-service'), ...runtimeClosure('packages/cli')])
    const copied = copiesOf(dockerfile, runtime)
      .filter((copy) => copy.from === 'build')
      .map((copy) => copy.destination)
    expect([...copied].sort()).toEqual([...needed].map((dir) => `${dir}/dist`).sort())
    const install = instructionsOf(dockerfile, runtime, 'RUN').find((i) => /\bnpm ci\b/.test(i.args))?.args ?? ''
    const installed = [...install.matchAll(/--workspace=(\S+)/g)].map((match) => match[1])
    expect(installed.sort()).toEqual(['examples/users-service', 'packages/cli'])
  })

  it('copies every workspace manifest before installing, so npm ci sees the whole lock file', () => {
    const manifests = copiesOf(dockerfile, stageOf(dockerfile, 'manifests')).flatMap((copy) => copy.sources)
    expect(manifests).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', ...workspaces.map((dir) => `${dir}/package.json`)]),
    )
  })

  it('builds the runtime and the build stage on the same manifests stage', () => {
    const build = stageOf(dockerfile, 'build')
    expect(stageChain(dockerfile, build)[0]?.name).toBe('manifests')
    expect(stageChain(dockerfile, runtime)[0]?.name).toBe('manifests')
  })

  it('labels the image with the OCI annotations', () => {
    const labels = instructionsOf(dockerfile, runtime, 'LABEL')
      .map((i) => i.args)
      .join(' ')
    for (const key of ['title', 'description', 'source', 'licenses', 'version', 'revision']) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`)
    }
  })
})

describe('.dockerignore', () => {
  it('keeps out dependencies, build output, git, secrets and local state', () => {
    for (const path of [
      'node_modules/fastify/package.json',
      'packages/core/node_modules/x',
      'packages/core/dist/index.js',
      'packages/core/tsconfig.tsbuildinfo',
      '.git/HEAD',
      '.env',
      'data/PG_VERSION',
      'backups/manifest.json',
      'bench/results/run.json',
      'docs/cli.md',
      'packages/core/src/executor.test.ts',
    ]) {
      expect([path, ignored(path)]).toEqual([path, true])
    }
  })

  it('lets in every file the Dockerfile copies from the context, and each exists', () => {
    const sources = dockerfile.stages.flatMap((stage) =>
      copiesOf(dockerfile, stage)
        .filter((copy) => copy.from === undefined)
        .flatMap((copy) => copy.sources),
    )
    expect(sources.length).toBeGreaterThan(0)
    for (const source of sources) {
      expect([source, existsSync(join(REPO_ROOT, source))]).toEqual([source, true])
      expect([source, ignored(source)]).toEqual([source, false])
    }
  })

  it('lets in what the build compiles', () => {
    for (const path of [
      'tsconfig.base.json',
      'packages/core/src/index.ts',
      'packages/core/tsconfig.json',
      'packages/cli/bin/eventcore-cli.js',
      'examples/users-service/src/main.ts',
      'examples/users-service/tsconfig.json',
    ]) {
      expect([path, ignored(path)]).toEqual([path, false])
    }
  })
})
