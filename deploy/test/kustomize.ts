// Test support: a Kustomize directory rendered the way `kubectl apply -k` would, parsed into its
// objects. The renderer is a standalone `kustomize build`, else `kubectl kustomize` (kubectl
// embeds Kustomize); with neither, tests skip locally (saying so) and fail in CI.
import { execFileSync } from 'node:child_process'
import type { KubeObject } from '@eventcore/cli'
import { binariesRequired } from '@eventcore/service/testing'
import { parseAllDocuments } from 'yaml'
import { runCommand } from './run-command.js'

/** A program that renders a Kustomize directory to a multi-document YAML stream. */
export interface Renderer {
  readonly name: string
  readonly command: string
  readonly args: (dir: string) => readonly string[]
}

// Neither tool knows `--version`, so `hasBinary` cannot tell; each has a version command.
const answers = (command: string, args: readonly string[]): boolean => {
  try {
    execFileSync(command, [...args], { stdio: 'ignore', timeout: 10_000 })
    return true
  } catch {
    return false
  }
}

// A standalone kustomize first: where kubectl is too old to carry Kustomize 4+ (Debian's 1.20),
// .ci/run puts one on the PATH. Both give the same bytes for deploy/k8s (kustomize 4.5.4 and
// kubectl 1.32's Kustomize 5.5 compared).
const RENDERERS: readonly (Renderer & { readonly probe: readonly string[] })[] = [
  { name: 'kustomize build', command: 'kustomize', probe: ['version'], args: (dir) => ['build', dir] },
  { name: 'kubectl kustomize', command: 'kubectl', probe: ['version', '--client'], args: (dir) => ['kustomize', dir] },
]

/** The first renderer on the PATH, or undefined. */
export const findRenderer = (): Renderer | undefined =>
  RENDERERS.find((renderer) => answers(renderer.command, renderer.probe))

/**
 * The renderer the tests use, and whether they run: with no renderer they are skipped (after a
 * console.warn) unless {@link binariesRequired}, where `requireRenderer` throws instead.
 */
export interface RendererAvailability {
  readonly renderer: Renderer | undefined
  readonly skip: boolean
  requireRenderer(): Renderer
}

/** Looks for a renderer once; call at module level of a test file. */
export function rendererAvailability(): RendererAvailability {
  const renderer = findRenderer()
  const required = binariesRequired()
  if (renderer === undefined && !required) {
    console.warn('skipping the Kubernetes manifest tests: neither kubectl nor kustomize is on the PATH')
  }
  return {
    renderer,
    skip: renderer === undefined && !required,
    requireRenderer: () => {
      if (renderer === undefined) throw new Error('CI needs kubectl (or kustomize) on the PATH to render deploy/k8s/')
      return renderer
    },
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Parses a rendering: one object per YAML document, each with `apiVersion`, `kind` and
 * `metadata.name` (anything else is an error naming the document). What `parseManifests` of
 * `@eventcore/cli` does too; kept here so the schema tests do not depend on the policy's code.
 */
export function parseRendering(text: string, source: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((document, index) => {
    if (document.errors.length > 0) throw new Error(`${source}, document ${index}: ${document.errors[0]?.message}`)
    const value: unknown = document.toJS()
    if (value === null || value === undefined) return []
    const metadata = isRecord(value) ? value.metadata : undefined
    if (
      !isRecord(value) ||
      typeof value.apiVersion !== 'string' ||
      typeof value.kind !== 'string' ||
      !isRecord(metadata) ||
      typeof metadata.name !== 'string'
    ) {
      throw new Error(`${source}, document ${index}: not a Kubernetes object (apiVersion, kind, metadata.name)`)
    }
    return [value as KubeObject]
  })
}

/** Renders `dir` with `renderer` and parses the result; a failed render throws with its stderr. */
export async function kustomize(renderer: Renderer, dir: string): Promise<KubeObject[]> {
  const run = await runCommand(renderer.command, renderer.args(dir), { timeoutMs: 30_000 })
  if (run.code !== 0) throw new Error(`${renderer.name} ${dir} failed (exit ${run.code}):\n${run.stderr}`)
  return parseRendering(run.stdout, dir)
}
